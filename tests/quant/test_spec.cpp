// QuantSpec: the compact text form and JSON round-trip, hashing, and validate()'s
// messages (docs/quantspec.md).
#include "core/quant/spec.hpp"
#include "core/quant/spec_json.hpp"
#include "tests/support/test_paths.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <unordered_set>

using namespace qs::quant;
using ::testing::HasSubstr;

namespace {

// A random spec that passes validate(): every field exercised.
QuantSpec random_valid_spec(std::mt19937_64& rng) {
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    static const char* heads[] = {"int4", "int8", "uint8", "int2", "int16", "fp8_e4m3", "fp8_e5m2", "fp6_e3m2",
                                  "fp6_e2m3", "fp4_e2m1", "nf4", "mxfp4", "mxfp8_e4m3", "mxfp6_e2m3", "mxint8",
                                  "kmeans4", "kmeans2", "log2_4", "binary", "ternary", "fp16_e5m10", "fp5_e2m2"};
    QuantSpec s = *scheme_defaults(heads[pick(22)]);
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
            case 1: s.granularity = Granularity::PerChannel; s.axis = pick(5) - 2; break;
            case 2: s.granularity = Granularity::PerGroup; s.group_size = 1 + pick(300); break;
            case 3: s.granularity = Granularity::PerBlock; s.block_rows = 1 + pick(70); s.block_cols = 1 + pick(70); break;
        }
    } else if (pick(2)) {
        s.group_size = 16 << pick(3);
    }
    if (pick(3) == 0) s.axis = pick(3);
    if (pick(3) == 0) s.group_size = 1 + pick(500);
    const int c = pick(5);
    s.calibration = Calibration(c);
    s.calib_param = default_calib_param(s.calibration);
    if (s.calibration == Calibration::Percentile && pick(2)) s.calib_param = 90.0 + pick(1000) / 100.0;
    if (s.calibration == Calibration::KL && pick(2)) s.calib_param = 128.0 * (1 + pick(16));
    if (pick(4) == 0) {
        s.clip_lo = -double(pick(1000)) / 7.0;
        s.clip_hi = double(pick(1000)) / 3.0;
    }
    s.rounding = Rounding(pick(5));
    if (pick(2)) s.seed = rng();
    switch (pick(3)) {
        case 0: s.outliers = OutlierMode::None; break;
        case 1: s.outliers = OutlierMode::TopFraction; s.outlier_param = pick(100) / 1000.0; break;
        case 2: s.outliers = OutlierMode::Threshold; s.outlier_param = pick(100) / 10.0; break;
    }
    if (s.scheme != Scheme::MX) {
        s.scale_dtype = ScaleDType(pick(s.scheme == Scheme::KMeans ? 3 : 4));
    }
    if (pick(3) == 0) s.kmeans_iters = 1 + pick(100);
    return s;
}

}  // namespace

TEST(QuantSpecText, ExamplesParse) {
    auto s = parse_spec_text("int4:sym:group=128:calib=mse");
    ASSERT_TRUE(s) << s.message();
    EXPECT_EQ(s->scheme, Scheme::Int);
    EXPECT_EQ(s->bits, 4);
    EXPECT_TRUE(s->symmetric);
    EXPECT_EQ(s->granularity, Granularity::PerGroup);
    EXPECT_EQ(s->group_size, 128);
    EXPECT_EQ(s->calibration, Calibration::MSE);
    EXPECT_EQ(to_text(*s), "int4:group=128:calib=mse");  // "sym" is int4's default

    auto u = parse_spec_text("uint8:tensor:calib=percentile:p=99.9:round=stochastic:seed=7");
    ASSERT_TRUE(u) << u.message();
    EXPECT_FALSE(u->is_signed);
    EXPECT_FALSE(u->symmetric);
    EXPECT_EQ(u->calib_param, 99.9);
    EXPECT_EQ(u->rounding, Rounding::Stochastic);
    EXPECT_EQ(u->seed, 7u);

    auto n = parse_spec_text("nf4");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->granularity, Granularity::PerGroup);
    EXPECT_EQ(n->group_size, 64);

    auto m = parse_spec_text("mxfp4");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->scheme, Scheme::MX);
    EXPECT_EQ(m->mx_element, MxElement::FP4_E2M1);
    EXPECT_EQ(m->group_size, 32);
    EXPECT_EQ(m->scale_dtype, ScaleDType::E8M0);

    auto f = parse_spec_text("fp8_e5m2:tensor");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->exp_bias, 15);
    EXPECT_EQ(f->fp_specials, FpSpecials::IEEE);
    EXPECT_EQ(parse_spec_text("e4m3")->fp_specials, FpSpecials::FN);

    auto k = parse_spec_text("int8:calib=kl");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->calib_param, 2048.0);

    auto o = parse_spec_text("int4:group=64:top=0.005:scale=fp16:clip=-0.5,0.25:block_rows=8");
    ASSERT_TRUE(o) << o.message();
    EXPECT_EQ(o->outliers, OutlierMode::TopFraction);
    EXPECT_EQ(o->outlier_param, 0.005);
    EXPECT_EQ(o->scale_dtype, ScaleDType::F16);
    EXPECT_EQ(*o->clip_lo, -0.5);
    EXPECT_EQ(*o->clip_hi, 0.25);
    EXPECT_EQ(o->block_rows, 8);
}

