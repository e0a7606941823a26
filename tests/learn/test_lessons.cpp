// Lessons 2-8 and 10: hand-computed values (scale/zero point traces, wasted
// levels, bits-per-weight overheads, the Deep Compression example, energy and KV
// cache arithmetic), a NumPy fixture for the clipping/rounding split, and the
// trace checked against the independent scalar reference quantizer.
#include "core/learn/energy.hpp"
#include "core/learn/nonuniform_lessons.hpp"
#include "core/learn/uniform_lessons.hpp"
#include "core/quant/reference.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace qs::learn;
using qs::quant::QuantSpec;
using qs::quant::Rounding;

TEST(LearnTrace, SymmetricByHand) {
    const std::vector<float> x{0.3f, -1.27f, 0.64f, 0.0f};
    QuantSpec s;  // int8 symmetric restricted
    auto t = trace_quantization(x, s);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->qmin, -127);
    EXPECT_EQ(t->qmax, 127);
    EXPECT_NEAR(t->scale_exact, 0.01, 1e-9);
    EXPECT_EQ(t->zero_point, 0.0f);
    EXPECT_EQ(t->rows[0].q, 30);
    EXPECT_EQ(t->rows[1].q, -127);
    EXPECT_EQ(t->rows[2].q, 64);
    EXPECT_EQ(t->rows[3].q, 0);
    EXPECT_FALSE(t->rows[1].clamped);
}

TEST(LearnTrace, AsymmetricByHandAndMatchesReference) {
    const std::vector<float> x{-1.0f, 0.0f, 0.5f, 2.0f, 1.234f};
    QuantSpec s;
    s.symmetric = false;
    s.granularity = qs::quant::Granularity::PerTensor;
    auto t = trace_quantization(x, s);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->qmin, -128);
    EXPECT_NEAR(t->scale_exact, 3.0 / 255.0, 1e-12);
    EXPECT_EQ(t->zero_point, -43.0f);  // -128 - round(-1 / (3/255)) = -128 + 85
    EXPECT_EQ(t->rows[0].q, -128);
    EXPECT_EQ(t->rows[1].q, -43);
    EXPECT_EQ(t->rows[3].q, 127);
    EXPECT_EQ(t->rows[1].dequantized, 0.0f);  // zero is exact under a zero point
    // Every dequantized value equals the scalar reference's.
    const int64_t shape[1] = {int64_t(x.size())};
    qs::quant::QuantOptions o;
    o.keep_dequantized = true;
    o.hist_bins = 0;
    auto ref = qs::quant::reference::quantize({x, shape, "x"}, s, o);
    ASSERT_TRUE(ref.ok());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(t->rows[i].dequantized, ref->dequantized[i]) << i;
    // A manual clip shows clamping.
    s.clip_lo = -0.5;
    s.clip_hi = 1.0;
    auto c = trace_quantization(x, s);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->rows[0].clamped);
    EXPECT_TRUE(c->rows[3].clamped);
    EXPECT_FALSE(c->rows[2].clamped);
    EXPECT_FALSE(c->formulas.empty());
    EXPECT_FALSE(trace_quantization({}, s).ok());
}

TEST(LearnLevels, ReluWastesHalfTheSymmetricGrid) {
    const auto x = relu_normal_sample(4000, 3);
    QuantSpec sym;
    auto a = level_usage(x, sym);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->levels, 255u);
    EXPECT_EQ(a->unreachable, 127u);  // every negative level
    QuantSpec asym;
    asym.symmetric = false;
    auto b = level_usage(x, asym);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->levels, 256u);
    EXPECT_EQ(b->unreachable, 0u);
    EXPECT_LT(b->mse, a->mse / 3.0);  // twice the resolution: about a quarter of the error
}

TEST(LearnClip, SplitMatchesNumpy) {
    std::ifstream f(qs::test::fixture("learn/learn.json"));
    const auto j = nlohmann::json::parse(f);
    std::vector<float> x;
    for (const auto& v : j["clip_x"]) x.push_back(float(v.get<double>()));
    for (const auto& row : j["clip"]) {
        const ClipPoint p = clip_split(x, 4, row["alpha"].get<double>());
        EXPECT_NEAR(p.mse_clip, row["mse_clip"].get<double>(), 1e-12);
        EXPECT_NEAR(p.mse_round, row["mse_round"].get<double>(), 1e-12);
        EXPECT_DOUBLE_EQ(p.mse, p.mse_clip + p.mse_round);
    }
}

