// QAT: the built-in fake-quant by hand, PTQ through overrides, and the central
// claim of the PTQ-vs-QAT lesson: at 2 bits, where PTQ collapses, a few epochs
// of QAT (STE, or LSQ learned scales) recover the accuracy.
#include "core/nn/evaluate.hpp"
#include "core/nn/qat.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

using namespace qs;
using namespace qs::nn;

namespace {

const DigitsSplit& split() {
    static const DigitsSplit s = *load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    return s;
}

Model demo(const std::string& name) { return *load_model(test::source_dir() / "assets" / "demo" / (name + ".safetensors")); }

}  // namespace

TEST(NnQat, BuiltinFakeQuantByHand) {
    // Two channels of 3; 2 bits: qmax = 1, ternary. Channel 0: s = 0.8 -> {0.8, 0, -0.8};
    // channel 1: s = 0.2, 0.1 / 0.2 = 0.5 rounds away from zero -> 0.2.
    const std::vector<float> w = {0.8f, 0.3f, -0.5f, 0.1f, -0.2f, 0.0f};
    std::vector<float> q(6);
    builtin_fake_quant_per_channel(w, 2, 2, q);
    EXPECT_EQ(q, (std::vector<float>{0.8f, 0.0f, -0.8f, 0.2f, -0.2f, 0.0f}));
    // 4 bits: qmax = 7, s = 0.8 / 7; 0.3 / s = 2.625 -> 3.
    builtin_fake_quant_per_channel(w, 2, 4, q);
    EXPECT_FLOAT_EQ(q[1], 3 * (0.8f / 7));
    EXPECT_FLOAT_EQ(q[2], -4 * (0.8f / 7));  // -4.375 -> -4
    // An all-zero channel stays zero.
    const std::vector<float> z = {0, 0, 0};
    std::vector<float> qz(3, 1.0f);
    builtin_fake_quant_per_channel(z, 1, 3, qz);
    EXPECT_EQ(qz, z);
}

TEST(NnQat, QatRecoversWhatPtqLosesAtTwoBits) {
    const Model mlp = demo("mlp");
    const auto fq = builtin_weight_fake_quant(mlp.arch, 2);
    // PTQ: the float model's weights, ternarised.
    auto ptq_w = fake_quant_weights(mlp, fq);
    ASSERT_TRUE(ptq_w.ok());
    EvalOptions eo;
    eo.overrides = ptq_w->view();
    auto ptq = evaluate(mlp, split().test, eo);
    ASSERT_TRUE(ptq.ok());
    auto fp = evaluate(mlp, split().test);

    QatOptions opts;
    opts.fake_quant = fq;
    opts.train.epochs = 4;
    std::vector<EpochStats> curve;
    auto r = run_qat(mlp, split(), opts, {}, [&](const EpochStats& e) { curve.push_back(e); });
    ASSERT_TRUE(r.ok()) << r.message();
    ASSERT_EQ(r->report.epochs.size(), 5u);  // epoch 0 (PTQ) + 4
    EXPECT_EQ(curve.size(), 5u);
    EXPECT_DOUBLE_EQ(r->ptq_accuracy, ptq->accuracy);  // epoch 0 is exactly the PTQ result
    std::printf("[ info ] mlp 2-bit: float %.4f, PTQ %.4f, QAT(4 epochs) %.4f\n", fp->accuracy, ptq->accuracy,
                r->qat_accuracy);
    EXPECT_LT(ptq->accuracy, 0.75);               // PTQ collapses (measured 0.607)
    EXPECT_GT(r->qat_accuracy, 0.93);             // QAT recovers (measured 0.967)
    EXPECT_GT(r->qat_accuracy, ptq->accuracy + 0.25);
    // The quantized weights really are ternary per channel.
    const auto& w = r->quantized.values.at("fc2.weight");
    const size_t per = 128;
    for (size_t c = 0; c < 64; ++c) {
        float s = 0;
        for (size_t i = 0; i < per; ++i) s = std::max(s, std::abs(w[c * per + i]));
        for (size_t i = 0; i < per; ++i) {
            const float v = w[c * per + i];
            ASSERT_TRUE(v == 0.0f || v == s || v == -s) << v;
        }
    }
}

TEST(NnQat, LearnedScalesLsq) {
    const Model mlp = demo("mlp");
    QatOptions opts;
    opts.lsq = true;
    opts.lsq_bits = 2;
    opts.train.epochs = 3;
    auto r = run_qat(mlp, split(), opts);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_LT(r->ptq_accuracy, 0.75);  // starts from the absmax (PTQ) scales
    EXPECT_GT(r->qat_accuracy, 0.93);
    ASSERT_EQ(r->lsq_scales.size(), 128u + 64 + 10);
    for (float s : r->lsq_scales) EXPECT_GT(s, 0.0f);
    // The learned scales moved away from absmax / 1.
    const auto& w = mlp.param(*mlp.arch.find_param("fc1.weight"));
    float amax0 = 0;
    for (size_t i = 0; i < 64; ++i) amax0 = std::max(amax0, std::abs(w[i]));
    EXPECT_NE(r->lsq_scales[0], amax0);
}

TEST(NnQat, WithActivationQuantizationAndCancellation) {
    const Model mlp = demo("mlp");
    QatOptions opts;
    opts.fake_quant = builtin_weight_fake_quant(mlp.arch, 4);
    opts.act = {ActQuantMode::Dynamic, 4, {}};
    opts.train.epochs = 30;
    Progress progress = Progress::make();
    int seen = 0;
    auto r = run_qat(mlp, split(), opts, progress, [&](const EpochStats&) {
        if (++seen == 2) progress.cancel();  // epoch 0 and epoch 1, then stop
    });
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_TRUE(r->report.cancelled);
    EXPECT_EQ(r->report.epochs.size(), 2u);
    EXPECT_GT(r->qat_accuracy, 0.9);
}

TEST(NnQat, Errors) {
    const Model mlp = demo("mlp");
    EXPECT_EQ(run_qat(mlp, split(), QatOptions{}).message(), "QAT: no fake-quant function given (or enable LSQ)");
    QatOptions o;
    o.lsq = true;
    o.lsq_bits = 1;
    EXPECT_EQ(run_qat(mlp, split(), o).message(), "QAT: LSQ bits 1 outside 2..8");
    auto nan_fq = [](std::string_view, std::span<const float>, std::span<float> out) {
        std::fill(out.begin(), out.end(), std::numeric_limits<float>::quiet_NaN());
    };
    EXPECT_EQ(fake_quant_weights(mlp, nan_fq).message(), "fake-quant of 'fc1.weight' produced a non-finite value");
}
