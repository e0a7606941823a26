// Lesson 1's number formats: codes of FP32/FP16 (NumPy casts), BF16 (torch),
// TF32 (RNE on the FP32 bits) from tests/fixtures/learn/learn.json; the OCP
// minifloats cross-checked code by code against quant::Minifloat; hand-computed
// landmarks (max, smallest normal/subnormal, epsilon) and integer layouts.
#include "core/learn/number_formats.hpp"
#include "core/quant/formats.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace qs::learn;
using qs::quant::FpSpecials;
using qs::quant::Rounding;

namespace {

const NumberFormat& fmt_named(const std::string& name) {
    for (const auto& f : number_formats())
        if (f.name == name) return f;
    throw std::runtime_error("no format " + name);
}

nlohmann::json learn_fixture() {
    std::ifstream f(qs::test::fixture("learn/learn.json"));
    return nlohmann::json::parse(f);
}

}  // namespace

TEST(LearnFormats, IeeeCodesMatchNumpyAndTorch) {
    const auto j = learn_fixture();
    ASSERT_GT(j["formats"].size(), 10u);
    for (const auto& row : j["formats"]) {
        const double x = row["x"].get<double>();
        for (const char* name : {"fp32", "fp16", "bf16", "tf32"}) {
            const std::string n = std::string(name) == "fp32" ? "FP32" : std::string(name) == "fp16" ? "FP16"
                                  : std::string(name) == "bf16" ? "BF16" : "TF32";
            const Encoded e = encode(fmt_named(n), x);
            EXPECT_EQ(e.code, row[name].get<uint32_t>()) << n << " x=" << x;
            // decode(encode(x)) is the value the cast produces
            EXPECT_EQ(decode(fmt_named(n), e.code).value, e.value) << n << " x=" << x;
        }
    }
}

TEST(LearnFormats, MinifloatsAgreeWithQuantMinifloat) {
    struct P {
        const char* name;
        qs::quant::Minifloat m;
    };
    for (const P& p : {P{"FP8 E4M3", qs::quant::kE4M3}, P{"FP8 E5M2", qs::quant::kE5M2}, P{"FP6 E3M2", qs::quant::kE3M2},
                       P{"FP6 E2M3", qs::quant::kE2M3}, P{"FP4 E2M1", qs::quant::kE2M1}}) {
        const NumberFormat& f = fmt_named(p.name);
        ASSERT_EQ(f.bits, p.m.bits());
        for (uint32_t c = 0; c < p.m.code_count(); ++c) {
            const double a = decode(f, c).value, b = p.m.decode(c);
            if (std::isnan(b)) EXPECT_TRUE(std::isnan(a)) << p.name << " code " << c;
            else EXPECT_EQ(a, b) << p.name << " code " << c;
        }
        // Rounding: every finite value in range, nearest even, must agree (saturating formats).
        const double maxf = p.m.max_finite();
        for (int i = -2000; i <= 2000; ++i) {
            const float v = float(maxf * i / 1999.0);  // reaches slightly past max
            bool sat = false;
            const uint32_t mc = p.m.encode(v, Rounding::NearestEven, 0.0, &sat);
            const Encoded e = encode(f, double(v));
            if (f.specials == FpSpecials::IEEE && std::fabs(v) > maxf) continue;  // we overflow to Inf like a cast
            EXPECT_EQ(e.value, double(p.m.decode(mc))) << p.name << " v=" << v;
        }
    }
}

TEST(LearnFormats, LandmarksByHand) {
    auto st = [](const char* n) { return format_stats(fmt_named(n)); };
    EXPECT_EQ(st("FP32").max_finite, 0x1.fffffep127);
    EXPECT_EQ(st("FP32").min_normal, 0x1p-126);
    EXPECT_EQ(st("FP32").min_subnormal, 0x1p-149);
    EXPECT_EQ(st("FP32").epsilon, 0x1p-23);
    EXPECT_EQ(st("FP16").max_finite, 65504.0);
    EXPECT_EQ(st("FP16").min_normal, 0x1p-14);
    EXPECT_EQ(st("FP16").min_subnormal, 0x1p-24);
    EXPECT_EQ(st("FP16").epsilon, 0x1p-10);
    EXPECT_EQ(st("BF16").max_finite, 0x1.fep127);
    EXPECT_EQ(st("BF16").epsilon, 0x1p-7);
    EXPECT_EQ(st("TF32").max_finite, 0x1.ffcp127);
    EXPECT_EQ(st("FP8 E4M3").max_finite, 448.0);
    EXPECT_EQ(st("FP8 E4M3").min_normal, 0x1p-6);
    EXPECT_EQ(st("FP8 E4M3").min_subnormal, 0x1p-9);
    EXPECT_EQ(st("FP8 E4M3").nan_codes, 2u);
    EXPECT_FALSE(st("FP8 E4M3").has_inf);
    EXPECT_EQ(st("FP8 E5M2").max_finite, 57344.0);
    EXPECT_EQ(st("FP8 E5M2").min_subnormal, 0x1p-16);
    EXPECT_TRUE(st("FP8 E5M2").has_inf);
    EXPECT_EQ(st("FP8 E5M2").nan_codes, 6u);
    EXPECT_EQ(st("FP6 E3M2").max_finite, 28.0);
    EXPECT_EQ(st("FP6 E2M3").max_finite, 7.5);
    EXPECT_EQ(st("FP4 E2M1").max_finite, 6.0);
    EXPECT_EQ(st("FP4 E2M1").min_subnormal, 0.5);
    EXPECT_EQ(st("FP4 E2M1").distinct_values, 15u);
    EXPECT_EQ(st("INT8").max_finite, 127.0);
    EXPECT_EQ(st("INT8").min_finite, -128.0);
    EXPECT_EQ(st("INT8").distinct_values, 256u);
    EXPECT_EQ(st("INT8 sign-magnitude").min_finite, -127.0);
    EXPECT_EQ(st("INT8 sign-magnitude").distinct_values, 255u);
    EXPECT_EQ(st("Q3.4").max_finite, 7.9375);
    EXPECT_EQ(st("Q3.4").min_finite, -8.0);
    EXPECT_EQ(st("Q3.4").epsilon, 0.0625);
}