TEST(LearnClip, SweepHasInteriorOptimumAndMarks) {
    const auto x = heavy_tailed_sample(5000, 5, 0.001, 15.0);
    auto sw = clip_sweep(x, 4, 100, 99.9);
    ASSERT_TRUE(sw.ok());
    ASSERT_EQ(sw->points.size(), 100u);
    ASSERT_EQ(sw->marks.size(), 4u);
    EXPECT_EQ(sw->marks[0].clip, sw->amax);          // minmax
    EXPECT_LT(sw->best.clip, 0.5 * sw->amax);        // outliers: clipping pays
    EXPECT_LT(sw->best.mse, sw->marks[0].at.mse / 2);  // far better than minmax at 4 bits
    EXPECT_EQ(sw->points.back().mse_clip, 0.0);
    EXPECT_LE(sw->marks[2].at.mse, sw->marks[0].at.mse);  // MSE search beats minmax
}

TEST(LearnRounding, BiasAndVariance) {
    std::vector<float> x(3000);
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(-1.0 + 2.0 * (double(i) + 0.37) / double(x.size()));
    auto rows = rounding_stats(x, 4, 64, 1);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 4u);
    const double S = 1.0 / 7.0;  // absmax ~1, 4-bit restricted: 7 levels a side
    const auto& nearest = (*rows)[0];
    const auto& floor = (*rows)[1];
    const auto& ceil = (*rows)[2];
    const auto& stoch = (*rows)[3];
    EXPECT_NEAR(nearest.bias, 0.0, 0.01 * S);
    EXPECT_NEAR(floor.bias, -S / 2, 0.03 * S);
    EXPECT_NEAR(ceil.bias, S / 2, 0.03 * S);
    EXPECT_NEAR(stoch.bias, 0.0, 0.02 * S);
    EXPECT_NEAR(nearest.mse, S * S / 12, 0.05 * S * S / 12);  // uniform rounding error
    EXPECT_NEAR(stoch.mse, S * S / 6, 0.1 * S * S / 6);       // E[f(1-f)] = 1/6 of S^2
    EXPECT_GT(stoch.draw_std, 0.3 * S);
    EXPECT_EQ(nearest.draw_std, 0.0);
    EXPECT_LT(stoch.expected_rmse, 0.1 * S);  // unbiased per element on average over 64 draws
    EXPECT_EQ(stoch.draw_bias.size(), 64u);
}

TEST(LearnGranularity, OutlierChannelAndOverhead) {
    const int64_t rows = 16, cols = 64;
    const auto w = outlier_channel_matrix(rows, cols, 3, 20.0, 9);
    auto g = compare_granularity(w, rows, cols, 4, 32);
    ASSERT_TRUE(g.ok()) << g.error().message;
    ASSERT_EQ(g->size(), 3u);
    EXPECT_DOUBLE_EQ((*g)[0].overhead_bpw, 32.0 / 1024.0);
    EXPECT_DOUBLE_EQ((*g)[1].overhead_bpw, 32.0 / 64.0);
    EXPECT_DOUBLE_EQ((*g)[2].overhead_bpw, 32.0 / 32.0);
    EXPECT_EQ((*g)[1].groups, 16u);
    EXPECT_EQ((*g)[2].groups, 32u);
    // Per-tensor: the outlier row sets the scale, the others round to almost nothing.
    EXPECT_GT((*g)[0].channel_mse[0], 20 * (*g)[1].channel_mse[0]);
    EXPECT_LT((*g)[1].mse, (*g)[0].mse);
    EXPECT_FALSE(compare_granularity(w, 15, cols, 4, 32).ok());
}

