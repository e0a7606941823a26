// The scalar reference against independent outputs (torch.fake_quantize for int,
// brute-force NF4/MX, sklearn k-means, NumPy metrics and percentiles), the
// conventions exactly as issue 4 states them, and the edge semantics of
// docs/quantspec.md (NaN/Inf, empty, 0-d, constant, rank-1 per-channel, partial
// groups, axis errors, bits 1..16).
#include "core/quant/calibrate.hpp"
#include "core/quant/layout.hpp"
#include "core/quant/reference.hpp"
#include "tests/quant/quant_fixtures.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qs::quant;
using qs::test::floats;
using qs::test::OwnedTensor;
using qs::test::quant_fixture;
using ::testing::HasSubstr;

namespace {

// Relative tolerance for metrics that NumPy sums in a different order (float64).
constexpr double kMetricRelTol = 1e-9;

QuantSpec spec(const char* text) {
    auto s = parse_spec_text(text);
    EXPECT_TRUE(s) << text << ": " << (s ? "" : s.message());
    return s ? *s : QuantSpec{};
}

QuantResult run(const OwnedTensor& t, const QuantSpec& s, bool keep = true) {
    QuantOptions o;
    o.keep_dequantized = keep;
    o.keep_codes = keep;
    auto r = reference::quantize(t.view(), s, o);
    EXPECT_TRUE(r) << r.message();
    return r ? std::move(*r) : QuantResult{};
}

OwnedTensor gaussian(std::vector<int64_t> shape, uint64_t seed, float sigma = 0.02f) {
    OwnedTensor t;
    t.shape = std::move(shape);
    uint64_t n = 1;
    for (auto d : t.shape) n *= uint64_t(d);
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.0f, sigma);
    t.data.resize(n);
    for (auto& v : t.data) v = nd(rng);
    return t;
}

}  // namespace

TEST(ReferenceInt, MatchesTorchFakeQuantize) {
    const auto fx = quant_fixture("int_torch.json");
    ASSERT_GT(fx["cases"].size(), 15u);
    for (const auto& c : fx["cases"]) {
        const std::string text = c["spec"];
        SCOPED_TRACE(text);
        OwnedTensor t;
        t.data = floats(c["x"]);
        for (const auto& d : c["shape"]) t.shape.push_back(d.get<int64_t>());
        const QuantResult r = run(t, spec(text.c_str()));
        const auto scales = floats(c["scales"]);
        ASSERT_EQ(r.group_scale.size(), scales.size());
        for (size_t g = 0; g < scales.size(); ++g) {
            EXPECT_EQ(r.group_scale[g], scales[g]) << "group " << g;
            EXPECT_EQ(r.group_zero_point[g], c["zero_points"][g].get<float>()) << "group " << g;
        }
        const auto want = floats(c["dequantized"]);
        ASSERT_EQ(r.dequantized.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i)
            ASSERT_EQ(r.dequantized[i], want[i]) << "index " << i << " input " << t.data[i];
        EXPECT_NEAR(r.mse, c["mse"].get<double>(), kMetricRelTol * c["mse"].get<double>());
        if (c["sqnr_db"].is_string()) EXPECT_TRUE(std::isinf(r.sqnr_db));
        else EXPECT_NEAR(r.sqnr_db, c["sqnr_db"].get<double>(), 1e-9);
        EXPECT_NEAR(r.cosine, c["cosine"].get<double>(), 1e-12);
        EXPECT_NEAR(r.rel_fro_err, c["rel_fro"].get<double>(), kMetricRelTol * c["rel_fro"].get<double>());
        EXPECT_EQ(r.max_abs_err, c["max_abs_err"].get<double>());
        // the public entry point agrees
        QuantOptions o;
        o.keep_dequantized = true;
        auto q = quantize(t.view(), spec(text.c_str()), o);
        ASSERT_TRUE(q) << q.message();
        EXPECT_EQ(q->dequantized, r.dequantized);
    }
}

