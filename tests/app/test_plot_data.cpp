// Plot data derived on the worker: envelopes (charts) and min/max pyramids
// (heatmaps) must keep every outlier, checked against brute force.
#include "app/worker/analysis.hpp"
#include "app/worker/heatmap_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace qs::app {
namespace {

TEST(Envelope, SmallSeriesIsExact) {
    std::vector<float> v{3, 1, 2};
    auto e = make_envelope(v, 16);
    ASSERT_EQ(e.buckets(), 3u);
    EXPECT_EQ(e.per_bucket, 1u);
    EXPECT_EQ(e.lo, v);
    EXPECT_EQ(e.hi, v);
    EXPECT_EQ(e.min, 1.0f);
    EXPECT_EQ(e.max, 3.0f);
}

TEST(Envelope, BucketsKeepOutliersAndTheirIndex) {
    std::vector<float> v(1000, 1.0f);
    v[637] = 50.0f;
    v[12] = -7.0f;
    auto e = make_envelope(v, 64);
    EXPECT_EQ(e.per_bucket, 16u);
    EXPECT_EQ(e.buckets(), 63u);
    EXPECT_EQ(e.max, 50.0f);
    EXPECT_EQ(e.min, -7.0f);
    EXPECT_EQ(e.hi[637 / 16], 50.0f);
    EXPECT_EQ(e.arg_hi[637 / 16], 637u);
    EXPECT_EQ(e.lo[0], -7.0f);
}

TEST(Envelope, SortedDescendingNamesOriginalIndex) {
    std::vector<float> v{0.5f, 4.0f, NAN, 2.0f};
    auto e = make_sorted_envelope(v, 8);
    ASSERT_EQ(e.buckets(), 4u);
    EXPECT_EQ(e.hi[0], 4.0f);
    EXPECT_EQ(e.arg_hi[0], 1u);
    EXPECT_EQ(e.hi[1], 2.0f);
    EXPECT_EQ(e.arg_hi[1], 3u);
    EXPECT_EQ(e.hi[2], 0.5f);
    EXPECT_TRUE(std::isnan(e.hi[3]));  // NaN last, not a number on the chart
}

TEST(Pyramid, View2D) {
    EXPECT_EQ(view_2d({}).rows, 1);
    EXPECT_EQ(view_2d({7}).cols, 7);
    auto s = view_2d({2, 3, 5});
    EXPECT_EQ(s.rows, 6);
    EXPECT_EQ(s.cols, 5);
}

TEST(Pyramid, MinMaxMatchesBruteForceOnOddSizes) {
    std::mt19937 rng(5);
    std::normal_distribution<float> nd;
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 1}, {1, 300}, {300, 1}, {37, 129}, {130, 67}}) {
        auto data = std::make_shared<std::vector<float>>(size_t(rows * cols));
        for (auto& x : *data) x = nd(rng);
        (*data)[size_t(rows * cols / 2)] = 1000.0f;  // one outlier
        if (rows * cols > 10) (*data)[3] = NAN;     // ignored
        auto p = build_pyramid(data, data->data(), {rows, cols}, {}, 4);
        ASSERT_TRUE(p.ok());
        EXPECT_EQ((*p)->vmax, 1000.0f);
        EXPECT_EQ((*p)->nonfinite, rows * cols > 10 ? 1u : 0u);
        for (size_t k = 0; k < (*p)->levels.size(); ++k) {
            const auto& l = (*p)->levels[k];
            const int64_t block = int64_t(1) << (k + 1);
            EXPECT_EQ(l.rows, (rows + block - 1) / block);
            EXPECT_EQ(l.cols, (cols + block - 1) / block);
            for (int64_t r = 0; r < l.rows; ++r)
                for (int64_t c = 0; c < l.cols; ++c) {
                    float lo = INFINITY, hi = -INFINITY;
                    for (int64_t i = r * block; i < std::min(rows, (r + 1) * block); ++i)
                        for (int64_t j = c * block; j < std::min(cols, (c + 1) * block); ++j) {
                            const float v = (*data)[size_t(i * cols + j)];
                            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
                        }
                    const size_t at = size_t(r * l.cols + c);
                    if (lo > hi) {
                        EXPECT_TRUE(std::isnan(l.lo[at]));
                    } else {
                        ASSERT_EQ(l.lo[at], lo) << rows << "x" << cols << " level " << k + 1;
                        ASSERT_EQ(l.hi[at], hi);
                    }
                }
        }
        if (!(*p)->levels.empty()) {
            const auto& top = (*p)->levels.back();
            EXPECT_LE(std::max(top.rows, top.cols), 4);
            EXPECT_EQ(*std::max_element(top.hi.begin(), top.hi.end(),
                                        [](float a, float b) { return std::isnan(a) || (!std::isnan(b) && a < b); }),
                      1000.0f);
        }
    }
}

