// Number formats against hand-computed tables (fixtures from the bit-level
// definitions, encoded by brute force in Python): FP8 E4M3/E5M2 (all 256 codes),
// FP6 E3M2/E2M3, FP4 E2M1, E8M0, the NF4 table, grid rounding, scale storage.
#include "core/quant/formats.hpp"
#include "tests/quant/quant_fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace qs::quant;
using qs::test::quant_fixture;

namespace {

Minifloat format_named(const std::string& name) {
    if (name == "e4m3") return kE4M3;
    if (name == "e5m2") return kE5M2;
    if (name == "e3m2") return kE3M2;
    if (name == "e2m3") return kE2M3;
    return kE2M1;
}

}  // namespace

TEST(Minifloat, EveryCodeDecodesAsTheTable) {
    const auto fx = quant_fixture("fp_tables.json");
    for (const auto& [name, t] : fx.items()) {
        const Minifloat f = format_named(name);
        ASSERT_EQ(f.code_count(), t["decode"].size()) << name;
        EXPECT_EQ(f.max_finite(), t["max_finite"].get<double>()) << name;
        for (uint32_t c = 0; c < f.code_count(); ++c) {
            const auto& want = t["decode"][c];
            const float got = f.decode(c);
            if (want.is_string()) {
                const std::string w = want.get<std::string>();
                if (w == "nan") EXPECT_TRUE(std::isnan(got)) << name << " code " << c;
                else EXPECT_EQ(got, w == "inf" ? INFINITY : -INFINITY) << name << " code " << c;
                EXPECT_FALSE(f.is_finite(c));
            } else {
                EXPECT_EQ(got, float(want.get<double>())) << name << " code " << c;
                EXPECT_EQ(std::signbit(got), bool(c >> (f.exp_bits + f.man_bits))) << name << " code " << c;
                EXPECT_TRUE(f.is_finite(c));
            }
        }
    }
}

TEST(Minifloat, EncodeMatchesBruteForceNearestEvenWithSaturation) {
    const auto fx = quant_fixture("fp_tables.json");
    for (const auto& [name, t] : fx.items()) {
        const Minifloat f = format_named(name);
        const auto& in = t["encode_in"];
        const auto& out = t["encode_out"];
        ASSERT_EQ(in.size(), out.size());
        for (size_t i = 0; i < in.size(); ++i) {
            const float v = float(in[i].get<double>());
            bool sat = false;
            const uint32_t got = f.encode(v, Rounding::NearestEven, 0.0, &sat);
            EXPECT_EQ(got, out[i].get<uint32_t>()) << name << " input " << v;
            // within range never saturates; far beyond max always does (rounding would overflow)
            if (std::fabs(v) <= f.max_finite()) {
                EXPECT_FALSE(sat) << name << " input " << v;
            }
            if (std::fabs(v) >= 1.5 * f.max_finite()) {
                EXPECT_TRUE(sat) << name << " input " << v;
            }
        }
    }
}