TEST(ReferenceNF4, MatchesBruteForceBlocks) {
    const auto fx = quant_fixture("nf4.json");
    OwnedTensor t;
    t.data = floats(fx["x"]);
    t.shape = {int64_t(t.data.size())};
    const QuantResult r = run(t, spec("nf4"));
    const auto absmax = floats(fx["absmax"]);
    ASSERT_EQ(r.n_groups, absmax.size());
    for (size_t g = 0; g < absmax.size(); ++g) EXPECT_EQ(r.group_scale[g], absmax[g]);
    const auto want = floats(fx["dequantized"]);
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(r.codes[i], fx["codes"][i].get<int>()) << "index " << i;
        EXPECT_EQ(r.dequantized[i], want[i]) << "index " << i;
    }
    EXPECT_DOUBLE_EQ(r.bits_per_weight, 4.5);  // 4 + 32/64 (fp32 absmax per block)
}

TEST(ReferenceMX, MatchesTheOcpDefinition) {
    const auto fx = quant_fixture("mx.json");
    OwnedTensor t;
    t.data = floats(fx["x"]);
    t.shape = {2, 32};
    const std::pair<const char*, double> heads[] = {{"mxfp8_e4m3", 8.25}, {"mxfp8_e5m2", 8.25}, {"mxfp6_e3m2", 6.25},
                                                    {"mxfp6_e2m3", 6.25}, {"mxfp4", 4.25},      {"mxint8", 8.25}};
    for (const auto& [head, bpw] : heads) {
        SCOPED_TRACE(head);
        std::string key = head;
        key = key == "mxfp4" ? "fp4_e2m1" : key.substr(2);
        const auto& b = fx["blocks"][key];
        const QuantResult r = run(t, spec(head));
        ASSERT_EQ(r.n_groups, 2u);
        for (int g = 0; g < 2; ++g) EXPECT_EQ(r.group_scale[size_t(g)], std::ldexp(1.0f, b["shared_exp"][size_t(g)].get<int>()));
        const auto want = floats(b["dequantized"]);
        for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(r.dequantized[i], want[i]) << "index " << i;
        EXPECT_DOUBLE_EQ(r.bits_per_weight, bpw);
    }
}

TEST(ReferenceKMeans, MatchesSklearnLloyd) {
    const auto fx = quant_fixture("kmeans.json");
    for (const auto& c : fx["cases"]) {
        const int k = c["k"];
        const auto x = floats(c["x"]);
        const auto cent = reference::kmeans_1d(x, k, 300);
        ASSERT_EQ(cent.size(), size_t(k));
        for (int i = 0; i < k; ++i)
            EXPECT_NEAR(cent[size_t(i)], c["centroids"][size_t(i)].get<double>(), 1e-12) << "k " << k << " i " << i;
        // end to end: the codebook is those centroids, stored as fp32
        OwnedTensor t;
        t.data = x;
        t.shape = {int64_t(x.size())};
        const QuantResult r = run(t, spec(k == 4 ? "kmeans2:iters=300" : "kmeans4:iters=300"));
        ASSERT_EQ(r.grid.size(), size_t(k));
        for (int i = 0; i < k; ++i) EXPECT_EQ(r.grid[size_t(i)], float(cent[size_t(i)]));
        // inertia = sum of squared errors = n * mse (sklearn's, in float64)
        EXPECT_NEAR(r.mse * double(x.size()), c["inertia"].get<double>(), 1e-6 * c["inertia"].get<double>());
    }
}

TEST(Calibration, PercentileAndKLMatchNumPy) {
    const auto fx = quant_fixture("calibration.json");
    const auto x = floats(fx["x"]);
    std::vector<float> scratch;
    for (const auto& [p, want] : fx["percentile_abs"].items()) {
        const ClipRange c = calib_percentile(x, std::stod(p), true, scratch);
        EXPECT_NEAR(c.hi, want.get<double>(), 1e-15) << "p " << p;
        EXPECT_EQ(c.lo, -c.hi);
    }
    for (const auto& [p, want] : fx["percentile_asym"].items()) {
        const ClipRange c = calib_percentile(x, std::stod(p), false, scratch);
        EXPECT_NEAR(c.lo, want[0].get<double>(), 1e-15) << "p " << p;
        EXPECT_NEAR(c.hi, want[1].get<double>(), 1e-15) << "p " << p;
    }
    const auto& kl = fx["kl"];
    const ClipRange c = calib_kl(x, kl["bins"], kl["qbins"], calib_minmax(x), true);
    EXPECT_NEAR(c.hi, kl["threshold"].get<double>(), 1e-12);
    // an 8-bit percentile spec uses the clip for its scale
    OwnedTensor t;
    t.data = x;
    t.shape = {int64_t(x.size())};
    const QuantResult r = run(t, spec("int8:tensor:calib=percentile:p=99"));
    EXPECT_EQ(r.group_scale[0], float(fx["percentile_abs"]["99.0"].get<double>() / 127.0));
    EXPECT_GT(r.clipped_fraction, 0.0);
}

