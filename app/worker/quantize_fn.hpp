// The quantizer the worker calls, injected so tests can count calls, block, or
// fail on purpose, and so the app runs core's qs::quant::quantize().
#pragma once

#include "core/quant/quantize.hpp"

#include <functional>

namespace qs::app {

using QuantizeFn = std::function<Result<quant::QuantResult>(const quant::TensorView&, const quant::QuantSpec&,
                                                            const quant::QuantOptions&, const Progress&)>;

}  // namespace qs::app
