// STAND-IN until core's qs::quant::quantize() lands on main (branch `quant`):
// a plain integer quantizer (per-tensor / per-channel axis 0 / per-group,
// sym/asym, min-max or manual clip) filling a QuantResult, so the GUI can be
// built and tested end to end. Delete this file once core provides quantize().
#pragma once

#include "app/worker/quantize_fn.hpp"

namespace qs::app {

Result<quant::QuantResult> interim_quantize(const quant::TensorView& x, const quant::QuantSpec& spec,
                                            const quant::QuantOptions& opts, const Progress& progress);

}  // namespace qs::app
