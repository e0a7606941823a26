// Anomaly flags (core/analysis/anomaly.hpp) on synthetic tensors built to trip
// exactly one flag each, with hand-computed figures; a clean Gaussian trips none.
// The file-level counts (NaN/Inf/subnormals in f32/f16/bf16) are checked against
// NumPy's in tests/fixtures/anomaly/ (made by make_anomaly.py).
#include "core/analysis/anomaly.hpp"
#include "core/analysis/anomaly_json.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/spec.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <set>

using namespace qs;
using namespace qs::analysis;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<float> gaussian(size_t n, uint64_t seed, double sigma = 1.0) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> d(0.0, sigma);
    std::vector<float> v(n);
    for (auto& x : v) x = float(d(rng));
    return v;
}

quant::QuantSpec spec_of(const char* text) { return *quant::parse_spec_text(text); }

std::multiset<AnomalyKind> kinds(const TensorReport& r) {
    std::multiset<AnomalyKind> k;
    for (const auto& f : r.flags) k.insert(f.kind);
    return k;
}

const Anomaly* find(const TensorReport& r, AnomalyKind k, bool channel_level) {
    for (const auto& f : r.flags)
        if (f.kind == k && (f.channel_count > 0) == channel_level) return &f;
    return nullptr;
}

TensorReport check(const std::vector<float>& v, std::vector<int64_t> shape, const quant::QuantSpec* spec,
                   io::DType dt = io::DType::F32, AnomalyThresholds th = {}) {
    auto r = check_tensor(v, shape, dt, "t", spec, th);
    EXPECT_TRUE(r) << r.message();
    return r ? *r : TensorReport{};
}

}  // namespace

TEST(Anomaly, CleanGaussianTripsNothing) {
    const auto v = gaussian(64 * 4096, 1);
    for (const char* s : {"int8", "int4", "int4:group=128", "int8:tensor", "nf4", "fp8_e4m3"}) {
        const auto spec = spec_of(s);
        const auto r = check(v, {64, 4096}, &spec);
        EXPECT_TRUE(r.flags.empty()) << s << ": " << (r.flags.empty() ? "" : r.flags.front().message);
        EXPECT_TRUE(r.stats.quantized) << s;
        EXPECT_NEAR(r.stats.excess_kurtosis, 0.0, 0.05);
        EXPECT_NEAR(r.stats.std, 1.0, 0.01);
        EXPECT_EQ(r.stats.dead_channels, 0u);
    }
}

// {-2,-1,0,0,0,0,1,2} as 4 rows of 2: mean 0, M2 = 10, M4 = 34, so the
// population variance is 10/8 and the excess kurtosis 8*34/10^2 - 3 = -0.28;
// max |x| / std = 2 / sqrt(1.25). Rows merge with Pebay's update.
TEST(Anomaly, MomentsMatchHandComputedValues) {
    const std::vector<float> v = {-2, -1, 0, 0, 0, 0, 1, 2};
    AnomalyThresholds th;
    th.min_elements = 1;
    for (std::vector<int64_t> shape : {std::vector<int64_t>{8}, std::vector<int64_t>{4, 2}, {2, 4}, {8, 1}}) {
        const auto r = check(v, shape, nullptr, io::DType::F32, th);
        EXPECT_DOUBLE_EQ(r.stats.mean, 0.0);
        EXPECT_NEAR(r.stats.std, std::sqrt(1.25), 1e-15);
        EXPECT_NEAR(r.stats.excess_kurtosis, -0.28, 1e-12);
        EXPECT_NEAR(r.stats.max_over_std, 2.0 / std::sqrt(1.25), 1e-12);
        EXPECT_EQ(r.stats.min, -2.0);
        EXPECT_EQ(r.stats.max, 2.0);
    }
}

// k spikes of height a among n values, across several 64K chunks of a 1-D
// tensor: mean p*a, and the excess kurtosis of a Bernoulli(p) scaled by a is
// (1 - 6p(1-p)) / (p(1-p)), whatever a is.
TEST(Anomaly, KurtosisOfSparseSpikesAcrossChunks) {
    const size_t n = 200000, k = 40;
    std::vector<float> v(n, 0.0f);
    for (size_t i = 0; i < k; ++i) v[i * 4999 + 3] = 5.0f;
    const double p = double(k) / double(n), q = 1.0 - p;
    const auto r = check(v, {int64_t(n)}, nullptr);
    EXPECT_NEAR(r.stats.mean, 5.0 * p, 1e-12);
    EXPECT_NEAR(r.stats.std, 5.0 * std::sqrt(p * q), 1e-12);
    EXPECT_NEAR(r.stats.excess_kurtosis, (1.0 - 6.0 * p * q) / (p * q), 1e-6);
    EXPECT_NEAR(r.stats.max_over_std, (5.0 - 5.0 * p) / (5.0 * std::sqrt(p * q)), 1e-9);
    EXPECT_EQ(kinds(r), (std::multiset<AnomalyKind>{AnomalyKind::HeavyTails, AnomalyKind::HeavyTails}));
}

