// Demo-model sensitivity: traces cover exactly the weight tensors, and the
// measured accuracy under fake-quantized weights behaves as it must (no specs =
// float; 8-bit ~ float; binary far below).
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/sensitivity/demo.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

namespace qs::sensitivity {
namespace {

struct Demo {
    nn::Model model;
    nn::DigitsSplit data;
};

const Demo& demo() {
    static const Demo d = [] {
        const auto path = test::source_dir() / "assets" / "demo" / "mlp.safetensors";
        auto m = nn::load_model(path);
        EXPECT_TRUE(m.ok()) << m.message();
        auto digits = nn::find_digits_near(path);
        EXPECT_TRUE(digits.ok());
        auto split = nn::load_digits_split(*digits);
        EXPECT_TRUE(split.ok());
        return Demo{std::move(*m), std::move(*split)};
    }();
    return d;
}

TEST(DemoSensitivity, TracesPerWeightTensor) {
    DemoTraceOptions o;
    o.trace.max_iterations = 8;
    o.trace.min_iterations = 4;
    o.top_eigenvalue = true;
    o.eigen.max_iterations = 8;
    auto t = demo_traces(demo().model, demo().data.train.slice(0, 256), o);
    ASSERT_TRUE(t.ok()) << t.message();
    ASSERT_EQ(t->tensors.size(), 3u);
    for (const auto& p : demo().model.arch.params) {
        if (!p.is_weight) {
            EXPECT_EQ(t->tensors.count(p.name), 0u) << p.name;
            continue;
        }
        const auto& e = t->tensors.at(p.name);
        EXPECT_EQ(e.numel, p.size);
        EXPECT_GT(e.trace, 0.0) << p.name;  // a trained net sits near a minimum
        ASSERT_TRUE(e.top_eigenvalue.has_value());
        // the top eigenvalue of a PSD-ish block is at most its trace (and positive)
        EXPECT_LE(*e.top_eigenvalue, e.trace * 1.5) << p.name;
    }
}

TEST(DemoSensitivity, AccuracyUnderQuantizedWeights) {
    const auto& d = demo();
    auto fp = evaluate_quantized(d.model, d.data.test, {});
    ASSERT_TRUE(fp.ok()) << fp.message();
    EXPECT_GT(fp->accuracy, 0.95);  // docs/demo-model.md: 98.05%

    std::map<std::string, quant::QuantSpec> int8, binary;
    for (const auto& p : d.model.arch.params) {
        if (!p.is_weight) continue;
        int8[p.name] = *quant::parse_spec_text("int8:channel");
        binary[p.name] = *quant::parse_spec_text("binary:tensor");
    }
    auto q8 = evaluate_quantized(d.model, d.data.test, int8);
    ASSERT_TRUE(q8.ok()) << q8.message();
    EXPECT_NEAR(q8->accuracy, fp->accuracy, 0.015);
    auto q1 = evaluate_quantized(d.model, d.data.test, binary);
    ASSERT_TRUE(q1.ok());
    EXPECT_LT(q1->accuracy, fp->accuracy - 0.05);

    auto bad = evaluate_quantized(d.model, d.data.test, {{"nope.weight", *quant::parse_spec_text("int8")}});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("nope.weight"), std::string::npos);
}

}  // namespace
}  // namespace qs::sensitivity
