// Clip-range calibration (see calibrate.hpp for the definitions).
#include "core/quant/calibrate.hpp"

#include "core/quant/params.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::quant {

bool uses_clip_range(const QuantSpec& s) {
    switch (s.scheme) {
        case Scheme::Int:
        case Scheme::NF4:
        case Scheme::Log2: return true;
        case Scheme::Fp: return !s.fp_unscaled;
        default: return false;
    }
}

ClipRange calib_minmax(std::span<const float> v) {
    if (v.empty()) return {};
    float lo = v[0], hi = v[0];
    for (float x : v) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    return {lo, hi};
}

double percentile_sorted(std::span<const float> a, double p) {
    if (a.empty()) return 0.0;
    const double pos = p / 100.0 * double(a.size() - 1);
    const size_t i = std::min(size_t(std::floor(pos)), a.size() - 1);
    const size_t j = std::min(i + 1, a.size() - 1);
    const double t = pos - double(i);
    return double(a[i]) + t * (double(a[j]) - double(a[i]));
}

ClipRange calib_percentile(std::span<const float> v, double p, bool symmetric, std::vector<float>& scratch) {
    if (v.empty()) return {};
    scratch.assign(v.begin(), v.end());
    if (symmetric)
        for (float& x : scratch) x = std::fabs(x);
    std::sort(scratch.begin(), scratch.end());
    if (symmetric) {
        const double c = percentile_sorted(scratch, p);
        return {-c, c};
    }
    return {percentile_sorted(scratch, 100.0 - p), percentile_sorted(scratch, p)};
}

ClipRange calib_mse(const QuantSpec& s, std::span<const float> v, ClipRange mm) {
    if (v.empty()) return mm;
    const size_t stride = (v.size() + 65535) / 65536;
    QuantSpec sn = s;
    sn.rounding = Rounding::NearestEven;
    sn.clip_lo.reset();
    sn.clip_hi.reset();
    const ElementQuantizer eq(sn);
    const bool asym = s.scheme == Scheme::Int && !s.symmetric;
    const double amax = std::max(std::fabs(mm.lo), std::fabs(mm.hi));
    ClipRange best = asym ? mm : ClipRange{-amax, amax};
    double best_err = std::numeric_limits<double>::infinity();
    for (int k = 0; k < 80; ++k) {
        const double a = 1.0 - k / 100.0;
        const ClipRange c = asym ? ClipRange{a * mm.lo, a * mm.hi} : ClipRange{-a * amax, a * amax};
        const GroupParams p = clip_params(sn, c.lo, c.hi);
        double err = 0.0;
        int32_t code;
        bool sat;
        for (size_t i = 0; i < v.size(); i += stride) {
            const float d = v[i] - eq.quantize(p, v[i], 0.0, &code, &sat);
            err += double(d) * double(d);
        }
        if (err < best_err) {  // ties keep the wider range
            best_err = err;
            best = c;
        }
    }
    return best;
}

