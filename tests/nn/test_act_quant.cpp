// Activation quantization: affine parameters, fake-quant and calibration ranges
// against NumPy (tests/fixtures/nn/make_act_quant_fixtures.py), hand-computed
// cases, and evaluate() with overrides and static/dynamic activation quantization
// on the demo models.
#include "core/nn/act_quant.hpp"
#include "core/nn/evaluate.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace qs;
using namespace qs::nn;

namespace {

nlohmann::json reference() {
    std::ifstream f(test::fixture("nn/act_quant.json"));
    return nlohmann::json::parse(f);
}

const DigitsSplit& split() {
    static const DigitsSplit s = *load_digits_split(test::source_dir() / "assets/digits/digits.csv.gz");
    return s;
}

Model demo(const char* name) {
    return *load_model(test::source_dir() / "assets" / "demo" / (std::string(name) + ".safetensors"));
}

}  // namespace

TEST(NnActQuant, AffineParamsByHand) {
    // [-1, 3] at 8 bits: scale = 4/255, zero point = round(1 / (4/255)) = round(63.75) = 64.
    auto p = affine_params(-1.0f, 3.0f, 8);
    EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
    EXPECT_EQ(p.zero_point, 64);
    EXPECT_EQ(p.qmax, 255);
    EXPECT_EQ(quantize_affine(0.0f, p), 64);  // real 0 is exact
    EXPECT_EQ(quantize_affine(-5.0f, p), 0);
    EXPECT_EQ(quantize_affine(5.0f, p), 255);
    EXPECT_EQ(quantize_affine(std::nanf(""), p), 0);
    // A range not containing 0 is widened: [0.5, 2] -> [0, 2].
    p = affine_params(0.5f, 2.0f, 2);
    EXPECT_FLOAT_EQ(p.scale, 2.0f / 3.0f);
    EXPECT_EQ(p.zero_point, 0);
    std::vector<float> x = {0.0f, 0.3f, 0.34f, 1.0f, 1.9f, 7.0f, -1.0f};
    fake_quant_affine(x, p);
    const float s = 2.0f / 3.0f;
    EXPECT_EQ(x, (std::vector<float>{0.0f, 0.0f, s, 2 * s, 3 * s, 3 * s, 0.0f}));
    // Ties round away from zero: 0.5 * scale -> 1.
    p = affine_params(0.0f, 255.0f, 8);
    EXPECT_EQ(quantize_affine(2.5f, p), 3);
    EXPECT_EQ(quantize_affine(0.49999997f, p), 0);
    // An all-zero range.
    p = affine_params(0.0f, 0.0f, 8);
    EXPECT_EQ(quantize_affine(0.0f, p), 0);
}

