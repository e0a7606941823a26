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

struct QuantOptions {
    int hist_bins = 256;                   // bins of the three histograms
    std::optional<double> hist_lo;         // fixed histogram range (so A/B results share bins);
    std::optional<double> hist_hi;         //   default: the tensor's min/max
    bool keep_dequantized = false;         // fill QuantResult::dequantized
    bool keep_codes = false;               // fill QuantResult::codes
    int threads = 0;                       // 0 = all hardware threads
};

Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts = {},
                             const Progress& progress = {});

}  // namespace qs::quant