TEST(Calibration, MseAndAciqShrinkTheRangeForGaussians) {
    const OwnedTensor t = gaussian({4096}, 3);
    const QuantResult mm = run(t, spec("int3:tensor"), false);
    const QuantResult mse = run(t, spec("int3:tensor:calib=mse"), false);
    const QuantResult aciq = run(t, spec("int3:tensor:calib=aciq"), false);
    EXPECT_LT(mse.clip_hi, mm.clip_hi);
    EXPECT_LT(mse.mse, mm.mse);
    EXPECT_LT(aciq.clip_hi, mm.clip_hi);
    EXPECT_LT(aciq.mse, mm.mse);
    const QuantResult kl = run(t, spec("int3:tensor:calib=kl:bins=512"), false);
    EXPECT_LE(kl.clip_hi, mm.clip_hi);
    // a manual clip overrides calibration
    const QuantResult manual = run(t, spec("int3:tensor:calib=mse:clip=-0.01,0.02"), false);
    EXPECT_EQ(manual.clip_hi, 0.02);
    EXPECT_EQ(manual.group_scale[0], float(0.02 / 3));
}

// ---- the conventions, as the issue states them ----

TEST(Conventions, SymmetricSignedRestricted) {
    // q in [-(2^(b-1)-1), 2^(b-1)-1], scale = clip / (2^(b-1)-1)
    for (int b = 2; b <= 16; ++b) {
        const OwnedTensor t = gaussian({3, 257}, uint64_t(b));
        QuantSpec s = spec("int8");
        s.bits = b;
        const QuantResult r = run(t, s);
        const int32_t qmax = (1 << (b - 1)) - 1;
        for (uint64_t g = 0; g < 3; ++g) {
            float amax = 0;
            for (int j = 0; j < 257; ++j) amax = std::max(amax, std::fabs(t.data[g * 257 + j]));
            EXPECT_EQ(r.group_scale[g], float(double(amax) / qmax)) << "bits " << b;
        }
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        for (int32_t q : r.codes) {
            lo = std::min(lo, q);
            hi = std::max(hi, q);
        }
        EXPECT_GE(lo, -qmax);
        EXPECT_LE(hi, qmax);
        EXPECT_TRUE(lo == -qmax || hi == qmax) << "bits " << b;  // the absmax lands on an end
        EXPECT_EQ(r.levels, uint64_t(2 * qmax + 1));
    }
}

TEST(Conventions, AsymmetricZeroPoint) {
    // q in [0, 2^b-1], scale = (max - min)/(2^b-1) with the range widened to include 0,
    // zero_point = round(-min/scale) clamped
    OwnedTensor t;
    t.shape = {2, 5};
    t.data = {0.2f, 0.5f, 0.9f, 0.3f, 0.25f,      // all positive: min widened to 0
              -0.31f, 0.77f, 0.1f, -0.05f, 0.4f};  // mixed
    const QuantResult r = run(t, spec("uint4"));
    EXPECT_EQ(r.group_scale[0], float((0.9f - 0.0) / 15));
    EXPECT_EQ(r.group_zero_point[0], 0.0f);
    const float s1 = float((double(0.77f) - double(-0.31f)) / 15);
    EXPECT_EQ(r.group_scale[1], s1);
    EXPECT_EQ(r.group_zero_point[1], std::clamp(std::nearbyint(float(-(-0.31f)) / s1), 0.0f, 15.0f));
    for (size_t i = 0; i < t.data.size(); ++i) {
        EXPECT_GE(r.codes[i], 0);
        EXPECT_LE(r.codes[i], 15);
        // x^ = scale * (q - zp)
        const size_t g = i / 5;
        EXPECT_EQ(r.dequantized[i], (float(r.codes[i]) - r.group_zero_point[g]) * r.group_scale[g]);
    }
}