TEST(LearnNonUniform, DeepCompressionExample) {
    // Han et al.'s 4x4 example: 16 weights, 4 centroids: 2 bits x 16 + 32 bits x 4 = 160 bits (20 B) vs 64 B.
    const auto d = deep_compression_size(16, 4);
    EXPECT_EQ(d.index_bits, 32.0);
    EXPECT_EQ(d.codebook_bits, 128.0);
    EXPECT_EQ(d.total_bits, 160.0);
    EXPECT_EQ(d.fp32_bits, 512.0);
    EXPECT_DOUBLE_EQ(d.ratio, 3.2);
    EXPECT_EQ(deep_compression_size(1000, 5).index_bits, 3000.0);  // ceil(log2 5) = 3
}

TEST(LearnNonUniform, KMeansBeatsUniformOnGaussian) {
    const auto x = normal_sample(4096, 2);
    auto rows = compare_grids(x, 3);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1].levels.size(), 8u);
    EXPECT_LT((*rows)[1].mse, (*rows)[0].mse);
    auto r4 = compare_grids(x, 4);
    ASSERT_TRUE(r4.ok());
    ASSERT_EQ(r4->size(), 4u);
    EXPECT_EQ(r4->back().label, "NF4");
    EXPECT_EQ(r4->back().levels.size(), 16u);
}

TEST(LearnOutliers, SweepAndLlmInt8) {
    const auto w = heavy_tailed_sample(64 * 64, 4, 0.002, 60.0);
    const double fr[] = {0.0, 0.001, 0.005, 0.02};
    auto pts = outlier_sweep(w, 64, 64, 4, fr);
    ASSERT_TRUE(pts.ok()) << pts.error().message;
    ASSERT_EQ(pts->size(), 4u);
    EXPECT_EQ((*pts)[0].kept, 0u);
    for (size_t i = 1; i < pts->size(); ++i) {
        EXPECT_LT((*pts)[i].mse, (*pts)[i - 1].mse);
        EXPECT_GT((*pts)[i].bits_per_weight, (*pts)[i - 1].bits_per_weight);
    }
    EXPECT_NEAR((*pts)[2].bits_per_weight - (*pts)[0].bits_per_weight, 0.005 * 64, 0.02);  // 64 bits per kept value

    std::vector<float> m = normal_sample(32 * 16, 6);
    for (int64_t r = 0; r < 32; ++r) m[size_t(r * 16 + 5)] *= 30.0f;  // feature 5 is an outlier dimension
    auto d = llm_int8_decomposition(m, 32, 16, 6.0);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->outlier_columns, 1);
    EXPECT_LT(d->mse, d->mse_plain_int8 / 10);
    EXPECT_DOUBLE_EQ(d->bits_per_weight, (32.0 * 16 + 32.0 * 15 * 8 + 32 * 32.0) / (32.0 * 16));
}

TEST(LearnEnergy, HorowitzTableAndCalculators) {
    const auto t = horowitz_energy_table();
    ASSERT_EQ(t.size(), 11u);
    EXPECT_EQ(t[0].picojoules, 0.03);
    EXPECT_EQ(t[10].picojoules, 640.0);
    const auto i8 = mac_energy(MacFormat::INT8), f32 = mac_energy(MacFormat::FP32);
    EXPECT_DOUBLE_EQ(i8.mult_pj + i8.add_pj, 0.3);
    EXPECT_DOUBLE_EQ(f32.mult_pj + f32.add_pj, 4.6);
    EXPECT_DOUBLE_EQ(i8.weight_dram_pj, 160.0);
    EXPECT_DOUBLE_EQ(f32.weight_sram_pj, 5.0);
    EXPECT_DOUBLE_EQ(weight_bytes(7e9, 16), 14e9);       // Mistral 7B in FP16: 14 GB
    EXPECT_DOUBLE_EQ(weight_bytes(175e9, 16), 350e9);    // GPT-3: 350 GB
    EXPECT_DOUBLE_EQ(kv_cache_bytes(32, 32, 128, 4096, 1, 2), 2147483648.0);  // Llama-2-7B, 4k context, FP16
    EXPECT_NEAR(growth_after(3.0, 20), 59049.0, 1e-6);
    EXPECT_DOUBLE_EQ(max_tokens_per_second(2e12, 14e9), 2e12 / 14e9);
    EXPECT_DOUBLE_EQ(arithmetic_intensity(16), 1.0);
    EXPECT_DOUBLE_EQ(arithmetic_intensity(4), 4.0);
}