TEST(NnActQuant, CalibrationAndFakeQuantMatchNumPy) {
    const auto ref = reference();
    for (const auto& c : ref["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const auto values = c["values"].get<std::vector<float>>();
        auto pair = [](const nlohmann::json& j) { return std::pair<float, float>(j[0].get<float>(), j[1].get<float>()); };
        EXPECT_EQ(calibrate_range(values, ActCalibration::MinMax, 8), pair(c["minmax"]));
        EXPECT_EQ(calibrate_range(values, ActCalibration::Percentile, 8, 99.9), pair(c["percentile_99_9"]));
        const auto kl8 = calibrate_range(values, ActCalibration::KL, 8), kl4 = calibrate_range(values, ActCalibration::KL, 4);
        EXPECT_FLOAT_EQ(kl8.first, c["kl_8"][0].get<float>());
        EXPECT_FLOAT_EQ(kl8.second, c["kl_8"][1].get<float>());
        EXPECT_FLOAT_EQ(kl4.first, c["kl_4"][0].get<float>());
        EXPECT_FLOAT_EQ(kl4.second, c["kl_4"][1].get<float>());
        const auto [lo, hi] = pair(c["minmax"]);
        const auto p = affine_params(lo, hi, 8);
        EXPECT_EQ(p.scale, c["affine_8"][0].get<float>());
        EXPECT_EQ(p.zero_point, c["affine_8"][1].get<int>());
        std::vector<float> x(values.begin(), values.begin() + 32);
        fake_quant_affine(x, affine_params(lo, hi, 4));
        EXPECT_EQ(x, c["fake_quant_4_first32"].get<std::vector<float>>());
    }
}

TEST(NnActQuant, CalibrationTableCoversEveryParameterisedLayer) {
    const Model cnn = demo("cnn");
    for (ActCalibration m : {ActCalibration::MinMax, ActCalibration::Percentile, ActCalibration::KL}) {
        CalibrationOptions co;
        co.method = m;
        auto t = calibrate_activations(cnn, split().train, co);
        ASSERT_TRUE(t.ok()) << t.message();
        ASSERT_EQ(t->ranges.size(), 3u);
        EXPECT_EQ(t->ranges[0].layer_name, "conv1");
        EXPECT_EQ(t->ranges[2].layer_name, "fc");
        // The first input is pixels / 16: exactly [0, 1] under min/max.
        if (m == ActCalibration::MinMax) {
            EXPECT_EQ(t->ranges[0].lo, 0.0f);
            EXPECT_EQ(t->ranges[0].hi, 1.0f);
        }
        for (const auto& r : t->ranges) {
            EXPECT_GE(r.lo, 0.0f);  // post-ReLU / pixel inputs
            EXPECT_GT(r.hi, 0.0f);
        }
    }
}

TEST(NnActQuant, EvaluateWithOverrides) {
    const Model mlp = demo("mlp");
    auto base = evaluate(mlp, split().test);
    ASSERT_TRUE(base.ok());
    // Overriding with the model's own values changes nothing.
    const ParamInfo& w = *mlp.arch.find_param("fc2.weight");
    std::vector<float> same(mlp.param(w).begin(), mlp.param(w).end());
    EvalOptions eo;
    eo.overrides["fc2.weight"] = same;
    auto r = evaluate(mlp, split().test, eo);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->correct, base->correct);
    EXPECT_EQ(r->loss, base->loss);
    // Zeroing the last layer's weights leaves only the biases: near chance.
    std::vector<float> zeros(mlp.arch.find_param("fc3.weight")->size, 0.0f);
    eo.overrides["fc3.weight"] = zeros;
    r = evaluate(mlp, split().test, eo);
    ASSERT_TRUE(r.ok());
    EXPECT_LT(r->accuracy, 0.2);
    // Errors name the parameter.
    eo.overrides["fc9.weight"] = zeros;
    EXPECT_EQ(evaluate(mlp, split().test, eo).message(), "override for 'fc9.weight': the model has no such parameter");
    eo.overrides.erase("fc9.weight");
    eo.overrides["fc1.bias"] = zeros;
    EXPECT_EQ(evaluate(mlp, split().test, eo).message(), "override for 'fc1.bias': 640 values, the parameter has 128");
}

TEST(NnActQuant, StaticVsDynamicOnTheDemoModels) {
    // Calibrate on 400 training images to keep the test fast (KL search is O(bins^2)).
    const DigitsSplit data{split().train.slice(0, 400), split().test, {}, {}};
    for (const char* name : {"mlp", "cnn"}) {
        SCOPED_TRACE(name);
        const Model m = demo(name);
        auto rows = compare_activation_quant(m, data, 8);
        ASSERT_TRUE(rows.ok()) << rows.message();
        ASSERT_EQ(rows->size(), 5u);
        EXPECT_EQ((*rows)[0].label, "float");
        EXPECT_EQ((*rows)[2].label, "static percentile 99.99");
        // 8-bit activations cost at most one point of accuracy here.
        for (const auto& r : *rows) EXPECT_GT(r.accuracy, (*rows)[0].accuracy - 0.01) << r.label;
        // At 3 bits the calibration method matters and accuracy drops.
        auto low = compare_activation_quant(m, data, 3);
        ASSERT_TRUE(low.ok());
        double worst = 1;
        for (const auto& r : *low) worst = std::min(worst, r.accuracy);
        EXPECT_LT(worst, (*low)[0].accuracy);
    }
}

TEST(NnActQuant, DynamicRangesArePerBatch) {
    const Model mlp = demo("mlp");
    EvalOptions eo;
    eo.act.mode = ActQuantMode::Dynamic;
    eo.act.bits = 3;
    eo.keep_logits = true;
    eo.batch_size = 1;
    auto one = evaluate(mlp, split().test, eo);
    eo.batch_size = 359;
    auto all = evaluate(mlp, split().test, eo);
    ASSERT_TRUE(one.ok() && all.ok());
    EXPECT_NE(one->logits, all->logits);
    // Static ranges do not depend on the batch.
    CalibrationOptions co;
    co.bits = 3;
    eo.act = {ActQuantMode::Static, 3, *calibrate_activations(mlp, split().train, co)};
    auto s1 = evaluate(mlp, split().test, eo);
    eo.batch_size = 7;
    auto s2 = evaluate(mlp, split().test, eo);
    EXPECT_EQ(s1->logits, s2->logits);
    // A static setting without a table is an error, not a crash.
    eo.act.table.ranges.clear();
    EXPECT_EQ(evaluate(mlp, split().test, eo).message(),
              "static activation quantization: no calibrated range for layer 'fc1'");
}