TEST(Conventions, SqnrAndBitsPerWeight) {
    const OwnedTensor t = gaussian({8, 256}, 11);
    const QuantResult r = run(t, spec("int4:group=128:scale=fp16"));
    double sx = 0, se = 0;
    for (size_t i = 0; i < t.data.size(); ++i) {
        sx += double(t.data[i]) * t.data[i];
        const double e = double(t.data[i] - r.dequantized[i]);
        se += e * e;
    }
    EXPECT_NEAR(r.sqnr_db, 10 * std::log10(sx / se), 1e-12);
    EXPECT_DOUBLE_EQ(r.bits_per_weight, 4.0 + 16.0 / 128);                  // codes + fp16 scales
    EXPECT_DOUBLE_EQ(run(t, spec("int4:asym:group=128")).bits_per_weight, 4.0 + 32.0 / 128 + 4.0 / 128);  // + zp
    EXPECT_DOUBLE_EQ(run(t, spec("int8:channel")).bits_per_weight, 8.0 + 32.0 / 256);
    // k-means: one 16-entry fp32 codebook for the tensor
    EXPECT_DOUBLE_EQ(run(t, spec("kmeans4:iters=5")).bits_per_weight, 4.0 + 16.0 * 32 / 2048);
    // outliers: 32-bit index + 32-bit value each
    OwnedTensor o = t;
    o.data[100] = 5.0f;
    o.data[900] = -4.0f;
    const QuantResult ro = run(o, spec("int4:tensor:threshold=1"));
    EXPECT_EQ(ro.outliers_kept, 2u);
    EXPECT_DOUBLE_EQ(ro.bits_per_weight, 4.0 + 32.0 / 2048 + 2 * 64.0 / 2048);
    EXPECT_EQ(ro.bytes, uint64_t(std::ceil((4.0 * 2048 + 32 + 128) / 8)));
}

// ---- semantics of the edges (docs/quantspec.md) ----

TEST(Semantics, NanAndInfPassThroughAndAreExcluded) {
    OwnedTensor t = gaussian({4, 16}, 5);
    OwnedTensor clean = t;
    t.data[3] = std::nanf("");
    t.data[20] = INFINITY;
    t.data[40] = -INFINITY;
    clean.data[3] = clean.data[20] = clean.data[40] = 0.0f;  // zeros change neither scale nor sums
    const QuantResult r = run(t, spec("int4:tensor"));
    const QuantResult c = run(clean, spec("int4:tensor"));
    EXPECT_EQ(r.nonfinite, 3u);
    EXPECT_TRUE(std::isnan(r.dequantized[3]));
    EXPECT_EQ(r.dequantized[20], INFINITY);
    EXPECT_EQ(r.dequantized[40], -INFINITY);
    EXPECT_EQ(r.codes[3], kNoCode);
    EXPECT_EQ(r.group_scale[0], c.group_scale[0]);
    EXPECT_DOUBLE_EQ(r.mse * 61, c.mse * 64);  // same error sum over 3 fewer elements
    EXPECT_TRUE(std::isfinite(r.sqnr_db));
    uint64_t in_hist = r.hist_orig.below + r.hist_orig.above;
    for (auto n : r.hist_orig.counts) in_hist += n;
    EXPECT_EQ(in_hist, 61u);
    EXPECT_DOUBLE_EQ(r.bits_per_weight, 4.0 + (32.0 + 3 * 64.0) / 64);
}

