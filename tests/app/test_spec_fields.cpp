// QuantSpec fields by name (script `spec FIELD VALUE`, asserts) and presets.
#include "app/state/spec_fields.hpp"

#include <gtest/gtest.h>

#include <set>

namespace qs::app {
namespace {

TEST(SpecFields, SetAndGetRoundTrip) {
    quant::QuantSpec s;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"scheme", "nf4"},          {"bits", "3"},         {"signed", "false"},       {"symmetric", "false"},
        {"restricted", "false"},    {"granularity", "group"}, {"group_size", "32"}, {"axis", "1"},
        {"calibration", "percentile"}, {"calib_param", "99.5"}, {"rounding", "stochastic"}, {"seed", "7"},
        {"outliers", "top"}, {"outlier_param", "0.001"}, {"scale_dtype", "e8m0"}, {"mx_element", "fp6_e3m2"},
        {"exp_bits", "5"},          {"man_bits", "2"},     {"exp_bias", "15"},       {"fp_specials", "ieee"},
        {"block_rows", "16"},       {"block_cols", "8"},   {"kmeans_iters", "12"},   {"fp_unscaled", "true"}};
    for (const auto& [f, v] : cases) {
        ASSERT_TRUE(set_spec_field(s, f, v).ok()) << f;
        auto got = get_spec_field(s, f);
        ASSERT_TRUE(got.ok()) << f;
        EXPECT_EQ(*got, v) << f;
    }
    EXPECT_EQ(s.bits, 3);
    EXPECT_EQ(s.scheme, quant::Scheme::NF4);
    EXPECT_DOUBLE_EQ(s.calib_param, 99.5);
}

TEST(SpecFields, ClipAndErrors) {
    quant::QuantSpec s;
    ASSERT_TRUE(set_spec_field(s, "clip", "-1.5,2").ok());
    EXPECT_EQ(s.clip_lo, -1.5);
    EXPECT_EQ(s.clip_hi, 2.0);
    EXPECT_EQ(*get_spec_field(s, "clip_lo"), "-1.5");
    ASSERT_TRUE(set_spec_field(s, "clip", "auto").ok());
    EXPECT_FALSE(s.clip_lo);
    EXPECT_FALSE(set_spec_field(s, "clip", "2,1").ok());
    EXPECT_FALSE(set_spec_field(s, "bits", "four").ok());
    EXPECT_FALSE(set_spec_field(s, "bits", "4x").ok());
    auto e = set_spec_field(s, "granularity", "per-row");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.message().find("channel, group"), std::string::npos);  // lists the accepted values
    EXPECT_FALSE(set_spec_field(s, "nope", "1").ok());
    EXPECT_FALSE(get_spec_field(s, "nope").ok());
}

TEST(SpecFields, PresetsAreDistinctAndFindable) {
    std::set<std::string> names;
    for (const auto& p : presets()) {
        EXPECT_TRUE(names.insert(p.name).second) << p.name;
        EXPECT_EQ(find_preset(p.name), &p);
    }
    for (const char* must : {"int8 per-channel", "int4 g128", "Q4_0-like", "NF4", "FP8 E4M3", "MXFP4"})
        EXPECT_NE(find_preset(must), nullptr) << must;
    const auto* q4 = find_preset("Q4_0-like");
    EXPECT_EQ(q4->spec.bits, 4);
    EXPECT_EQ(q4->spec.group_size, 32);
    EXPECT_FALSE(q4->spec.restricted);  // [-8, 7]
    EXPECT_EQ(find_preset("MXFP4")->spec.scale_dtype, quant::ScaleDType::E8M0);
}

TEST(SpecFields, WholeSpecAsCoreText) {
    quant::QuantSpec s;
    ASSERT_TRUE(set_spec_field(s, "text", "int4:asym:group=64:calib=mse").ok());
    EXPECT_EQ(s.bits, 4);
    EXPECT_FALSE(s.symmetric);
    EXPECT_EQ(s.granularity, quant::Granularity::PerGroup);
    EXPECT_EQ(s.group_size, 64);
    EXPECT_EQ(s.calibration, quant::Calibration::MSE);
    EXPECT_EQ(*get_spec_field(s, "text"), "int4:asym:group=64:calib=mse");
    EXPECT_EQ(describe_spec(s), "int4:asym:group=64:calib=mse");
    auto e = set_spec_field(s, "text", "int99");
    EXPECT_FALSE(e.ok());
    EXPECT_EQ(s.bits, 4);  // unchanged on error
}

TEST(SpecFields, EveryPresetIsAValidCoreSpec) {
    EXPECT_EQ(presets().size(), 14u);  // every preset text parsed
    for (const auto& p : presets()) EXPECT_TRUE(quant::validate(p.spec).ok()) << p.name;
    EXPECT_EQ(find_preset("NF4")->spec.scheme, quant::Scheme::NF4);
    EXPECT_EQ(find_preset("int4 g128")->spec.group_size, 128);
}

}  // namespace
}  // namespace qs::app
