// The AVX2 and AVX-512 instantiations of the fused kernel agree bit for bit.
// quantize() picks AVX-512 on machines that have it, so the reference tests
// (test_fused.cpp) only reach the AVX2 kernel through this comparison.
#include "core/quant/fused_kernels.hpp"
#include "core/quant/formats.hpp"
#include "core/util/cpu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qs::quant;

namespace {

struct Run {
    std::vector<float> deq;
    std::vector<int32_t> codes;
    std::vector<uint64_t> counts, err, orig, deqh;
    simd::Out out;
};

Run run(const simd::Kernels& k, const simd::Setup& s, const simd::Group& g, const std::vector<float>& x,
        size_t n_codes) {
    Run r;
    r.deq.assign(x.size(), 0.0f);
    r.codes.assign(x.size(), 0);
    r.counts.assign(simd::kSub * n_codes, 0);
    r.err.assign(simd::kSub * (s.bins + 2), 0);
    r.orig = r.err;
    r.deqh = r.err;
    r.out.deq = r.deq.data();
    r.out.codes = r.codes.data();
    r.out.code_counts = r.counts.data();
    r.out.code_stride = n_codes;
    r.out.hist_stride = s.bins + 2;
    r.out.err = r.err.data();
    r.out.orig = r.orig.data();
    r.out.deqh = r.deqh.data();
    k.run(s, g, x.data(), x.size(), r.out);
    return r;
}

void expect_same(const Run& a, const Run& b, const char* what) {
    EXPECT_EQ(0, std::memcmp(a.deq.data(), b.deq.data(), a.deq.size() * 4)) << what;
    EXPECT_EQ(a.codes, b.codes) << what;
    // sub-tables may split counts differently (8 vs 16 lanes): compare the sums
    auto fold = [](const std::vector<uint64_t>& v) {
        std::vector<uint64_t> f(v.size() / simd::kSub, 0);
        for (size_t i = 0; i < v.size(); ++i) f[i % f.size()] += v[i];
        return f;
    };
    EXPECT_EQ(fold(a.counts), fold(b.counts)) << what;
    EXPECT_EQ(fold(a.err), fold(b.err)) << what;
    EXPECT_EQ(fold(a.orig), fold(b.orig)) << what;
    EXPECT_EQ(fold(a.deqh), fold(b.deqh)) << what;
    EXPECT_EQ(a.out.max_err, b.out.max_err) << what;
    EXPECT_EQ(a.out.n_sat, b.out.n_sat) << what;
    EXPECT_NEAR(a.out.se2, b.out.se2, 1e-6 * a.out.se2) << what;
    EXPECT_NEAR(a.out.sx2, b.out.sx2, 1e-6 * a.out.sx2) << what;
}

}  // namespace

TEST(FusedIsa, Avx2AndAvx512KernelsAgree) {
    const qs::CpuFeatures f = qs::cpu_features();
    if (!f.avx2 || !f.avx512) GTEST_SKIP() << "needs both AVX2 and AVX-512";
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> x(1000 + 13);  // a vector tail for both widths
    for (float& v : x) v = normal(rng);
    x[3] = 0.0f;
    x[4] = -0.0f;
    x[5] = 1.0f;  // saturates

    simd::Setup s;
    s.bins = 64;
    s.e_lo = -0.004f, s.e_hi = 0.004f, s.e_inv = 64 / 0.008f;
    s.v_lo = -0.08f, s.v_hi = 0.08f, s.v_inv = 64 / 0.16f;
    s.orig_hist = true;
    s.direct_deq = true;

    // int4 asymmetric-style group
    simd::Group g;
    g.scale = 0.01f, g.inv = 1.0f / 0.01f, g.zp = 1.0f, g.qmin = -8.0f, g.qmax = 7.0f;
    s.kind = simd::ElemKind::Int;
    expect_same(run(simd::avx2_kernels(), s, g, x, 16), run(simd::avx512_kernels(), s, g, x, 16), "int");

    // FP8 E4M3, scaled
    s.kind = simd::ElemKind::Fp;
    s.man_bits = 3, s.exp_bits = 4, s.bias = 7, s.maxf = 448.0f, s.min_normal = std::ldexp(1.0f, -6);
    s.sub_magic = std::ldexp(1.0f, 1 - 7 - 3 + 23), s.sub_to_code = std::ldexp(1.0f, 3 - 1 + 7);
    g.scale = 0.08f / 448.0f, g.inv = 1.0f / g.scale, g.zp = 0.0f;
    expect_same(run(simd::avx2_kernels(), s, g, x, 256), run(simd::avx512_kernels(), s, g, x, 256), "fp8");

    // NF4 grid
    s.kind = simd::ElemKind::Grid;
    const Grid nf4 = grid_with_midpoints({kNF4Levels.begin(), kNF4Levels.end()});
    g.scale = 0.05f, g.inv = 1.0f / 0.05f;
    g.n_thr = 15;
    for (int i = 0; i < 15; ++i) g.thr[i] = float_below(nf4.decision[size_t(i)]);
    g.thr[15] = INFINITY;
    for (int i = 0; i < 16; ++i) g.levels[i] = nf4.levels[size_t(i)];
    g.lv_lo = -1.0f, g.lv_hi = 1.0f;
    expect_same(run(simd::avx2_kernels(), s, g, x, 16), run(simd::avx512_kernels(), s, g, x, 16), "nf4");
}