TEST(Minifloat, KnownFormatFacts) {
    EXPECT_EQ(kE4M3.max_finite(), 448.0);
    EXPECT_EQ(kE4M3.min_normal(), std::ldexp(1.0, -6));
    EXPECT_EQ(kE4M3.min_subnormal(), std::ldexp(1.0, -9));
    EXPECT_EQ(kE4M3.finite_codes(), 254u);  // 0x7F and 0xFF are NaN
    EXPECT_TRUE(kE4M3.is_nan(0x7F));
    EXPECT_TRUE(kE4M3.is_nan(0xFF));
    EXPECT_EQ(kE5M2.max_finite(), 57344.0);
    EXPECT_EQ(kE5M2.min_subnormal(), std::ldexp(1.0, -16));
    EXPECT_TRUE(kE5M2.is_inf(0x7C));
    EXPECT_EQ(kE5M2.finite_codes(), 248u);
    EXPECT_EQ(kE3M2.max_finite(), 28.0);
    EXPECT_EQ(kE2M3.max_finite(), 7.5);
    EXPECT_EQ(kE2M1.max_finite(), 6.0);
    const float e2m1[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
    for (uint32_t c = 0; c < 8; ++c) {
        EXPECT_EQ(kE2M1.decode(c), e2m1[c]);
        EXPECT_EQ(kE2M1.decode(c | 8), -e2m1[c]);
    }
    // OCP MX emax_elem
    EXPECT_EQ(kE4M3.emax(), 8);
    EXPECT_EQ(kE5M2.emax(), 15);
    EXPECT_EQ(kE3M2.emax(), 4);
    EXPECT_EQ(kE2M3.emax(), 2);
    EXPECT_EQ(kE2M1.emax(), 2);
}

TEST(Minifloat, DirectedAndStochasticRounding) {
    bool sat;
    // 1.1 in E2M1 lies between 1 and 1.5
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(1.1f, Rounding::Floor, 0, &sat)), 1.0f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(1.1f, Rounding::Ceil, 0, &sat)), 1.5f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(-1.1f, Rounding::Floor, 0, &sat)), -1.5f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(-1.1f, Rounding::Ceil, 0, &sat)), -1.0f);
    // ties: 1.25 between 1 (mantissa 0) and 1.5 (mantissa 1)
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(1.25f, Rounding::NearestEven, 0, &sat)), 1.0f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(1.25f, Rounding::HalfAway, 0, &sat)), 1.5f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(-1.25f, Rounding::HalfAway, 0, &sat)), -1.5f);
    EXPECT_EQ(kE2M1.decode(kE2M1.encode(5.0f, Rounding::NearestEven, 0, &sat)), 4.0f);  // tie 4|6 -> even
    // stochastic: 1.1 = 1 + 0.2 * 0.5: up with probability 0.2
    int ups = 0;
    for (uint64_t i = 0; i < 20000; ++i)
        ups += kE2M1.decode(kE2M1.encode(1.1f, Rounding::Stochastic, stochastic_uniform(5, i), &sat)) == 1.5f;
    EXPECT_NEAR(ups / 20000.0, 0.2, 0.01);
    // saturation
    EXPECT_EQ(kE4M3.decode(kE4M3.encode(1e6f, Rounding::NearestEven, 0, &sat)), 448.0f);
    EXPECT_TRUE(sat);
    EXPECT_EQ(kE4M3.decode(kE4M3.encode(-INFINITY, Rounding::NearestEven, 0, &sat)), -448.0f);
    EXPECT_TRUE(sat);
    EXPECT_EQ(kE5M2.decode(kE5M2.encode(1e9f, Rounding::Ceil, 0, &sat)), 57344.0f);
    EXPECT_TRUE(sat);
}

TEST(E8M0, PowersOfTwo) {
    EXPECT_EQ(e8m0_decode(127), 1.0f);
    EXPECT_EQ(e8m0_decode(0), std::ldexp(1.0f, -127));
    EXPECT_EQ(e8m0_decode(0xFE), std::ldexp(1.0f, 127));
    EXPECT_TRUE(std::isnan(e8m0_decode(0xFF)));
    EXPECT_EQ(e8m0_encode_exponent(-200), 0);
    EXPECT_EQ(e8m0_encode_exponent(300), 0xFE);
    EXPECT_EQ(e8m0_encode_exponent(-5), 122);
}

TEST(NF4, TableAndFixture) {
    const auto fx = quant_fixture("nf4.json");
    ASSERT_EQ(fx["levels"].size(), 16u);
    for (int i = 0; i < 16; ++i) EXPECT_EQ(kNF4Levels[size_t(i)], float(fx["levels"][size_t(i)].get<double>()));
    EXPECT_EQ(kNF4Levels[7], 0.0f);
}

TEST(Grid, NearestTiesGoLowerAwayGoesOutward) {
    const Grid g = grid_with_midpoints({-1.0f, 0.0f, 0.5f, 2.0f});
    bool sat;
    EXPECT_EQ(round_to_grid(g, 0.25f, Rounding::NearestEven, 0, &sat), 1u);  // tie -> lower
    EXPECT_EQ(round_to_grid(g, 0.25f, Rounding::HalfAway, 0, &sat), 2u);
    EXPECT_EQ(round_to_grid(g, -0.5f, Rounding::HalfAway, 0, &sat), 0u);
    EXPECT_EQ(round_to_grid(g, 0.26f, Rounding::NearestEven, 0, &sat), 2u);
    EXPECT_EQ(round_to_grid(g, 0.6f, Rounding::Floor, 0, &sat), 2u);
    EXPECT_EQ(round_to_grid(g, 0.6f, Rounding::Ceil, 0, &sat), 3u);
    EXPECT_FALSE(sat);
    EXPECT_EQ(round_to_grid(g, 3.0f, Rounding::NearestEven, 0, &sat), 3u);
    EXPECT_TRUE(sat);
    EXPECT_EQ(round_to_grid(g, -3.0f, Rounding::Ceil, 0, &sat), 0u);
    EXPECT_TRUE(sat);
    // float_below turns a double decision point into an equivalent float compare
    for (double d : {0.1, 0.25, -0.3, 1e-30, 0.7229568362236023}) {
        const float fb = float_below(d);
        EXPECT_LE(double(fb), d);
        EXPECT_GT(double(std::nextafter(fb, INFINITY)), d);
    }
}