TEST(LearnFormats, AllValuesOfFp4) {
    const auto v = all_values(fmt_named("FP4 E2M1"));
    const std::vector<double> want{-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6};
    EXPECT_EQ(v, want);
    EXPECT_EQ(all_values(fmt_named("FP8 E4M3")).size(), 253u);  // 256 - 2 NaN - one duplicate zero
    EXPECT_TRUE(all_values(fmt_named("FP32")).empty());
}

TEST(LearnFormats, DecodeFieldsAndClasses) {
    const auto& h = fmt_named("FP16");
    Decoded d = decode(h, 0x3E00);  // 0 01111 1000000000 = 1.5
    EXPECT_EQ(d.value, 1.5);
    EXPECT_EQ(d.exp_field, 15u);
    EXPECT_EQ(d.man_field, 512u);
    EXPECT_EQ(d.exponent, 0);
    EXPECT_EQ(d.cls, ValueClass::Normal);
    EXPECT_EQ(bit_string(h, 0x3E00), "0 01111 1000000000");
    EXPECT_EQ(decode(h, 0x0001).cls, ValueClass::Subnormal);
    EXPECT_EQ(decode(h, 0x0001).value, 0x1p-24);
    EXPECT_EQ(decode(h, 0x7C00).cls, ValueClass::Inf);
    EXPECT_EQ(decode(h, 0x7C01).cls, ValueClass::NaN);
    const auto& e4 = fmt_named("FP8 E4M3");
    EXPECT_EQ(decode(e4, 0x7F).cls, ValueClass::NaN);
    EXPECT_EQ(decode(e4, 0x7E).value, 448.0);
    EXPECT_EQ(decode(e4, 0x78).value, 256.0);  // exponent all ones is a normal binade in E4M3
}

TEST(LearnFormats, OverflowAndSaturation) {
    EXPECT_TRUE(std::isinf(encode(fmt_named("FP16"), 1e6).value));
    EXPECT_TRUE(encode(fmt_named("FP16"), 1e6).overflow);
    EXPECT_EQ(encode(fmt_named("FP8 E4M3"), 1000.0).value, 448.0);
    EXPECT_EQ(encode(fmt_named("FP8 E4M3"), -1000.0).value, -448.0);
    EXPECT_EQ(encode(fmt_named("FP8 E4M3"), 460.0).value, 448.0);    // nearest: 448 (480 is NaN's slot)
    EXPECT_EQ(encode(fmt_named("FP4 E2M1"), 5.0).value, 4.0);        // tie 4|6 -> even mantissa (4)
    EXPECT_EQ(encode(fmt_named("FP4 E2M1"), 2.5).value, 2.0);
    EXPECT_EQ(encode(fmt_named("FP4 E2M1"), 0.2).value, 0.0);
    EXPECT_TRUE(encode(fmt_named("FP4 E2M1"), 0.2).underflow);
    EXPECT_EQ(encode(fmt_named("FP16"), 1e6, Rounding::Floor).value, 65504.0);  // directed toward zero stays finite
}

TEST(LearnFormats, IntegersAndFixedPoint) {
    const auto& i8 = fmt_named("INT8");
    EXPECT_EQ(encode(i8, -1).code, 0xFFu);
    EXPECT_EQ(decode(i8, 0x80).value, -128.0);
    EXPECT_EQ(encode(i8, 200).value, 127.0);
    EXPECT_TRUE(encode(i8, 200).overflow);
    EXPECT_EQ(encode(i8, 2.5).value, 2.0);  // half to even
    EXPECT_EQ(encode(i8, 2.5, Rounding::HalfAway).value, 3.0);
    const auto& sm = fmt_named("INT8 sign-magnitude");
    EXPECT_EQ(encode(sm, -1).code, 0x81u);
    EXPECT_EQ(decode(sm, 0x80).value, 0.0);
    EXPECT_TRUE(std::signbit(-0.0) && decode(sm, 0x80).negative);
    EXPECT_EQ(encode(sm, -200).value, -127.0);
    const auto& q = fmt_named("Q3.4");
    EXPECT_EQ(encode(q, 1.3).value, 1.3125);  // 1.3 * 16 = 20.8 -> 21 / 16
    EXPECT_EQ(encode(q, 1.3).code, 21u);
    EXPECT_EQ(encode(q, -0.0625).code, 0xFFu);
    EXPECT_EQ(bit_string(q, 21), "0001 0101");
    EXPECT_EQ(fixed_point(16, 8).name, "Q7.8");
    EXPECT_EQ(format_stats(fixed_point(16, 8)).max_finite, 32767.0 / 256.0);
}

TEST(LearnFormats, SpacingGrowsWithMagnitude) {
    const auto& h = fmt_named("FP16");
    EXPECT_EQ(spacing_at(h, 1.0), 0x1p-10);
    EXPECT_EQ(spacing_at(h, 1000.0), 0.5);
    EXPECT_EQ(spacing_at(h, 1e-7), 0x1p-24);  // subnormal: constant spacing
    EXPECT_EQ(spacing_at(h, 65504.0), 0.0);
    EXPECT_EQ(spacing_at(fmt_named("INT8"), 3.0), 1.0);
}