ClipRange calib_kl(std::span<const float> v, int bins, int quant_bins, ClipRange mm, bool symmetric) {
    const double amax = std::max(std::fabs(mm.lo), std::fabs(mm.hi));
    if (v.empty() || !(amax > 0.0)) return mm;
    // 1. Histogram of |x| over [0, amax] with `bins` equal bins.
    std::vector<double> h(size_t(bins), 0.0);
    const double w = amax / bins;
    for (float x : v) {
        const size_t i = std::min(size_t(std::fabs(double(x)) / w), size_t(bins - 1));
        h[i] += 1.0;
    }
    // 2. For each candidate threshold i (in bins): P = h[0..i) with the tail folded into
    //    the last bin; Q = h[0..i) merged into quant_bins chunks and spread back evenly
    //    over each chunk's non-empty bins. Keep the i with the smallest KL(P || Q).
    double best_kl = std::numeric_limits<double>::infinity();
    int best_i = bins;
    std::vector<double> q(static_cast<size_t>(bins), 0.0);
    double tail = 0.0;
    std::vector<double> suffix(size_t(bins) + 1, 0.0);
    for (int i = bins - 1; i >= 0; --i) suffix[size_t(i)] = suffix[size_t(i) + 1] + h[size_t(i)];
    for (int i = std::min(quant_bins, bins); i <= bins; ++i) {
        tail = suffix[size_t(i)];
        // Q
        int j = 0;
        while (j < i) {
            const int chunk = int((int64_t(j) * quant_bins) / i);
            int end = j;
            double total = 0.0;
            int nonzero = 0;
            while (end < i && int((int64_t(end) * quant_bins) / i) == chunk) {
                total += h[size_t(end)];
                nonzero += h[size_t(end)] > 0.0;
                ++end;
            }
            for (int k = j; k < end; ++k) q[size_t(k)] = h[size_t(k)] > 0.0 ? total / nonzero : 0.0;
            j = end;
        }
        double p_sum = 0.0, q_sum = 0.0;
        for (int k = 0; k < i; ++k) {
            p_sum += h[size_t(k)] + (k == i - 1 ? tail : 0.0);
            q_sum += q[size_t(k)];
        }
        if (!(p_sum > 0.0) || !(q_sum > 0.0)) continue;
        double kl = 0.0;
        for (int k = 0; k < i; ++k) {
            const double pk = (h[size_t(k)] + (k == i - 1 ? tail : 0.0)) / p_sum;
            if (pk <= 0.0) continue;
            const double qk = q[size_t(k)] / q_sum;
            if (qk <= 0.0) {
                kl = std::numeric_limits<double>::infinity();
                break;
            }
            kl += pk * std::log(pk / qk);
        }
        if (kl <= best_kl) {  // ties: the larger threshold (as pytorch-quantization)
            best_kl = kl;
            best_i = i;
        }
    }
    const double t = best_i * w;
    if (symmetric) return {-t, t};
    return {std::max(mm.lo, -t), std::min(mm.hi, t)};
}

double aciq_laplace_factor(int bits) {
    // Optimal clip / b for a Laplace(0, b) source and a uniform b-bit grid (Banner et al.).
    static constexpr double kC[] = {1.86, 2.83, 3.89, 5.03, 6.20, 7.41, 8.64, 9.89};  // 1..8 bits
    if (bits <= 1) return kC[0];
    if (bits <= 8) return kC[bits - 1];
    return kC[7] + 1.25 * (bits - 8);
}

ClipRange calib_aciq(std::span<const float> v, int bits, bool symmetric, ClipRange mm) {
    if (v.empty()) return mm;
    double mu = 0.0;
    if (!symmetric) {
        for (float x : v) mu += x;
        mu /= double(v.size());
    }
    double b = 0.0;
    for (float x : v) b += std::fabs(double(x) - mu);
    b /= double(v.size());
    const double alpha = aciq_laplace_factor(bits) * b;
    if (symmetric) {
        const double amax = std::max(std::fabs(mm.lo), std::fabs(mm.hi));
        const double c = std::min(alpha, amax);
        return {-c, c};
    }
    return {std::max(mm.lo, mu - alpha), std::min(mm.hi, mu + alpha)};
}

ClipRange calibrate(const QuantSpec& s, std::span<const float> v, ClipRange mm, std::vector<float>& scratch) {
    if (s.clip_lo && s.clip_hi) return {*s.clip_lo, *s.clip_hi};
    const bool symmetric = !(s.scheme == Scheme::Int && !s.symmetric);
    switch (s.calibration) {
        case Calibration::MinMax: return mm;
        case Calibration::Percentile: return calib_percentile(v, s.calib_param, symmetric, scratch);
        case Calibration::MSE: return calib_mse(s, v, mm);
        case Calibration::KL: {
            const int qbins = 1 << std::min(s.bits - 1, 14);
            return calib_kl(v, int(s.calib_param), std::max(qbins, 1), mm, symmetric);
        }
        case Calibration::ACIQ: return calib_aciq(v, s.bits, symmetric, mm);
    }
    return mm;
}

}  // namespace qs::quant
