// Heatmap data for a tensor, computed on the worker: a 2-D view of the values
// (weights, |error| or code index) plus a min/max pyramid, so that a zoomed-out
// heatmap shows each screen pixel's extreme values instead of skipping
// outliers. The GPU side (app/gfx/heatmap_renderer) uploads levels lazily.
#pragma once

#include "core/io/tensor_cache.hpp"
#include "core/quant/result.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace qs::app {

enum class HeatmapKind : uint8_t { Weights, AbsError, Codes };
const char* heatmap_kind_name(HeatmapKind k);

// The 2-D view of a tensor: rank >= 2 is (product of all but the last dim) x last dim,
// rank 1 is one row, a scalar is 1x1.
struct Shape2D {
    int64_t rows = 1, cols = 1;
};
Shape2D view_2d(const std::vector<int64_t>& shape);

struct PyramidLevel {
    int64_t rows = 0, cols = 0;  // ceil(rows0 / 2^k) x ceil(cols0 / 2^k)
    std::vector<float> lo, hi;   // min and max over each 2^k x 2^k block (finite values; NaN if none)
};

struct Pyramid {
    Shape2D size;                         // level 0
    std::shared_ptr<const void> owner;    // keeps `base` alive
    const float* base = nullptr;          // level 0, row-major rows x cols
    std::vector<PyramidLevel> levels;     // levels[i] is level i+1 (2^(i+1) blocks)
    float vmin = 0.0f, vmax = 0.0f;       // finite range of level 0
    float robust_lo = 0.0f, robust_hi = 0.0f;  // 0.1% and 99.9% quantiles (from up to 2^20 evenly spaced
                                               // samples): a colour range that outliers do not flatten
    uint64_t nonfinite = 0;               // NaN/Inf count at level 0
    uint64_t approx_bytes() const;
};

// Builds levels until both sides are <= min_side. Returns an error when cancelled.
Result<std::shared_ptr<const Pyramid>> build_pyramid(std::shared_ptr<const void> owner, const float* base, Shape2D size,
                                                     const Progress& progress, int64_t min_side = 64);

// The pyramid level to draw when one screen pixel spans `elements_per_pixel`
// elements: the finest level whose blocks are at least a pixel wide (so no
// block is skipped) and whose texture fits max_texture_size. -1 when none fits.
int pick_level(const Pyramid& p, double elements_per_pixel, int max_texture_size);
// The size of level `level` (0 = the data itself).
Shape2D level_size(const Pyramid& p, int level);

// One heatmap as the view needs it: the pyramid to draw plus what hover reads.
struct HeatmapBundle {
    HeatmapKind kind = HeatmapKind::Weights;
    Shape2D size;
    io::FloatTensorPtr tensor;                          // original values
    std::shared_ptr<const quant::QuantResult> result;   // with dequantized (and codes) when available
    std::shared_ptr<const Pyramid> pyramid;
    bool diverging = false;                             // signed data: centred colour map
    uint64_t approx_bytes() const;
};

// Builds the bundle for `kind`. `weights` may pass an already-built weights
// pyramid for this tensor (it does not depend on the spec).
Result<std::shared_ptr<const HeatmapBundle>> build_heatmap(HeatmapKind kind, io::FloatTensorPtr tensor,
                                                           std::shared_ptr<const quant::QuantResult> result,
                                                           std::shared_ptr<const Pyramid> weights,
                                                           const Progress& progress);

}  // namespace qs::app