TEST(Grid, Log2Levels) {
    const Grid g = log2_grid(4);  // 0, +-1, +-1/2, ..., +-1/64
    ASSERT_EQ(g.levels.size(), 15u);
    EXPECT_EQ(g.levels.front(), -1.0f);
    EXPECT_EQ(g.levels[7], 0.0f);
    EXPECT_EQ(g.levels[8], 1.0f / 64);
    bool sat;
    // decision between 1/2 and 1 at 2^-0.5 = 0.7071...
    EXPECT_EQ(g.levels[round_to_grid(g, 0.70f, Rounding::NearestEven, 0, &sat)], 0.5f);
    EXPECT_EQ(g.levels[round_to_grid(g, 0.71f, Rounding::NearestEven, 0, &sat)], 1.0f);
    // below half the smallest power: zero
    EXPECT_EQ(g.levels[round_to_grid(g, 1.0f / 129, Rounding::NearestEven, 0, &sat)], 0.0f);
    EXPECT_EQ(g.levels[round_to_grid(g, 1.0f / 127, Rounding::NearestEven, 0, &sat)], 1.0f / 64);
}

TEST(ScaleStorage, RoundsToTheStorageType) {
    EXPECT_EQ(store_scale(0.1, ScaleDType::F32), 0.1f);
    EXPECT_EQ(store_scale(0.1, ScaleDType::F16), 0.0999755859375f);
    EXPECT_EQ(store_scale(0.1, ScaleDType::BF16), 0.10009765625f);
    EXPECT_EQ(store_scale(0.1, ScaleDType::E8M0), 0.125f);   // up: no clipping
    EXPECT_EQ(store_scale(0.125, ScaleDType::E8M0), 0.125f);
    EXPECT_EQ(store_scale(1e6, ScaleDType::F16), 65504.0f);  // saturates
    EXPECT_EQ(store_scale(0.0, ScaleDType::F32), 0.0f);
    EXPECT_EQ(store_scale(1e-40, ScaleDType::F32), 0.0f);    // below FLT_MIN: a zero group
    EXPECT_EQ(store_scale(std::nan(""), ScaleDType::F32), 0.0f);
    EXPECT_EQ(store_value(-0.1, ScaleDType::F16), -0.0999755859375f);
    EXPECT_EQ(scale_storage_bits(ScaleDType::E8M0), 8);
}

TEST(Stochastic, DrawsAreUniformAndReproducible) {
    double sum = 0;
    for (uint64_t i = 0; i < 100000; ++i) {
        const double u = stochastic_uniform(42, i);
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / 100000, 0.5, 0.005);
    EXPECT_EQ(stochastic_uniform(1, 2), stochastic_uniform(1, 2));
    EXPECT_NE(stochastic_uniform(1, 2), stochastic_uniform(2, 2));
    EXPECT_EQ(round_int(2.5f, Rounding::NearestEven, 0), 2.0f);
    EXPECT_EQ(round_int(-2.5f, Rounding::NearestEven, 0), -2.0f);
    EXPECT_EQ(round_int(2.5f, Rounding::HalfAway, 0), 3.0f);
    EXPECT_EQ(round_int(-2.5f, Rounding::HalfAway, 0), -3.0f);
    EXPECT_EQ(round_int(-2.25f, Rounding::Floor, 0), -3.0f);
    EXPECT_EQ(round_int(-2.25f, Rounding::Ceil, 0), -2.0f);
    EXPECT_EQ(round_int(2.25f, Rounding::Stochastic, 0.24), 3.0f);
    EXPECT_EQ(round_int(2.25f, Rounding::Stochastic, 0.25), 2.0f);
}