TEST(Semantics, EmptyScalarConstantAndZero) {
    OwnedTensor e;
    e.shape = {0, 4};
    const QuantResult re = run(e, spec("int4:group=2"));
    EXPECT_EQ(re.numel, 0u);
    EXPECT_EQ(re.n_groups, 0u);
    EXPECT_EQ(re.bits_per_weight, 0.0);
    EXPECT_EQ(re.mse, 0.0);

    OwnedTensor s;
    s.data = {0.75f};
    const QuantResult rs = run(s, spec("int8"));
    EXPECT_EQ(rs.n_groups, 1u);
    EXPECT_EQ(rs.dequantized[0], 0.75f);

    OwnedTensor k;
    k.shape = {3, 4};
    k.data.assign(12, 0.3f);
    for (const char* sp : {"int4", "uint4", "int4:asym", "fp8_e4m3", "nf4", "log2_4", "mxfp4", "kmeans2", "binary",
                           "ternary"}) {
        const QuantResult rk = run(k, spec(sp));
        for (float v : rk.dequantized) EXPECT_NEAR(v, 0.3f, 0.051f) << sp;  // mxfp4: 0.3 -> 4 * 2^-4
        EXPECT_TRUE(std::isfinite(rk.mse)) << sp;
    }
    OwnedTensor z;
    z.shape = {2, 3};
    z.data.assign(6, 0.0f);
    for (const char* sp : {"int4", "uint4:asym", "fp8_e5m2", "nf4", "log2_3", "mxint8", "kmeans1", "binary",
                           "ternary", "int8:calib=mse", "int8:calib=kl", "int8:calib=percentile"}) {
        const QuantResult rz = run(z, spec(sp));
        for (float v : rz.dequantized) EXPECT_EQ(v, 0.0f) << sp;
        EXPECT_TRUE(std::isinf(rz.sqnr_db) && rz.sqnr_db > 0) << sp;
        EXPECT_EQ(rz.cosine, 1.0) << sp;
    }
}

TEST(Semantics, GroupingEdges) {
    // per-channel on a rank-1 tensor: one channel
    OwnedTensor v = gaussian({10}, 1);
    EXPECT_EQ(run(v, spec("int8:channel")).n_groups, 1u);
    // group size not dividing the row: the last group is shorter
    OwnedTensor t = gaussian({2, 10}, 2);
    const QuantResult r = run(t, spec("int4:group=4"));
    ASSERT_EQ(r.n_groups, 6u);
    const float amax_last = std::max(std::fabs(t.data[18]), std::fabs(t.data[19]));
    EXPECT_EQ(r.group_scale[5], float(double(amax_last) / 7));
    // per-block tiles, partial at the edges
    OwnedTensor b = gaussian({5, 7}, 3);
    EXPECT_EQ(run(b, spec("int4:block=2x3")).n_groups, 9u);
    // axis out of range is a validate() error naming the axis
    QuantOptions o;
    auto bad = reference::quantize(t.view(), spec("int4:channel=2"), o);
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.message(), HasSubstr("axis 2 out of range"));
    EXPECT_THAT(bad.message(), HasSubstr("tensor 't'"));
    // a shape that does not match the data
    OwnedTensor w;
    w.shape = {3, 3};
    w.data.assign(8, 0.0f);
    EXPECT_THAT(reference::quantize(w.view(), QuantSpec{}, o).message(), HasSubstr("9 elements but 8"));
}

TEST(Semantics, LayoutGroupIndices) {
    const int64_t shape[] = {2, 3, 4};
    QuantSpec s = spec("int8:channel=1");
    Layout L = make_layout(shape, s);
    EXPECT_EQ(L.n_groups, 3u);
    EXPECT_EQ(L.group_of(0), 0u);
    EXPECT_EQ(L.group_of(4), 1u);
    EXPECT_EQ(L.group_of(12), 0u);
    EXPECT_EQ(L.group_of(23), 2u);
    EXPECT_EQ(L.group_numel(1), 8u);
    s = spec("int8:channel=-1");
    L = make_layout(shape, s);
    EXPECT_EQ(L.n_groups, 4u);
    EXPECT_EQ(L.group_of(5), 1u);
    s = spec("int8:group=3");
    L = make_layout(shape, s);  // rows 6, cols 4 -> 2 groups per row
    EXPECT_EQ(L.n_groups, 12u);
    EXPECT_EQ(L.group_of(3), 1u);
    EXPECT_EQ(L.group_of(4), 2u);
    EXPECT_EQ(L.group_numel(1), 1u);
    s = spec("int8:block=4x3");
    L = make_layout(shape, s);  // rows 6 -> 2 block rows, cols 4 -> 2 block cols
    EXPECT_EQ(L.n_groups, 4u);
    EXPECT_EQ(L.group_of(4 * 4 + 3), 3u);
    EXPECT_EQ(L.group_numel(3), 2u * 1u);
}

