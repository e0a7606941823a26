// Live accuracy with per-layer specs on the bundled MLP, the spec fake-quant
// used by QAT, and lesson 9's mixed-precision study (budget respected, HAWQ
// costs fall with bits, the plan's bits add up).
#include "core/learn/model_lessons.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

using namespace qs;
using namespace qs::learn;

namespace {

const nn::DigitsSplit& split() {
    static const nn::DigitsSplit s = *nn::load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    return s;
}
const nn::Model& mlp() {
    static const nn::Model m = *nn::load_model(test::source_dir() / "assets/demo/mlp.safetensors");
    return m;
}
quant::QuantSpec int_bits(int b) {
    quant::QuantSpec s;
    s.bits = b;
    s.granularity = quant::Granularity::PerChannel;
    return s;
}

}  // namespace

TEST(LearnLive, FloatInt8AndInt2) {
    auto f = live_accuracy(mlp(), split(), {}, {}, 2);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_NEAR(f->accuracy, 0.9805, 0.0005);  // the documented float accuracy (353/360)
    EXPECT_EQ(f->accuracy, f->float_accuracy);
    EXPECT_EQ(f->weights.avg_bits(), 32.0);
    auto i8 = live_accuracy(mlp(), split(), uniform_specs(mlp().arch, int_bits(8)), {}, 2);
    ASSERT_TRUE(i8.ok());
    EXPECT_NEAR(i8->accuracy, f->accuracy, 0.01);
    EXPECT_EQ(i8->weights.layers.size(), 3u);
    EXPECT_GT(i8->weights.avg_bits(), 8.0);
    EXPECT_LT(i8->weights.avg_bits(), 8.6);
    auto i2 = live_accuracy(mlp(), split(), uniform_specs(mlp().arch, int_bits(2)), {}, 2);
    ASSERT_TRUE(i2.ok());
    EXPECT_LT(i2->accuracy, i8->accuracy - 0.05);  // 2-bit PTQ collapses
    // One layer only: the others stay float.
    LayerSpecs one{{"fc2.weight", int_bits(2)}};
    auto o = live_accuracy(mlp(), split(), one, {}, 2);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->weights.overrides.values.size(), 1u);
    EXPECT_EQ(o->weights.layers[0].bits_per_weight, 32.0);
}

TEST(LearnLive, SpecFakeQuantMatchesQuantizeWeights) {
    const auto specs = uniform_specs(mlp().arch, int_bits(3));
    auto q = quantize_weights(mlp(), specs);
    ASSERT_TRUE(q.ok());
    const auto fq = spec_fake_quant(mlp().arch, specs);
    const auto* p = mlp().arch.find_param("fc1.weight");
    std::vector<float> out(p->size);
    fq("fc1.weight", mlp().param(*p), out);
    EXPECT_EQ(out, q->overrides.values.at("fc1.weight"));
    const auto* b = mlp().arch.find_param("fc1.bias");
    std::vector<float> bout(b->size);
    fq("fc1.bias", mlp().param(*b), bout);
    EXPECT_TRUE(std::equal(bout.begin(), bout.end(), mlp().param(*b).begin()));
}

TEST(LearnMixed, StudyRespectsBudget) {
    MixedPrecisionOptions o;
    o.candidate_bits = {2, 4, 8};
    o.budget_bpw = 3.5;
    o.max_iterations = 20;
    o.hessian_samples = 128;
    o.threads = 2;
    auto st = mixed_precision_study(mlp(), split(), o);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_EQ(st->layers.size(), 3u);
    EXPECT_LE(st->plan_bits, st->budget_bits);
    EXPECT_LE(st->uniform_bits_total, st->budget_bits);
    EXPECT_EQ(st->uniform_bits, 2);  // 4-bit plus per-channel scales does not fit 3.5 bpw
    double bits = 0;
    for (const auto& l : st->layers) {
        EXPECT_GT(l.trace, 0.0) << l.param;
        ASSERT_EQ(l.cost.size(), 3u);
        EXPECT_GT(l.cost[0], l.cost[1]);
        EXPECT_GT(l.cost[1], l.cost[2]);
        ASSERT_GE(l.chosen, 0);
        bits += l.bits[size_t(l.chosen)];
    }
    EXPECT_DOUBLE_EQ(bits, st->plan_bits);
    EXPECT_GE(st->plan_accuracy, st->uniform_accuracy);
    // A bigger budget through replan: all 8-bit fits.
    ASSERT_TRUE(replan(mlp(), split(), *st, 9.0, 2).ok());
    EXPECT_EQ(st->uniform_bits, 8);
}
