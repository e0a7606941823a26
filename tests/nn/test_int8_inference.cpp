// The integer-only int8 path: the fixed-point primitives against exact rational
// arithmetic and gemmlowp's definitions, per-layer requantization against a
// float64 evaluation of the same integer inputs, and the whole path against the
// simulated (fake-quant float) path of evaluate().
#include "core/nn/evaluate.hpp"
#include "core/nn/int8_inference.hpp"
#include "core/nn/rng.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace qs;
using namespace qs::nn;

namespace {

const DigitsSplit& split() {
    static const DigitsSplit s = *load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    return s;
}

Model demo(const std::string& name) { return *load_model(test::source_dir() / "assets" / "demo" / (name + ".safetensors")); }

// round(x), ties away from zero, for exact rationals held in long double (64-bit mantissa).
int64_t round_away(long double x) { return int64_t(x < 0 ? -std::floor(-x + 0.5L) : std::floor(x + 0.5L)); }

}  // namespace

TEST(NnInt8, FixedPointPrimitivesByHand) {
    // SRDHM(a, b) = floor(a * b / 2^31 + 1/2): nearest, ties upward (gemmlowp's nudge).
    EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
    EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);    // 1.5 -> 2
    EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5 -> -1
    EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 29), -1);  // -1.25 -> -1
    EXPECT_EQ(saturating_rounding_doubling_high_mul(-7, 1 << 29), -2);  // -1.75 -> -2
    EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
    // RDBPOT(x, n) = round(x / 2^n), ties away from zero.
    EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
    EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
    EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> 2
    EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
    EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25 -> -1
    EXPECT_EQ(rounding_divide_by_pot(7, 0), 7);
    // M = 0.75 = 0.75 * 2^0; M = 0.1 = 0.8 * 2^-3; M = 3 = 0.75 * 2^2.
    auto qm = quantize_multiplier(0.75);
    EXPECT_EQ(qm.multiplier, 1610612736);  // 0.75 * 2^31
    EXPECT_EQ(qm.shift, 0);
    qm = quantize_multiplier(0.1);
    EXPECT_EQ(qm.shift, -3);
    EXPECT_EQ(qm.multiplier, 1717986918);  // round(0.8 * 2^31)
    EXPECT_EQ(multiply_by_quantized_multiplier(1000, qm), 100);
    qm = quantize_multiplier(3.0);
    EXPECT_EQ(qm.shift, 2);
    EXPECT_EQ(multiply_by_quantized_multiplier(-7, qm), -21);
    EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
    EXPECT_EQ(multiply_by_quantized_multiplier(12345, quantize_multiplier(0.0)), 0);
}

TEST(NnInt8, RequantizationIsWithinOneOfExactRounding) {
    // |multiply_by_quantized_multiplier(x, M) - round(x M)| <= 1: two roundings (SRDHM to
    // an integer, then a rounding shift by n = -shift bits) can differ from one rounding
    // by a unit when x M lies within 2^-n... of a midpoint, so about 2^-n of the cases;
    // with no shift (M in [0.5, 1)) there is one rounding and the results are equal
    // except at exact ties.
    Rng rng(77);
    int mismatches = 0;
    const int trials = 200000;
    for (int t = 0; t < trials; ++t) {
        const double m = std::exp(-12.0 * rng.uniform());  // (6e-6, 1]
        const int32_t x = int32_t(int64_t(rng.below(1u << 26)) - (1 << 25));
        const auto qm = quantize_multiplier(m);
        const long double mq = (long double)qm.multiplier * std::ldexp(1.0L, qm.shift - 31);
        // The multiplier itself is within 2^-32 relative of m...
        ASSERT_LE(std::abs(double(mq) - m), m * 0x1.0p-31);
        // ... and the product within one unit of the exact rounding of x * m_q.
        const int64_t exact = round_away((long double)x * mq);
        const int32_t got = multiply_by_quantized_multiplier(x, qm);
        ASSERT_LE(std::abs(int64_t(got) - exact), 1) << x << " * " << m;
        if (qm.shift == 0) {
            EXPECT_EQ(got, exact) << x << " * " << m;
        }
        mismatches += got != exact;
    }
    // Over shifts spread evenly in 1..17 the expected rate is about mean(2^-n)/2 ~ 3%.
    EXPECT_LT(mismatches, trials / 20);
    std::printf("[ info ] %d of %d requantizations differ by one from exact rounding\n", mismatches, trials);
}

