// The fused fast path (quantize()) against the scalar reference
// (reference::quantize) on random specs and tensors: codes, dequantized values,
// parameters, code counts, histograms and clipped fraction bit for bit; the
// metric sums within a relative 1e-5 (they are summed in another order, float
// partial sums in the vector kernel). Plus threads, Workspace reuse, caller-owned
// outputs, cancellation and progress.
#include "core/quant/quantize.hpp"
#include "core/quant/reference.hpp"
#include "core/quant/workspace.hpp"
#include "tests/quant/quant_fixtures.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

using namespace qs;
using namespace qs::quant;
using qs::test::OwnedTensor;

namespace {

QuantSpec spec(const char* text) {
    auto s = parse_spec_text(text);
    EXPECT_TRUE(s) << text << ": " << (s ? "" : s.message());
    return s ? *s : QuantSpec{};
}

// A random valid spec; round-to-nearest and no outliers more often than not, so
// the vector kernel is exercised as much as the scalar path.
QuantSpec random_spec(std::mt19937_64& rng) {
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    static const char* heads[] = {"int4",     "int8",     "uint8",    "int2",  "int16",    "fp8_e4m3", "fp8_e5m2",
                                  "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "nf4",   "mxfp4",    "mxfp8_e4m3",
                                  "mxfp6_e2m3", "mxint8", "kmeans4",  "kmeans2", "log2_4", "binary", "ternary",
                                  "uint4",    "int3",     "kmeans5",  "log2_3", "mxfp8_e5m2", "int1", "fp16_e5m10", "fp5_e2m2", "fp12_e8m3"};
    constexpr int kHeads = int(sizeof(heads) / sizeof(heads[0]));
    auto head = scheme_defaults(heads[pick(kHeads)]);
    EXPECT_TRUE(head);
    QuantSpec s = head ? *head : *scheme_defaults("int4");
    if (s.scheme == Scheme::Int) {
        s.symmetric = pick(2);
        s.restricted = pick(2);
        if (s.is_signed && s.symmetric && s.restricted && s.bits < 2) s.restricted = false;
    }
    if (s.scheme == Scheme::Fp) {
        s.fp_unscaled = pick(4) == 0;
        if (pick(3) == 0) s.exp_bias += pick(3) - 1;
    }
    if (s.scheme != Scheme::MX) {
        switch (pick(4)) {
            case 0: s.granularity = Granularity::PerTensor; break;
            case 1: s.granularity = Granularity::PerChannel; s.axis = pick(3) - 1; break;
            case 2: s.granularity = Granularity::PerGroup; s.group_size = 1 + pick(100); break;
            case 3: s.granularity = Granularity::PerBlock; s.block_rows = 1 + pick(20); s.block_cols = 1 + pick(40); break;
        }
    } else if (pick(2)) {
        s.group_size = 16 << pick(3);
    }
    // the reference builds each group's 2^16-level grid: keep 16-bit formats to few groups (test time)
    if (s.bits > 8) s.granularity = Granularity::PerTensor;
    if (s.scheme != Scheme::KMeans && pick(3) == 0) {
        s.calibration = Calibration(pick(5));
        s.calib_param = default_calib_param(s.calibration);
        // KL's threshold search is quadratic in its bins: keep it to few groups (test time)
        if (s.calibration == Calibration::KL) s.granularity = Granularity::PerTensor, s.calib_param = 128;
    }
    if (pick(6) == 0) {
        s.clip_lo = -double(pick(1000)) / 7000.0;
        s.clip_hi = double(pick(1000)) / 3000.0;
    }
    s.rounding = pick(2) ? Rounding::NearestEven : Rounding(pick(5));
    if (pick(2)) s.seed = rng();
    switch (pick(6)) {
        case 0: s.outliers = OutlierMode::TopFraction; s.outlier_param = pick(100) / 1000.0; break;
        case 1: s.outliers = OutlierMode::Threshold; s.outlier_param = pick(100) / 1000.0; break;
        default: s.outliers = OutlierMode::None; break;
    }
    if (s.scheme != Scheme::MX) s.scale_dtype = ScaleDType(pick(s.scheme == Scheme::KMeans ? 3 : 4));
    if (pick(3) == 0) s.kmeans_iters = 1 + pick(40);
    return s;
}

// Shapes of rank 0..3 with odd sizes (ragged groups and blocks, vector tails).
std::vector<int64_t> random_shape(std::mt19937_64& rng) {
    auto pick = [&](int n) { return int64_t(rng() % uint64_t(n)); };
    switch (pick(6)) {
        case 0: return {};
        case 1: return {1 + pick(300)};
        case 2: return {2 + pick(3), 1 + pick(40), 1 + pick(50)};
        default: return {1 + pick(40), 1 + pick(300)};
    }
}

OwnedTensor random_tensor(std::mt19937_64& rng, std::vector<int64_t> shape) {
    OwnedTensor t;
    t.shape = std::move(shape);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    std::normal_distribution<float> normal(0.0f, 0.02f);
    const int kind = int(rng() % 10);
    for (int64_t i = 0; i < n; ++i) t.data.push_back(kind == 0 ? 0.25f : kind == 1 ? 0.0f : normal(rng));
    if (kind == 2 && n > 3) {  // NaN/Inf pass through
        t.data[size_t(rng() % uint64_t(n))] = NAN;
        t.data[size_t(rng() % uint64_t(n))] = INFINITY;
        t.data[size_t(rng() % uint64_t(n))] = -INFINITY;
    }
    if (kind == 3 && n > 2) t.data[size_t(rng() % uint64_t(n))] = 3.0f;  // an outlier
    return t;
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i]) && !(std::isnan(a[i]) && std::isnan(b[i])))
            return false;
    return true;
}