TEST(QuantSpecText, BadTextNamesTheProblem) {
    EXPECT_THAT(parse_spec_text("int4:gruop=128").message(), HasSubstr("gruop=128"));
    EXPECT_THAT(parse_spec_text("int4:group=abc").message(), HasSubstr("integer"));
    EXPECT_THAT(parse_spec_text("float4").message(), HasSubstr("unknown scheme"));
    EXPECT_THAT(parse_spec_text("fp8_e5m3").message(), HasSubstr("9 bits"));
    EXPECT_THAT(parse_spec_text("").message(), HasSubstr("empty"));
    EXPECT_THAT(parse_spec_text("int4::sym").message(), HasSubstr("empty field"));
    EXPECT_THAT(parse_spec_text("int4:clip=1").message(), HasSubstr("clip=LO,HI"));
}

TEST(QuantSpecText, RandomSpecsRoundTripThroughTextAndJson) {
    std::mt19937_64 rng(1234);
    for (int i = 0; i < 3000; ++i) {
        const QuantSpec s = random_valid_spec(rng);
        ASSERT_TRUE(validate(s)) << validate(s).message();
        const std::string t = to_text(s);
        auto back = parse_spec_text(t);
        ASSERT_TRUE(back) << t << ": " << back.message();
        ASSERT_TRUE(*back == s) << "text " << t << " read back as " << to_text(*back);
        EXPECT_EQ(hash_value(*back), hash_value(s));

        const auto j = spec_to_json(s);
        auto jb = spec_from_json(nlohmann::json::parse(j.dump()));
        ASSERT_TRUE(jb) << j.dump() << ": " << jb.message();
        ASSERT_TRUE(*jb == s) << j.dump();
    }
}

TEST(QuantSpecText, DefaultSpecIsPlainInt8) {
    EXPECT_EQ(to_text(QuantSpec{}), "int8");
    EXPECT_TRUE(*parse_spec_text("int8") == QuantSpec{});
}

TEST(QuantSpecHash, DifferentSpecsUsuallyHashDifferently) {
    std::mt19937_64 rng(99);
    std::unordered_set<size_t> hashes;
    std::unordered_set<std::string> texts;
    for (int i = 0; i < 2000; ++i) {
        const QuantSpec s = random_valid_spec(rng);
        if (texts.insert(to_text(s)).second) hashes.insert(hash_value(s));
    }
    EXPECT_EQ(hashes.size(), texts.size());
    QuantSpec a, b;
    b.calib_param = -0.0;
    a.calib_param = 0.0;
    EXPECT_EQ(hash_value(a), hash_value(b));  // equal values hash equally
    EXPECT_TRUE(a == b);
}

TEST(QuantSpecJson, PartialObjectsTakeSchemeDefaults) {
    auto s = spec_from_json(nlohmann::json::parse(R"({"scheme": "nf4"})"));
    ASSERT_TRUE(s) << s.message();
    EXPECT_TRUE(*s == *parse_spec_text("nf4"));
    auto f = spec_from_json(nlohmann::json::parse(R"({"scheme": "fp", "exp_bits": 5, "man_bits": 2})"));
    ASSERT_TRUE(f) << f.message();
    EXPECT_EQ(f->bits, 8);
    EXPECT_EQ(f->exp_bias, 15);
    EXPECT_EQ(f->fp_specials, FpSpecials::IEEE);
    auto u = spec_from_json(nlohmann::json::parse(R"({"scheme": "int", "bits": 4, "signed": false})"));
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->symmetric);
    EXPECT_THAT(spec_from_json(nlohmann::json::parse(R"({"scheme": "int", "bitz": 4})")).message(),
                HasSubstr("unknown key 'bitz'"));
    EXPECT_THAT(spec_from_json(nlohmann::json::parse(R"({"bits": "4"})")).message(), HasSubstr("integer"));
    auto str = spec_from_json(nlohmann::json("int4:group=32"));
    ASSERT_TRUE(str);
    EXPECT_EQ(str->group_size, 32);
}

