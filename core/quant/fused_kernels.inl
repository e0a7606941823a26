// The fused run kernel, written once over a small vector-ops struct `V`
// (AVX2: 8 lanes, AVX-512: 16 lanes) and included by fused_avx2.cpp and
// fused_avx512.cpp. Every floating-point operation is the one the scalar
// reference performs, in the same order and precision (no FMA: -ffp-contract=off
// and explicit mul/add), so codes, dequantized values and histogram bins are
// bit-identical; only the metric sums are reassociated (float partial sums over
// at most kFlush vectors, then double).
//
// Do not include elsewhere: it must be compiled with the ISA flags of its includer.

#include "core/quant/fused_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qs::quant::simd {
namespace {

constexpr int kFlush = 16;  // vectors summed in float before moving to double

// Scalar element step with exactly the vector code's operations (tails).
inline void scalar_step(const Setup& s, const Group& g, float x, float* y_out, int32_t* code_out, uint32_t* idx_out,
                        bool* sat_out) {
    const float v = x * g.inv;
    switch (s.kind) {
        case ElemKind::Int: {
            const float q0 = std::nearbyint(v) + g.zp;
            *sat_out = q0 < g.qmin || q0 > g.qmax;
            const float q = std::min(std::max(q0, g.qmin), g.qmax);
            *y_out = (q - g.zp) * g.scale;
            *code_out = int32_t(q);
            *idx_out = uint32_t(int32_t(q) - int32_t(g.qmin));
            return;
        }
        case ElemKind::Grid: {
            uint32_t i = 0;
            for (int t = 0; t < g.n_thr; ++t) i += v > g.thr[t];
            *sat_out = v < g.lv_lo || v > g.lv_hi;
            *y_out = g.levels[i] * g.scale;
            *code_out = int32_t(i);
            *idx_out = i;
            return;
        }
        case ElemKind::Fp: {
            uint32_t bits;
            std::memcpy(&bits, &v, 4);
            const uint32_t sign = bits & 0x80000000u, abits = bits & 0x7FFFFFFFu;
            float a;
            std::memcpy(&a, &abits, 4);
            const int m = s.man_bits;
            float r;
            if (a < s.min_normal) {
                r = (a + s.sub_magic) - s.sub_magic;
            } else {
                const uint32_t lsb = (abits >> (23 - m)) & 1u;
                const uint32_t rb = (abits + ((1u << (22 - m)) - 1u) + lsb) & ~((1u << (23 - m)) - 1u);
                std::memcpy(&r, &rb, 4);
            }
            *sat_out = r > s.maxf;
            r = std::min(r, s.maxf);
            uint32_t mag;
            if (r < s.min_normal) {
                mag = uint32_t(r * s.sub_to_code);
            } else {
                uint32_t rb;
                std::memcpy(&rb, &r, 4);
                mag = ((((rb >> 23) - 127u + uint32_t(s.bias)) << m) | ((rb >> (23 - m)) & ((1u << m) - 1u)));
            }
            const uint32_t code = mag | (sign >> (31 - (s.exp_bits + m)));
            uint32_t yb;
            std::memcpy(&yb, &r, 4);
            yb |= sign;
            float yu;
            std::memcpy(&yu, &yb, 4);
            *y_out = yu * g.scale;
            *code_out = int32_t(code);
            *idx_out = code;
            return;
        }
    }
}

inline uint32_t bin_slot(float v, float lo, float hi, float inv, uint32_t bins) {
    if (!(v >= lo)) return 0;
    if (v > hi) return bins + 1;
    const float t = std::min((v - lo) * inv, float(bins));
    const uint32_t i = uint32_t(int32_t(t));
    return (i < bins ? i : bins - 1) + 1;
}

template <class V>
void run_kernel(const Setup& s, const Group& g, const float* x, size_t n, Out& out) {
    constexpr int W = V::W;
    using F = typename V::F;
    using I = typename V::I;
    const F inv = V::set1(g.inv), scale = V::set1(g.scale), zp = V::set1(g.zp);
    const F qmin = V::set1(g.qmin), qmax = V::set1(g.qmax);
    const F lv_lo = V::set1(g.lv_lo), lv_hi = V::set1(g.lv_hi);
    const F e_lo = V::set1(s.e_lo), e_hi = V::set1(s.e_hi), e_inv = V::set1(s.e_inv);
    const F v_lo = V::set1(s.v_lo), v_hi = V::set1(s.v_hi), v_inv = V::set1(s.v_inv);
    const F fbins = V::set1(float(s.bins));
    const I ibins_m1 = V::set1i(int32_t(s.bins) - 1), one = V::set1i(1), ibins_p1 = V::set1i(int32_t(s.bins) + 1);
    const I zero_i = V::set1i(0);
    const F maxf = V::set1(s.maxf), min_normal = V::set1(s.min_normal), sub_magic = V::set1(s.sub_magic);
    const F sub_to_code = V::set1(s.sub_to_code);
    const int m = s.man_bits;
    const I round_bias = V::set1i(int32_t((1u << (22 - m)) - 1u)), keep_mask = V::set1i(int32_t(~((1u << (23 - m)) - 1u)));
    const I abs_mask = V::set1i(0x7FFFFFFF), sign_mask = V::set1i(int32_t(0x80000000u));
    const I man_mask = V::set1i(int32_t((1u << m) - 1u)), exp_adj = V::set1i(s.bias - 127);
    F thr[16];
    for (int t = 0; t < g.n_thr; ++t) thr[t] = V::set1(g.thr[t]);
    const auto levels = V::load_table16(g.levels);
    const bool hist = s.bins > 0;

    // Histogram slot of each lane: 0 below, 1..bins inside, bins+1 above.
    auto slots = [&](F v, F lo, F hi, F inv_w) {
        const auto below = V::not_ge(v, lo);
        const auto above = V::gt(v, hi);
        F t = V::min(V::mul(V::sub(v, lo), inv_w), fbins);
        I i = V::mini(V::cvtt(t), ibins_m1);
        i = V::addi(i, one);
        i = V::selecti(below, zero_i, i);
        return V::selecti(above, ibins_p1, i);
    };

    F ax2 = V::zero(), ae2 = V::zero(), axy = V::zero(), ay2 = V::zero(), amax = V::zero();
    typename V::D dx2{}, de2{}, dxy{}, dy2{};
    uint64_t n_sat = 0;
    int since_flush = 0;
    alignas(64) int32_t idx_buf[W], eb[W], ob[W], db[W], code_buf[W];
    alignas(64) float y_buf[W];

    size_t i = 0;
    for (; i + W <= n; i += W) {
        const F xv = V::load(x + i);
        const F v = V::mul(xv, inv);
        F y = V::zero();
        I code = zero_i, idx = zero_i;
        typename V::M sat{};
        switch (s.kind) {
            case ElemKind::Int: {
                const F q0 = V::add(V::round_even(v), zp);
                sat = V::or_mask(V::lt(q0, qmin), V::gt(q0, qmax));
                const F q = V::min(V::max(q0, qmin), qmax);
                y = V::mul(V::sub(q, zp), scale);
                code = V::cvtt(q);
                idx = V::cvtt(V::sub(q, qmin));
                break;
            }
            case ElemKind::Grid: {
                idx = zero_i;
                for (int t = 0; t < g.n_thr; ++t) idx = V::add_if(idx, V::gt(v, thr[t]), one);
                sat = V::or_mask(V::lt(v, lv_lo), V::gt(v, lv_hi));
                y = V::mul(V::lookup16(levels, idx), scale);
                code = idx;
                break;
            }
            default: {  // Fp
                const I bits = V::castf(v);
                const I sign = V::andi(bits, sign_mask);
                const I abits = V::andi(bits, abs_mask);
                const F a = V::casti(abits);
                const F rs = V::sub(V::add(a, sub_magic), sub_magic);
                const I lsb = V::andi(V::srli(abits, 23 - m), one);
                const I rn = V::andi(V::addi(V::addi(abits, round_bias), lsb), keep_mask);
                const auto is_sub = V::lt(a, min_normal);
                F r = V::select(is_sub, rs, V::casti(rn));
                sat = V::gt(r, maxf);
                r = V::min(r, maxf);
                const I rb = V::castf(r);
                const I mag_sub = V::cvtt(V::mul(r, sub_to_code));
                const I e_field = V::addi(V::srli(rb, 23), exp_adj);
                const I mag_norm = V::ori(V::slli(e_field, m), V::andi(V::srli(rb, 23 - m), man_mask));
                const I mag = V::selecti(V::lt(r, min_normal), mag_sub, mag_norm);
                code = V::ori(mag, V::srli(sign, 31 - (s.exp_bits + m)));
                idx = code;
                y = V::mul(V::casti(V::ori(rb, sign)), scale);
                break;
            }
        }
        const F e = V::sub(xv, y);
        amax = V::max(amax, V::abs(e));
        ax2 = V::add(ax2, V::mul(xv, xv));
        ae2 = V::add(ae2, V::mul(e, e));
        axy = V::add(axy, V::mul(xv, y));
        ay2 = V::add(ay2, V::mul(y, y));
        if (++since_flush == kFlush) {
            V::acc_double(dx2, ax2);
            V::acc_double(de2, ae2);
            V::acc_double(dxy, axy);
            V::acc_double(dy2, ay2);
            ax2 = ae2 = axy = ay2 = V::zero();
            since_flush = 0;
        }
        n_sat += V::popcount(sat);
        if (out.deq) V::store(out.deq + i, y);
        if (out.codes) V::storei(out.codes + i, code);
        V::storei(idx_buf, idx);
        // lane j counts into sub-table j % kSub: neighbouring equal codes/bins then do
        // not wait on each other's read-modify-write through memory
        uint64_t* cc = out.code_counts;
        const size_t cst = out.code_stride, hst = out.hist_stride;
        if (hist) {
            V::storei(eb, slots(e, e_lo, e_hi, e_inv));
            if (s.orig_hist) V::storei(ob, slots(xv, v_lo, v_hi, v_inv));
            if (s.direct_deq) V::storei(db, slots(y, v_lo, v_hi, v_inv));
            uint64_t* eh = out.err;
            for (int j = 0; j < W; ++j) {
                ++cc[size_t(j % kSub) * cst + size_t(idx_buf[j])];
                ++eh[size_t(j % kSub) * hst + size_t(eb[j])];
            }
            if (s.orig_hist)
                for (int j = 0; j < W; ++j) ++out.orig[size_t(j % kSub) * hst + size_t(ob[j])];
            if (s.direct_deq)
                for (int j = 0; j < W; ++j) ++out.deqh[size_t(j % kSub) * hst + size_t(db[j])];
        } else {
            for (int j = 0; j < W; ++j) ++cc[size_t(j % kSub) * cst + size_t(idx_buf[j])];
        }
    }
    V::acc_double(dx2, ax2);
    V::acc_double(de2, ae2);
    V::acc_double(dxy, axy);
    V::acc_double(dy2, ay2);
    double sx2 = V::sum_double(dx2), se2 = V::sum_double(de2), sxy = V::sum_double(dxy), sy2 = V::sum_double(dy2);
    float max_err = V::hmax(amax);
    (void)code_buf;
    (void)y_buf;

    for (; i < n; ++i) {  // tail: the same operations one lane at a time
        float y = 0.0f;
        int32_t code = 0;
        uint32_t idx = 0;
        bool sat = false;
        scalar_step(s, g, x[i], &y, &code, &idx, &sat);
        const float e = x[i] - y;
        max_err = std::max(max_err, std::fabs(e));
        sx2 += double(x[i] * x[i]);
        se2 += double(e * e);
        sxy += double(x[i] * y);
        sy2 += double(y * y);
        n_sat += sat;
        if (out.deq) out.deq[i] = y;
        if (out.codes) out.codes[i] = code;
        ++out.code_counts[idx];
        if (hist) {
            ++out.err[bin_slot(e, s.e_lo, s.e_hi, s.e_inv, s.bins)];
            if (s.orig_hist) ++out.orig[bin_slot(x[i], s.v_lo, s.v_hi, s.v_inv, s.bins)];
            if (s.direct_deq) ++out.deqh[bin_slot(y, s.v_lo, s.v_hi, s.v_inv, s.bins)];
        }
    }
    out.sx2 += sx2;
    out.se2 += se2;
    out.sxy += sxy;
    out.sy2 += sy2;
    out.max_err = std::max(out.max_err, max_err);
    out.n_sat += n_sat;
}

template <class V>
void minmax_kernel(const float* x, size_t n, float* mn_out, float* mx_out, uint64_t* nonfinite_out) {
    using F = typename V::F;
    constexpr int W = V::W;
    F mn = V::set1(INFINITY), mx = V::set1(-INFINITY);
    uint64_t bad = 0;
    size_t i = 0;
    for (; i + W <= n; i += W) {
        const F xv = V::load(x + i);
        const auto fin = V::is_finite(xv);
        bad += uint64_t(W - V::popcount(fin));
        mn = V::min(mn, V::select(fin, xv, V::set1(INFINITY)));
        mx = V::max(mx, V::select(fin, xv, V::set1(-INFINITY)));
    }
    float a = V::hmin(mn), b = V::hmax(mx);
    for (; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            ++bad;
            continue;
        }
        a = std::min(a, x[i]);
        b = std::max(b, x[i]);
    }
    *mn_out = a;
    *mx_out = b;
    *nonfinite_out = bad;
}

}  // namespace
}  // namespace qs::quant::simd
