// The fused fast path (fused.cpp) that quantize() runs: one multi-threaded,
// vectorised pass per tensor. Declared apart from quantize.hpp so tests and
// benches can name it; consumers call quantize().
#pragma once

#include "core/quant/quantize.hpp"

namespace qs::quant {

Result<QuantResult> fused_quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts,
                                   const Progress& progress);

}  // namespace qs::quant