void expect_near_rel(double a, double b, double rel, const std::string& what) {
    if (std::isinf(a) || std::isinf(b) || std::isnan(a) || std::isnan(b)) {
        EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << what << ": " << a << " vs " << b;
        return;
    }
    EXPECT_LE(std::fabs(a - b), rel * std::max(std::fabs(a), std::fabs(b)) + 1e-300) << what << ": " << a << " vs " << b;
}

void expect_same_hist(const Histogram& a, const Histogram& b, const std::string& what) {
    EXPECT_EQ(a.lo, b.lo) << what;
    EXPECT_EQ(a.hi, b.hi) << what;
    EXPECT_EQ(a.counts, b.counts) << what;
    EXPECT_EQ(a.below, b.below) << what;
    EXPECT_EQ(a.above, b.above) << what;
}

// The contract between the two implementations (docs/quantspec.md, "Fast path").
void expect_matches_reference(const QuantResult& f, const QuantResult& r, const std::string& what) {
    EXPECT_EQ(f.codes, r.codes) << what;
    EXPECT_TRUE(same_floats(f.dequantized, r.dequantized)) << what;
    EXPECT_TRUE(same_floats(f.group_scale, r.group_scale)) << what;
    EXPECT_TRUE(same_floats(f.group_zero_point, r.group_zero_point)) << what;
    EXPECT_TRUE(same_floats(f.group_clip_lo, r.group_clip_lo)) << what;
    EXPECT_TRUE(same_floats(f.group_clip_hi, r.group_clip_hi)) << what;
    EXPECT_TRUE(same_floats(f.grid, r.grid)) << what;
    EXPECT_EQ(f.clip_lo, r.clip_lo) << what;
    EXPECT_EQ(f.clip_hi, r.clip_hi) << what;
    EXPECT_EQ(f.code_hist, r.code_hist) << what;
    EXPECT_EQ(f.codes_used, r.codes_used) << what;
    EXPECT_EQ(f.code_entropy_bits, r.code_entropy_bits) << what;
    EXPECT_EQ(f.levels, r.levels) << what;
    EXPECT_EQ(f.code_offset, r.code_offset) << what;
    EXPECT_EQ(f.clipped_fraction, r.clipped_fraction) << what;
    EXPECT_EQ(f.outliers_kept, r.outliers_kept) << what;
    EXPECT_EQ(f.nonfinite, r.nonfinite) << what;
    EXPECT_EQ(f.n_groups, r.n_groups) << what;
    EXPECT_EQ(f.bits_per_weight, r.bits_per_weight) << what;
    EXPECT_EQ(f.bytes, r.bytes) << what;
    EXPECT_EQ(f.max_abs_err, r.max_abs_err) << what;
    expect_same_hist(f.hist_orig, r.hist_orig, what + " hist_orig");
    expect_same_hist(f.hist_deq, r.hist_deq, what + " hist_deq");
    expect_same_hist(f.hist_err, r.hist_err, what + " hist_err");
    // sums: another summation order (stated bound: relative 1e-5)
    expect_near_rel(f.sum_sq, r.sum_sq, 1e-5, what + " sum_sq");
    expect_near_rel(f.sum_sq_err, r.sum_sq_err, 1e-5, what + " sum_sq_err");
    expect_near_rel(f.mse, r.mse, 1e-5, what + " mse");
    expect_near_rel(f.cosine, r.cosine, 1e-5, what + " cosine");
    if (std::isfinite(r.sqnr_db)) EXPECT_NEAR(f.sqnr_db, r.sqnr_db, 1e-4) << what;
    else EXPECT_EQ(f.sqnr_db, r.sqnr_db) << what;
    ASSERT_EQ(f.group_mse.size(), r.group_mse.size()) << what;
    for (size_t g = 0; g < f.group_mse.size(); ++g)
        expect_near_rel(f.group_mse[g], r.group_mse[g], 1e-5, what + " group_mse " + std::to_string(g));
}

