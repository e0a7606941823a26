// Applies an AIMET encoding (core/io/aimet_encodings.hpp) to a weight tensor the
// way AIMET's quantize-dequantize does, q = clamp(round(x/scale) - offset, 0,
// 2^bw - 1), x^ = scale * (q + offset) (float32, round half to even), and measures
// the error: MSE, SQNR, max error, clipping and the MSE of each axis-0 channel, so
// a user can inspect another tool's choice and compare it with a quantscope spec.
#pragma once
#include "core/io/aimet_encodings.hpp"
#include "core/quant/quantize.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <vector>

namespace qs::quant {

struct EncodingError {
    uint64_t numel = 0;
    uint64_t nonfinite = 0;            // NaN/Inf inputs: passed through, not in the metrics
    double mse = 0.0;
    double sqnr_db = 0.0;              // +inf when exact
    double max_abs_err = 0.0;
    double rel_fro_err = 0.0;
    double sum_sq = 0.0, sum_sq_err = 0.0;
    double clipped_fraction = 0.0;     // elements whose code saturated at 0 or 2^bw - 1 beyond the grid
    double bits_per_weight = 0.0;      // bw + 32-bit scales (+ 32-bit offsets when asymmetric) per element
    std::vector<double> channel_mse;   // per axis-0 channel (one entry for rank 0)
};

// Checks the encoding against the shape (scale counts, block size) and returns the
// error; `dequantized` (optional) receives x^.
Result<EncodingError> apply_aimet_encoding(const io::AimetEncoding& e, const TensorView& v,
                                           std::vector<float>* dequantized = nullptr);

}  // namespace qs::quant