TEST(Pyramid, CancelledBuildIsAnError) {
    auto data = std::make_shared<std::vector<float>>(512 * 512, 1.0f);
    auto prog = Progress::make();
    prog.cancel();
    auto p = build_pyramid(data, data->data(), {512, 512}, prog);
    EXPECT_FALSE(p.ok());
}

TEST(Heatmap, KindsNeedTheirBuffers) {
    auto t = std::make_shared<io::FloatTensor>();
    t->name = "w";
    t->shape = {2, 3};
    t->data = {-1, 0, 1, 2, 3, -4};
    auto r = std::make_shared<quant::QuantResult>();
    auto w = build_heatmap(HeatmapKind::Weights, t, nullptr, nullptr, {});
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE((*w)->diverging);
    EXPECT_EQ((*w)->pyramid->vmin, -4.0f);
    EXPECT_FALSE(build_heatmap(HeatmapKind::AbsError, t, r, nullptr, {}).ok());
    r->dequantized = {-1, 0, 1, 2, 2.5f, -4};
    r->codes = {-2, 0, 2, 4, 5, -8};
    auto e = build_heatmap(HeatmapKind::AbsError, t, r, nullptr, {});
    ASSERT_TRUE(e.ok());
    EXPECT_EQ((*e)->pyramid->vmax, 0.5f);
    EXPECT_EQ((*e)->pyramid->base[4], 0.5f);
    auto c = build_heatmap(HeatmapKind::Codes, t, r, nullptr, {});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)->pyramid->vmin, -8.0f);
}

}  // namespace
}  // namespace qs::app

namespace qs::app {
namespace {

TEST(Pyramid, PickLevelNeverSkipsAndRespectsTextureLimit) {
    auto data = std::make_shared<std::vector<float>>(1000 * 300, 0.0f);
    auto p = build_pyramid(data, data->data(), {1000, 300}, {}, 8);
    ASSERT_TRUE(p.ok());
    const Pyramid& py = **p;
    EXPECT_EQ(pick_level(py, 0.25, 16384), 0);  // zoomed in
    EXPECT_EQ(pick_level(py, 1.0, 16384), 0);
    EXPECT_EQ(pick_level(py, 1.01, 16384), 1);  // 2x2 blocks: each at least a pixel
    EXPECT_EQ(pick_level(py, 4.0, 16384), 2);
    EXPECT_EQ(pick_level(py, 5.0, 16384), 3);
    EXPECT_EQ(pick_level(py, 1e9, 16384), int(py.levels.size()));  // capped at the coarsest
    // 1000 rows do not fit a 512 texture: level 1 (500 rows) is the finest that does.
    EXPECT_EQ(pick_level(py, 0.5, 512), 1);
    EXPECT_EQ(pick_level(py, 0.5, 4), -1);
    EXPECT_EQ(level_size(py, 2).rows, 250);
    EXPECT_EQ(level_size(py, 2).cols, 75);
}

}  // namespace
}  // namespace qs::app