QuantResult must(Result<QuantResult> r) {
    EXPECT_TRUE(r) << (r ? "" : r.message());
    return r ? std::move(*r) : QuantResult{};
}

void compare(const OwnedTensor& t, const QuantSpec& s, QuantOptions o = {}) {
    o.keep_dequantized = true;
    o.keep_codes = true;
    const std::string what = to_text(s) + " shape rank " + std::to_string(t.shape.size()) + " n " +
                             std::to_string(t.data.size());
    auto ref = reference::quantize(t.view(), s, o);
    auto fast = quantize(t.view(), s, o);
    ASSERT_EQ(bool(ref), bool(fast)) << what << (ref ? fast.message() : ref.message());
    if (!ref) return;
    expect_matches_reference(*fast, *ref, what);
}

OwnedTensor gaussian(std::vector<int64_t> shape, uint64_t seed) {
    OwnedTensor t;
    t.shape = std::move(shape);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (int64_t i = 0; i < n; ++i) t.data.push_back(normal(rng));
    return t;
}

}  // namespace

TEST(Fused, MatchesReferenceOnRandomSpecsAndTensors) {
    std::mt19937_64 rng(20261123);
    for (int iter = 0; iter < 600; ++iter) {
        const QuantSpec s = random_spec(rng);
        OwnedTensor t = random_tensor(rng, random_shape(rng));
        if (!validate(s, t.shape)) continue;
        QuantOptions o;
        o.hist_bins = int(rng() % 3) == 0 ? 0 : 1 + int(rng() % 300);
        if (rng() % 4 == 0) {
            o.hist_lo = -0.03;
            o.hist_hi = 0.02;
        }
        if (rng() % 5 == 0) o.err_hist_halfwidth = 0.001;
        SCOPED_TRACE(iter);
        compare(t, s, o);
        if (HasFailure()) return;  // one readable failure, not hundreds
    }
}

TEST(Fused, EverySchemeAndGranularityOnTheKernelPath) {
    // Tensors big enough for several tasks and two threads (>= 4 x 64K elements).
    const OwnedTensor t = gaussian({260, 1031}, 5);
    for (const char* text : {"int4", "int4:group=128", "int8:tensor", "uint8:tensor", "int4:asym:group=100",
                             "int4:block=64x96", "int4:channel=1", "uint4:group=128:scale=fp16", "fp8_e4m3",
                             "fp8_e5m2:tensor", "fp4_e2m1:group=32", "fp6_e3m2:channel", "fp8_e4m3:tensor:unscaled",
                             "nf4", "nf4:tensor:scale=bf16", "log2_4", "mxfp4", "mxfp8_e4m3", "mxfp6_e2m3",
                             "kmeans4", "kmeans4:channel", "kmeans2:group=256", "int16:tensor",
                             "int4:group=128:calib=mse", "int8:calib=percentile:p=99.9",
                             "int4:group=128:clip=-0.03,0.03"}) {
        SCOPED_TRACE(text);
        QuantOptions o;
        o.threads = 2;
        compare(t, spec(text), o);
    }
}

