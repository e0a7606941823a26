// Lessons 2-6 (uniform integer quantization): the numbers each lesson window
// shows, computed with core/quant's own parameters and element quantizer (so a
// lesson never disagrees with the explorer):
//   2. scale and zero point step by step      trace_quantization()
//   3. symmetric vs asymmetric, wasted levels level_usage()
//   4. clipping vs rounding error             clip_sweep()
//   5. rounding modes, bias and variance      rounding_stats()
//   6. per-tensor / per-channel / per-group   compare_granularity()
// plus the small synthetic tensors the lessons start from.
#pragma once

#include "core/quant/calibrate.hpp"
#include "core/quant/spec.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qs::learn {

// ---- sample data (seeded, deterministic) ------------------------------------
std::vector<float> normal_sample(size_t n, uint64_t seed, double sigma = 1.0);
// max(0, N(0,1)): a post-ReLU activation, all mass on one side of zero.
std::vector<float> relu_normal_sample(size_t n, uint64_t seed);
// Laplace(0, b) with a few large outliers (|x| = outlier_scale * b) mixed in.
std::vector<float> heavy_tailed_sample(size_t n, uint64_t seed, double outlier_fraction = 0.001,
                                       double outlier_scale = 40.0);
// rows x cols weights ~ N(0, 0.05), row `outlier_row` scaled by `factor` (an
// outlier output channel).
std::vector<float> outlier_channel_matrix(int64_t rows, int64_t cols, int64_t outlier_row, double factor,
                                          uint64_t seed);

// ---- lesson 2: one vector through range -> scale -> zero point -> divide ->
// round -> clamp -> dequantize --------------------------------------------------
struct TraceRow {
    float x = 0;
    float scaled = 0;       // x / S (computed as x * (1/S) in float32, as the quantizer does)
    float rounded = 0;      // round(x / S)
    float shifted = 0;      // round(x / S) + Z
    int32_t q = 0;          // clamp(round(x / S) + Z, qmin, qmax)
    bool clamped = false;
    float dequantized = 0;  // S * (q - Z)
    float error = 0;        // dequantized - x
};
struct ScaleTrace {
    quant::QuantSpec spec;        // int, per-tensor
    double r_min = 0, r_max = 0;  // observed range
    quant::ClipRange clip;        // after calibration (and, asymmetric, widened to contain 0)
    int32_t qmin = 0, qmax = 0;
    double scale_exact = 0;       // (beta - alpha) / (qmax - qmin) or alpha / qmax, before storage rounding
    float scale = 0;              // stored
    float zero_point = 0;
    std::vector<TraceRow> rows;
    double mse = 0;
    std::vector<std::string> formulas;  // the formulas with this vector's numbers filled in
};
// spec.scheme must be Int (granularity is forced to per-tensor).
Result<ScaleTrace> trace_quantization(std::span<const float> x, quant::QuantSpec spec);

// ---- lesson 3: levels used and wasted ---------------------------------------
struct LevelUsage {
    quant::QuantSpec spec;
    uint64_t levels = 0;       // codes the grid has
    uint64_t used = 0;         // codes some value maps to
    uint64_t unreachable = 0;  // levels more than half a step outside the data's [min, max]
    double mse = 0;
    double sqnr_db = 0;
    float scale = 0, zero_point = 0;
    double clip_lo = 0, clip_hi = 0;
    std::vector<float> grid;            // dequantized levels, ascending
    std::vector<uint64_t> code_hist;    // count per level (same order as grid)
};
// Per-tensor int quantization of x with `spec` (granularity forced to per-tensor).
Result<LevelUsage> level_usage(std::span<const float> x, quant::QuantSpec spec);

// ---- lesson 4: clipping vs rounding error ------------------------------------
struct ClipPoint {
    double clip = 0;       // alpha: the range is [-alpha, alpha]
    double mse = 0;        // total, = clipping + rounding
    double mse_clip = 0;   // from values with |x| > alpha (per element of the whole tensor)
    double mse_round = 0;  // from values inside the range
    double clipped_fraction = 0;
};
struct ClipMark {
    std::string name;      // "minmax", "percentile 99.9", "MSE search", "KL"
    double clip = 0;
    ClipPoint at;          // the split at that clip
};
struct ClipSweep {
    double amax = 0;
    std::vector<ClipPoint> points;  // alpha from amax / n_points to amax, evenly spaced
    std::vector<ClipMark> marks;
    ClipPoint best;                 // the sweep's minimum
};
// Symmetric signed int `bits`, per tensor, nearest-even rounding.
ClipPoint clip_split(std::span<const float> x, int bits, double alpha);
Result<ClipSweep> clip_sweep(std::span<const float> x, int bits, int n_points = 100, double percentile = 99.9);

// ---- lesson 5: rounding modes -------------------------------------------------
struct RoundingRow {
    quant::Rounding mode = quant::Rounding::NearestEven;
    double bias = 0;          // mean of (x^ - x) over elements (and draws)
    double mse = 0;           // mean (x^ - x)^2 over elements (and draws)
    double draw_std = 0;      // stochastic: RMS over elements of the std of x^ across draws (0 otherwise)
    double expected_rmse = 0; // RMS over elements of E[x^] - x (stochastic: -> 0 as draws grow)
    double sum_error = 0;     // sum of (x^ - x) over the tensor (one draw): what a dot product with ones accumulates
    std::vector<double> draw_bias;  // stochastic: the bias of each draw
};
// `bits`-bit symmetric per-tensor quantization under nearest, floor, ceil and
// stochastic (`draws` seeds from `seed`).
Result<std::vector<RoundingRow>> rounding_stats(std::span<const float> x, int bits, int draws, uint64_t seed);

// ---- lesson 6: granularity ----------------------------------------------------
struct GranularityRow {
    std::string label;             // "per-tensor", "per-channel", "per-group 32"
    quant::QuantSpec spec;
    double mse = 0, sqnr_db = 0;
    double bits_per_weight = 0;    // codes + scales (+ zero points)
    double overhead_bpw = 0;       // bits_per_weight - bits
    uint64_t groups = 0;
    std::vector<double> channel_mse;  // per row (output channel)
};
Result<std::vector<GranularityRow>> compare_granularity(std::span<const float> w, int64_t rows, int64_t cols, int bits,
                                                        int group_size, bool symmetric = true);

}  // namespace qs::learn