TEST(NnInt8, EachLayerMatchesAFloat64EvaluationOfItsIntegerInputs) {
    // Feed each layer the integer path's own input codes; compute the real output in
    // float64 from the dequantized operands (s_x (q_x - z_x), s_w q_w, b) and round it
    // to the next layer's grid. Bound: |code difference| <= 1 (bias rounding is below
    // half an accumulator unit, the fixed-point multiplier adds at most one unit).
    for (const std::string name : {"mlp", "cnn"}) {
        SCOPED_TRACE(name);
        const Model model = demo(name);
        auto table = calibrate_activations(model, split().train);
        ASSERT_TRUE(table.ok());
        auto im = build_int8_model(model, *table);
        ASSERT_TRUE(im.ok()) << im.message();
        Int8RunOptions ro;
        ro.keep_codes = true;
        auto run = run_int8(*im, split().test, ro);
        ASSERT_TRUE(run.ok()) << run.message();
        int64_t total = 0, off_by_one = 0;
        for (size_t li = 0; li + 1 < im->layers.size(); ++li) {
            const Int8Layer& q = im->layers[li];
            const auto& bias = model.param(*model.arch.find_param(q.name + ".bias"));
            // Real input values of this layer (as the float64 reference sees them).
            const auto& in = run->input_codes[li];
            const auto& next = run->input_codes[li + 1];
            const int64_t n = split().test.n;
            // A one-layer float64 model whose input_scale is s_x, fed the centered codes
            // q_x - z_x (small integers, exact in float): its input is exactly s_x (q_x - z_x).
            std::vector<LayerSpec> layers = {q.spec};
            if (q.spec.kind == LayerKind::Conv2d) layers.push_back(LayerSpec::flatten());  // the arch must end flat
            auto arch_one = build_arch(q.in_shape, q.input.scale, layers);
            ASSERT_TRUE(arch_one.ok()) << arch_one.message();
            const Arch& one = *arch_one;
            std::vector<double> theta;
            const size_t per = q.weight.size() / q.weight_scale.size();
            for (size_t i = 0; i < q.weight.size(); ++i) theta.push_back(double(q.weight_scale[i / per]) * q.weight[i]);
            for (float b : bias) theta.push_back(b);
            std::vector<float> centered(in.size());
            for (size_t i = 0; i < in.size(); ++i) centered[i] = float(int(in[i]) - q.input.zero_point);
            Tape<double> tape;
            forward_chunk(one, theta.data(), centered.data(), n, tape);
            const auto& out = tape.a[1];
            for (size_t i = 0; i < out.size(); ++i) {
                double v = out[i];
                if (q.relu) v = std::max(v, 0.0);
                const int64_t ref = std::clamp<int64_t>(round_away(v / double(q.output.scale)) + q.output.zero_point, 0, 255);
                const int64_t d = std::abs(ref - int64_t(next[i]));
                ASSERT_LE(d, 1) << q.name << " element " << i;
                off_by_one += d;
                ++total;
            }
        }
        EXPECT_LT(double(off_by_one) / double(total), 0.01) << off_by_one << " of " << total;
        std::printf("[ info ] %s: %lld of %lld requantized codes differ by one from the float64 reference\n",
                    name.c_str(), (long long)off_by_one, (long long)total);
    }
}

TEST(NnInt8, IntegerPathEqualsTheSimulatedPathWithinRounding) {
    for (const std::string name : {"mlp", "cnn"}) {
        SCOPED_TRACE(name);
        const Model model = demo(name);
        auto table = calibrate_activations(model, split().train);
        ASSERT_TRUE(table.ok());
        auto im = build_int8_model(model, *table);
        ASSERT_TRUE(im.ok()) << im.message();
        auto run = run_int8(*im, split().test);
        ASSERT_TRUE(run.ok());
        // The simulated twin: the same int8 weights dequantized, activations fake-quantized
        // with the same table at 8 bits, float arithmetic.
        const OwnedOverrides w = int8_simulated_weights(*im);
        EvalOptions eo;
        eo.overrides = w.view();
        eo.act = {ActQuantMode::Static, 8, *table};
        eo.keep_logits = true;
        auto sim = evaluate(model, split().test, eo);
        ASSERT_TRUE(sim.ok()) << sim.message();
        int agree = 0;
        double max_diff = 0, max_logit = 0;
        for (int64_t s = 0; s < run->n; ++s) agree += run->predicted[size_t(s)] == sim->predicted[size_t(s)];
        for (size_t i = 0; i < run->logits.size(); ++i) {
            max_diff = std::max(max_diff, double(std::abs(run->logits[i] - sim->logits[i])));
            max_logit = std::max(max_logit, double(std::abs(sim->logits[i])));
        }
        std::printf("[ info ] %s: int8 accuracy %.4f, simulated %.4f, float %.4f; argmax agree %d/%lld; max |logit diff| %.4g (max |logit| %.3g)\n",
                    name.c_str(), run->accuracy, sim->accuracy, evaluate(model, split().test)->accuracy, agree,
                    (long long)run->n, max_diff, max_logit);
        EXPECT_GE(agree, run->n - 1);
        EXPECT_LE(std::abs(run->correct - sim->correct), 1);
        EXPECT_LT(max_diff, 0.02 * max_logit);
        EXPECT_GT(run->accuracy, 0.95);
    }
}

TEST(NnInt8, RefusesWhatItCannotRunInIntegers) {
    Model gelu = init_model(*build_arch({4}, 1.0f, {LayerSpec::dense("a", 4, 3), LayerSpec::gelu(), LayerSpec::dense("b", 3, 2)}), 1);
    ActCalibrationTable t;
    t.ranges = {{0, "a", 0, 1}, {2, "b", 0, 1}};
    EXPECT_EQ(build_int8_model(gelu, t).message(),
              "int8 path: layer 1 is GELU, which has no integer-only form here (ReLU and flatten only)");
    Model relu = init_model(*build_arch({4}, 1.0f, {LayerSpec::dense("a", 4, 3), LayerSpec::relu(), LayerSpec::dense("b", 3, 2)}), 1);
    t.ranges = {{0, "a", 0, 1}};
    EXPECT_EQ(build_int8_model(relu, t).message(), "int8 path: no calibrated input range for layer 'b'");
}