TEST(Semantics, IntBitsOneToSixteen) {
    const OwnedTensor t = gaussian({2, 300}, 9);
    for (int b = 1; b <= 16; ++b) {
        for (const char* base : {"uint8", "int8:full", "int8:asym"}) {
            QuantSpec s = spec(base);
            s.bits = b;
            const QuantResult r = run(t, s);
            EXPECT_EQ(r.levels, uint64_t(1) << b) << base << " bits " << b;
            uint64_t total = 0;
            for (auto n : r.code_hist) total += n;
            EXPECT_EQ(total, t.data.size());
            EXPECT_LE(r.code_entropy_bits, double(b) + 1e-12);
            EXPECT_LE(r.codes_used, r.levels);
        }
    }
}

TEST(Semantics, StochasticRoundingIsSeededAndUnbiased) {
    const OwnedTensor t = gaussian({1, 4000}, 4);
    const QuantResult a = run(t, spec("int3:round=stochastic:seed=1"));
    const QuantResult b = run(t, spec("int3:round=stochastic:seed=1"));
    const QuantResult c = run(t, spec("int3:round=stochastic:seed=2"));
    EXPECT_EQ(a.dequantized, b.dequantized);
    EXPECT_NE(a.dequantized, c.dequantized);
    double bias = 0;
    for (size_t i = 0; i < t.data.size(); ++i) bias += double(a.dequantized[i]) - t.data[i];
    EXPECT_LT(std::fabs(bias / 4000), 0.05 * a.group_scale[0]);
}

TEST(Semantics, OutliersKeptInFullPrecision) {
    OwnedTensor t = gaussian({1, 1000}, 6);
    t.data[123] = 100.0f;
    const QuantResult r = run(t, spec("int4:top=0.001"));
    EXPECT_EQ(r.outliers_kept, 1u);
    EXPECT_EQ(r.dequantized[123], 100.0f);
    EXPECT_EQ(r.codes[123], kNoCode);
    EXPECT_LT(r.group_scale[0], 1.0f);  // calibrated without the outlier
    const QuantResult n = run(t, spec("int4"));
    EXPECT_GT(n.group_scale[0], 10.0f);
    EXPECT_GT(r.sqnr_db, n.sqnr_db + 10);
}

TEST(Semantics, HistogramsShareBinsAndCountEverything) {
    const OwnedTensor t = gaussian({16, 64}, 8);
    QuantOptions o;
    o.hist_bins = 32;
    auto r = reference::quantize(t.view(), spec("int3:channel"), o);
    ASSERT_TRUE(r);
    auto total = [](const Histogram& h) {
        uint64_t n = h.below + h.above;
        for (auto c : h.counts) n += c;
        return n;
    };
    EXPECT_EQ(r->hist_orig.counts.size(), 32u);
    EXPECT_EQ(r->hist_orig.lo, r->hist_deq.lo);
    EXPECT_EQ(r->hist_orig.hi, r->hist_deq.hi);
    EXPECT_EQ(total(r->hist_orig), 1024u);
    EXPECT_EQ(r->hist_orig.below + r->hist_orig.above, 0u);
    EXPECT_EQ(total(r->hist_deq), 1024u);
    EXPECT_EQ(total(r->hist_err), 1024u);
    EXPECT_EQ(r->hist_err.below + r->hist_err.above, 0u);  // minmax: every error within half a step
    EXPECT_EQ(r->hist_err.lo, -r->hist_err.hi);
    // a 3-bit grid has at most 7 distinct dequantized values per channel
    EXPECT_LE(r->grid.size(), 7u);
}

TEST(Semantics, E8M0ScalesArePowersOfTwo) {
    const OwnedTensor t = gaussian({4, 64}, 12);
    const QuantResult r = run(t, spec("int4:scale=e8m0"));
    for (float s : r.group_scale) {
        int e;
        EXPECT_EQ(std::frexp(s, &e), 0.5f);
    }
    EXPECT_EQ(r.clipped_fraction, 0.0);  // rounded up: nothing clips
    EXPECT_DOUBLE_EQ(r.bits_per_weight, 4.0 + 8.0 / 64);
}
