// The entry points every consumer calls (GUI worker, CLI, planner, exporters):
// quantize a float32 tensor under a QuantSpec and get a QuantResult.
//
//   quantize()            the fast path: one fused, multi-threaded, vectorised pass
//                         (parameters, quantize, dequantize, metrics, histograms), cancellable
//   reference::quantize() plain scalar code written for clarity (core/quant/reference.hpp);
//                         the oracle the fast path is tested against
#pragma once

#include "core/quant/result.hpp"
#include "core/quant/spec.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace qs::quant {

struct TensorView {
    std::span<const float> data;     // C order
    std::span<const int64_t> shape;  // outermost first; rank 0..8
    std::string_view name;
};

class Workspace;  // core/quant/workspace.hpp

struct QuantOptions {
    int hist_bins = 256;                   // bins of the three histograms (0: no histograms)
    std::optional<double> hist_lo;         // fixed histogram range (so A/B results share bins);
    std::optional<double> hist_hi;         //   default: the tensor's min/max
    std::optional<double> err_hist_halfwidth;  // error histogram range [-w, w]; default: the largest
                                           //   rounding error the groups' grids allow
    bool keep_dequantized = false;         // fill QuantResult::dequantized
    bool keep_codes = false;               // fill QuantResult::codes
    int threads = 0;                       // 0 = all hardware threads
    Workspace* workspace = nullptr;        // caller-owned buffers and per-tensor caches reused
                                           //   across calls (one per worker thread); nullptr = none
    uint64_t tensor_key = 0;               // identifies the tensor's contents for the workspace's
                                           //   caches (e.g. a hash of model path + tensor index);
                                           //   0 = never cache
    std::span<float> dequantized_out;      // caller-owned buffer of numel floats to write x^ into
                                           //   (instead of allocating QuantResult::dequantized)
    std::span<int32_t> codes_out;          // the same for codes
};

Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts = {},
                             const Progress& progress = {});

}  // namespace qs::quant