TEST(Fused, ScalarPathSchemesOnBigTensors) {
    const OwnedTensor t = gaussian({300, 1000}, 6);
    for (const char* text : {"int4:round=stochastic:seed=3", "int4:group=64:round=away", "fp8_e4m3:round=floor",
                             "mxint8", "binary", "ternary:group=128", "int4:group=128:top=0.01", "kmeans5",
                             "nf4:round=ceil"}) {
        SCOPED_TRACE(text);
        QuantOptions o;
        o.threads = 2;
        compare(t, spec(text), o);
    }
}

TEST(Fused, NanInfOutliersAndEmptyTensors) {
    OwnedTensor t = gaussian({64, 333}, 7);
    t.data[5] = NAN;
    t.data[700] = INFINITY;
    t.data[701] = -INFINITY;
    t.data[9000] = 2.0f;
    for (const char* text : {"int4", "int4:tensor", "fp8_e4m3:group=32", "int8:threshold=0.05", "kmeans4"})
        compare(t, spec(text));
    OwnedTensor all_nan;
    all_nan.shape = {3, 4};
    all_nan.data.assign(12, NAN);
    compare(all_nan, spec("int4"));
    for (std::vector<int64_t> shape : {std::vector<int64_t>{0}, std::vector<int64_t>{0, 5}, std::vector<int64_t>{4, 0}}) {
        OwnedTensor e;
        e.shape = shape;
        compare(e, spec("int4:group=2"));
        compare(e, spec("kmeans2"));
    }
}

TEST(Fused, DeterministicAcrossThreadCountsAndWorkspaceReuse) {
    const OwnedTensor t = gaussian({512, 700}, 8);
    const QuantSpec s = spec("int4:group=128");
    QuantOptions one;
    one.threads = 1;
    QuantOptions two;
    two.threads = 2;
    const QuantResult a = must(quantize(t.view(), s, one));
    const QuantResult b = must(quantize(t.view(), s, two));
    EXPECT_EQ(a.sum_sq_err, b.sum_sq_err);
    EXPECT_EQ(a.sum_sq, b.sum_sq);
    EXPECT_EQ(a.hist_err.counts, b.hist_err.counts);

    // a Workspace with a tensor key: the second call reuses the cached stats and
    // original histogram, a different spec on the same tensor too
    Workspace ws;
    QuantOptions w;
    w.workspace = &ws;
    w.tensor_key = 42;
    for (const char* text : {"int4:group=128", "int4:group=128", "fp8_e4m3", "nf4"}) {
        const QuantSpec sp = spec(text);
        const QuantResult plain = must(quantize(t.view(), sp));
        const QuantResult cached = must(quantize(t.view(), sp, w));
        expect_same_hist(cached.hist_orig, plain.hist_orig, text);
        expect_same_hist(cached.hist_deq, plain.hist_deq, text);
        EXPECT_EQ(cached.sum_sq_err, plain.sum_sq_err) << text;
    }
}

TEST(Fused, CallerOwnedOutputBuffers) {
    const OwnedTensor t = gaussian({40, 50}, 9);
    const QuantSpec s = spec("int4:group=16");
    std::vector<float> deq(t.data.size(), -1.0f);
    std::vector<int32_t> codes(t.data.size(), 99);
    QuantOptions o;
    o.dequantized_out = deq;
    o.codes_out = codes;
    const QuantResult r = must(quantize(t.view(), s, o));
    EXPECT_TRUE(r.dequantized.empty());
    QuantOptions keep;
    keep.keep_dequantized = keep.keep_codes = true;
    const QuantResult ref = must(reference::quantize(t.view(), s, keep));
    EXPECT_TRUE(same_floats(deq, ref.dequantized));
    EXPECT_EQ(codes, ref.codes);

    std::vector<float> small(10);
    o.dequantized_out = small;
    auto bad = quantize(t.view(), s, o);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.message().find("dequantized_out has 10 floats"), std::string::npos) << bad.message();
}

TEST(Fused, CancelAndProgress) {
    const OwnedTensor t = gaussian({256, 1024}, 10);
    Progress p = Progress::make();
    const QuantResult r = must(quantize(t.view(), spec("int4"), {}, p));
    EXPECT_EQ(p.fraction(), 1.0);
    EXPECT_EQ(r.numel, t.data.size());

    Progress c = Progress::make();
    c.cancel();
    auto cancelled = quantize(t.view(), spec("int4"), {}, c);
    ASSERT_FALSE(cancelled);
    EXPECT_NE(cancelled.message().find("cancelled"), std::string::npos);
}