TEST(QuantSpecParse, TextJsonAndFile) {
    EXPECT_TRUE(parse_spec("int4:group=128"));
    auto j = parse_spec(R"({"scheme":"int","bits":4,"granularity":"group","group_size":128})");
    ASSERT_TRUE(j) << j.message();
    EXPECT_TRUE(*j == *parse_spec("int4:group=128"));
    qs::test::TempDir dir;
    {
        std::ofstream f(dir / "spec.json");
        f << R"({"scheme": "mx", "mx_element": "fp6_e3m2"})";
    }
    std::string at = "@";
    at += (dir / "spec.json").string();  // (not "@" + s: GCC 12 -Wrestrict false positive)
    auto m = parse_spec(at);
    ASSERT_TRUE(m) << m.message();
    EXPECT_EQ(m->mx_element, MxElement::FP6_E3M2);
    EXPECT_EQ(m->bits, 6);
    EXPECT_THAT(parse_spec("@/nonexistent/spec.json").message(), HasSubstr("cannot open"));
    EXPECT_THAT(parse_spec("int17").message(), HasSubstr("1..16"));  // parse_spec validates
}

TEST(QuantSpecValidate, RangesAndCombinations) {
    auto msg = [](const char* text) {
        auto s = parse_spec_text(text);
        EXPECT_TRUE(s) << text;
        return std::string(validate(*s) ? "" : validate(*s).message());
    };
    EXPECT_EQ(msg("int1:full"), "");
    EXPECT_EQ(msg("int16"), "");
    EXPECT_EQ(msg("uint1"), "");
    EXPECT_THAT(msg("int1"), HasSubstr("only the level 0"));
    EXPECT_THAT(parse_spec_text("int0").message(), HasSubstr("bits must be a number"));
    EXPECT_THAT(msg("int17"), HasSubstr("1..16"));
    EXPECT_THAT(msg("fp8_e4m3:bits=7"), HasSubstr("1 + exp_bits + man_bits"));
    EXPECT_THAT(msg("nf4:bits=3"), HasSubstr("nf4 has 4 bits"));
    EXPECT_THAT(msg("mxfp4:channel"), HasSubstr("granularity must be group"));
    EXPECT_THAT(msg("mxfp4:scale=fp16"), HasSubstr("E8M0"));
    EXPECT_THAT(msg("kmeans4:scale=e8m0"), HasSubstr("sign"));
    EXPECT_THAT(msg("kmeans9"), HasSubstr("1..8"));
    EXPECT_THAT(msg("int4:channel=9"), HasSubstr("axis 9"));
    EXPECT_THAT(msg("int4:calib=percentile:p=0"), HasSubstr("(0, 100]"));
    EXPECT_THAT(msg("int4:calib=kl:bins=100.5"), HasSubstr("kl bins"));
    EXPECT_THAT(msg("int4:clip=1,-1"), HasSubstr("lo <= hi"));
    EXPECT_THAT(msg("int4:clip_lo=1"), HasSubstr("both"));
    EXPECT_THAT(msg("int4:top=1.5"), HasSubstr("[0, 1)"));
    EXPECT_THAT(msg("int4:unscaled"), HasSubstr("fp only"));
    EXPECT_THAT(msg("nf4:asym"), HasSubstr("asymmetric"));
    EXPECT_THAT(msg("binary:bits=2"), HasSubstr("binary has 1 bit"));
    EXPECT_THAT(msg("fp8_e5m2:specials=ieee:exp=1:man=6:bias=0"), HasSubstr("ieee specials"));

    // Shape-dependent: the channel axis must exist in the tensor.
    const int64_t shape2[] = {4, 5};
    const int64_t shape1[] = {7};
    auto s = *parse_spec_text("int8:channel=1");
    EXPECT_TRUE(validate(s, shape2));
    s.axis = 2;
    EXPECT_THAT(validate(s, shape2).message(), HasSubstr("axis 2 out of range for a rank-2 tensor"));
    s.axis = -2;
    EXPECT_TRUE(validate(s, shape2));
    s.axis = -3;
    EXPECT_FALSE(validate(s, shape2));
    s.axis = 0;
    EXPECT_TRUE(validate(s, shape1));
    s.axis = 1;
    EXPECT_FALSE(validate(s, shape1));
    EXPECT_TRUE(validate(*parse_spec_text("int8:channel"), std::span<const int64_t>{}));
}