TEST(Anomaly, OneOutlierTripsHeavyTailsAtItsChannel) {
    auto v = gaussian(64 * 256, 2);
    v[5 * 256 + 7] = 100.0f;
    const auto r = check(v, {64, 256}, nullptr);
    EXPECT_EQ(kinds(r), (std::multiset<AnomalyKind>{AnomalyKind::HeavyTails, AnomalyKind::HeavyTails}));
    const Anomaly* f = find(r, AnomalyKind::HeavyTails, true);
    ASSERT_NE(f, nullptr);
    EXPECT_THAT(f->channels, ElementsAre(5));
    EXPECT_GT(f->value, 15.0);
    EXPECT_EQ(f->threshold, 15.0);
    EXPECT_EQ(r.stats.argmax_channel, 5);
}

TEST(Anomaly, DeadAndNearConstantChannels) {
    auto v = gaussian(16 * 256, 3);
    for (int i = 0; i < 256; ++i) v[3 * 256 + i] = 0.25f;            // exactly constant (a bias-like row)
    for (int i = 0; i < 256; ++i) v[9 * 256 + i] *= 1e-5f;           // std 1e-5 x the tensor's
    const auto spec = spec_of("int8");
    const auto r = check(v, {16, 256}, &spec);
    EXPECT_EQ(kinds(r), std::multiset<AnomalyKind>{AnomalyKind::DeadChannel});
    const Anomaly& f = r.flags.at(0);
    EXPECT_THAT(f.channels, ElementsAre(3, 9));  // worst (ratio 0) first
    EXPECT_EQ(f.channel_count, 2u);
    EXPECT_EQ(f.value, 0.0);
    EXPECT_EQ(f.threshold, 1e-3);
    EXPECT_EQ(f.severity, Severity::Warning);
    EXPECT_THAT(f.message, HasSubstr("1 exactly constant"));
    EXPECT_EQ(r.stats.dead_channels, 2u);
}

// A manual clip of [-1, 1] per tensor; 10 values at +-3 in row 2, values at
// exactly +-1 (on the clip, not beyond it) elsewhere. Saturated fraction:
// tensor 10/1024, row 2 10/256.
TEST(Anomaly, SaturationUnderAManualClip) {
    std::vector<float> v(4 * 256);
    for (size_t i = 0; i < v.size(); ++i) v[i] = float(int(i % 19) - 9) / 10.0f;  // -0.9 .. 0.9
    for (int i = 0; i < 10; ++i) v[2 * 256 + 20 * i] = i % 2 ? 3.0f : -3.0f;
    v[0] = 1.0f;
    v[1] = -1.0f;
    quant::QuantSpec spec = spec_of("int8:tensor");
    spec.clip_lo = -1.0;
    spec.clip_hi = 1.0;
    AnomalyThresholds th;
    th.max_over_std = 1e9;  // the +-3 are tails too; this test is about saturation
    th.excess_kurtosis = 1e9;
    const auto r = check(v, {4, 256}, &spec, io::DType::F32, th);
    EXPECT_EQ(kinds(r), (std::multiset<AnomalyKind>{AnomalyKind::Saturation, AnomalyKind::Saturation}));
    EXPECT_DOUBLE_EQ(r.stats.saturated_fraction, 10.0 / 1024.0);
    EXPECT_DOUBLE_EQ(r.stats.worst_channel_saturation, 10.0 / 256.0);
    EXPECT_EQ(r.stats.worst_saturation_channel, 2);
    const Anomaly* ch = find(r, AnomalyKind::Saturation, true);
    ASSERT_NE(ch, nullptr);
    EXPECT_THAT(ch->channels, ElementsAre(2));
    EXPECT_EQ(ch->threshold, 1e-2);
    // Under min-max calibration nothing is outside the clip.
    const auto mm = spec_of("int8:tensor");
    EXPECT_EQ(check(v, {4, 256}, &mm, io::DType::F32, th).stats.saturated_fraction, 0.0);
}

// Row 5 of an int8 per-channel tensor holds +-3 and values cycling over
// {-0.05, 0, 0.05}: scale 3/127, codes {-127, -2, 0, 2, 127}: 5 of 255 levels,
// unused 250/255. The other rows are Gaussian and use most of their grid.
TEST(Anomaly, UnusedCodesInOneChannel) {
    auto v = gaussian(8 * 4096, 4);
    for (int i = 0; i < 4096; ++i) v[5 * 4096 + i] = float(i % 3 - 1) * 0.05f;
    v[5 * 4096 + 100] = 3.0f;
    v[5 * 4096 + 200] = -3.0f;
    const auto spec = spec_of("int8");
    const auto r = check(v, {8, 4096}, &spec);
    EXPECT_EQ(kinds(r), std::multiset<AnomalyKind>{AnomalyKind::UnusedCodes});
    const Anomaly& f = r.flags.at(0);
    EXPECT_THAT(f.channels, ElementsAre(5));
    EXPECT_DOUBLE_EQ(f.value, 250.0 / 255.0);
    EXPECT_EQ(r.stats.levels, 255u);
    EXPECT_EQ(r.stats.worst_unused_channel, 5);
    EXPECT_LT(r.stats.unused_codes_fraction, 0.5);  // the Gaussian rows' sparse tails: about 10%
}

// Per tensor: one value at 1000 squeezes a Gaussian into a few codes of an int8 grid.
TEST(Anomaly, UnusedCodesInTheTensor) {
    auto v = gaussian(8 * 4096, 5);
    v[77] = 1000.0f;
    const auto spec = spec_of("int8:tensor");
    AnomalyThresholds th;
    th.max_over_std = 1e9;
    th.excess_kurtosis = 1e9;
    const auto r = check(v, {8, 4096}, &spec, io::DType::F32, th);
    const Anomaly* f = find(r, AnomalyKind::UnusedCodes, false);
    ASSERT_NE(f, nullptr);
    EXPECT_GT(f->value, 0.9);
    EXPECT_EQ(f->threshold, 0.5);
    // Rows of 4096 judged against 255 levels (4096 >= 8 x 255): all rows share the squeeze.
    EXPECT_NE(find(r, AnomalyKind::UnusedCodes, true), nullptr);
}

TEST(Anomaly, NanAndInfAreErrorsAndDoNotStopTheOtherChecks) {
    auto v = gaussian(4 * 256, 6);
    v[3] = NAN;
    v[300] = INFINITY;
    v[600] = -INFINITY;
    const auto spec = spec_of("int8");
    const auto r = check(v, {4, 256}, &spec);
    EXPECT_EQ(kinds(r), std::multiset<AnomalyKind>{AnomalyKind::NonFinite});
    EXPECT_EQ(r.flags[0].severity, Severity::Error);
    EXPECT_EQ(r.flags[0].value, 3.0);
    EXPECT_EQ(r.stats.nan, 1u);
    EXPECT_EQ(r.stats.pos_inf, 1u);
    EXPECT_EQ(r.stats.neg_inf, 1u);
    EXPECT_EQ(r.stats.finite, 4u * 256u - 3u);
    EXPECT_TRUE(r.stats.quantized);
    EXPECT_NEAR(r.stats.std, 1.0, 0.1);
    EXPECT_EQ(r.worst(), Severity::Error);
}

// The same decoded value is a subnormal in f16 but a normal f32.
TEST(Anomaly, DenormalsAreCountedInTheSourceDtype) {
    std::vector<float> v(16, 0.5f);
    v[0] = 1e-6f;                          // f16 subnormal (< 2^-14), f32 normal
    v[1] = std::ldexp(1.0f, -14);          // smallest normal f16: not subnormal
    v[2] = std::ldexp(1.0f, -130);         // f32/bf16 subnormal
    v[3] = -0.0f;                          // zero: never
    auto f16 = check(v, {16}, nullptr, io::DType::F16);
    EXPECT_EQ(f16.stats.denormals, 2u);
    EXPECT_EQ(kinds(f16), std::multiset<AnomalyKind>{AnomalyKind::Denormal});
    EXPECT_EQ(f16.flags[0].severity, Severity::Info);
    EXPECT_EQ(check(v, {16}, nullptr, io::DType::F32).stats.denormals, 1u);
    EXPECT_EQ(check(v, {16}, nullptr, io::DType::BF16).stats.denormals, 1u);
    const auto f64 = check(v, {16}, nullptr, io::DType::F64);
    EXPECT_FALSE(f64.stats.denormals_counted);
    EXPECT_TRUE(f64.flags.empty());
}

TEST(Anomaly, SmallTensorsGetNoStatisticalFlags) {
    std::vector<float> v(64, 0.0f);
    v[0] = 50.0f;  // huge tails, but 64 values say little
    const auto r = check(v, {8, 8}, nullptr);
    EXPECT_TRUE(r.flags.empty());
}

TEST(Anomaly, SpecThatDoesNotFitIsNotedNotFailed) {
    const auto v = gaussian(256, 7);
    auto spec = spec_of("int8");
    spec.axis = 3;
    const auto r = check(v, {16, 16}, &spec);
    EXPECT_FALSE(r.stats.quantized);
    EXPECT_THAT(r.stats.quant_note, HasSubstr("axis"));
}

TEST(Anomaly, ThresholdsJsonRoundTripAndErrors) {
    AnomalyThresholds t;
    t.excess_kurtosis = 4.5;
    t.min_elements = 10;
    auto back = thresholds_from_json(thresholds_to_json(t));
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(*back, t);
    auto partial = parse_thresholds(R"({"max_over_std": 8})");
    ASSERT_TRUE(partial);
    EXPECT_EQ(partial->max_over_std, 8.0);
    EXPECT_EQ(partial->excess_kurtosis, AnomalyThresholds{}.excess_kurtosis);
    EXPECT_THAT(parse_thresholds(R"({"kurtosis": 8})").message(), HasSubstr("unknown key 'kurtosis'"));
    EXPECT_THAT(parse_thresholds(R"({"min_elements": 2.5})").message(), HasSubstr("whole number"));
    EXPECT_THAT(parse_thresholds(R"({"max_over_std": -1})").message(), HasSubstr(">= 0"));
    EXPECT_THAT(parse_thresholds("@/nonexistent/t.json").message(), HasSubstr("cannot open"));
}

TEST(Anomaly, CheckModelMatchesNumpyCountsOnTheSafetensorsFixture) {
    auto m = io::open_model(test::fixture("anomaly/anomaly.safetensors"));
    ASSERT_TRUE(m) << m.message();
    auto model = std::make_shared<const io::ModelIndex>(std::move(*m));
    std::ifstream f(test::fixture("anomaly/anomaly.expected.json"));
    const auto expected = nlohmann::json::parse(f);
    ModelCheckOptions opts;
    opts.spec = spec_of("int8");
    auto rep = check_model(model, opts);
    ASSERT_TRUE(rep) << rep.message();
    EXPECT_EQ(rep->tensors.size(), expected.size());
    ASSERT_EQ(rep->skipped.size(), 1u);
    EXPECT_EQ(rep->skipped[0].name, "ids");
    for (const auto& t : rep->tensors) {
        SCOPED_TRACE(t.name);
        const auto& e = expected.at(t.name);
        EXPECT_EQ(t.stats.nan, e["nan"].get<uint64_t>());
        EXPECT_EQ(t.stats.pos_inf, e["pos_inf"].get<uint64_t>());
        EXPECT_EQ(t.stats.neg_inf, e["neg_inf"].get<uint64_t>());
        EXPECT_EQ(t.stats.denormals, e["denormals"].get<uint64_t>());
        const bool nonfinite = e["nan"].get<int>() + e["pos_inf"].get<int>() + e["neg_inf"].get<int>() > 0;
        EXPECT_EQ(t.worst() == Severity::Error, nonfinite);
        if (t.name == "clean.weight") {
            EXPECT_TRUE(t.flags.empty());
        }
    }
    // Worst first: the three tensors with NaN/Inf lead, the clean one is last.
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(rep->tensors[i].worst(), Severity::Error);
    EXPECT_EQ(rep->tensors.back().name, "clean.weight");
    EXPECT_EQ(rep->count(Severity::Error), 3u);
    const auto j = model_report_to_json(*rep);
    EXPECT_EQ(j["summary"]["errors"], 3);
    EXPECT_EQ(j["spec"], "int8");
}

TEST(Anomaly, CheckModelCancels) {
    auto m = io::open_model(test::fixture("anomaly/anomaly.safetensors"));
    ASSERT_TRUE(m);
    auto model = std::make_shared<const io::ModelIndex>(std::move(*m));
    auto p = Progress::make();
    p.cancel();
    auto rep = check_model(model, {}, p);
    ASSERT_FALSE(rep);
    EXPECT_THAT(rep.message(), HasSubstr("cancelled"));
}
