// quantize(): the entry point every consumer calls. Milestone 1 runs the scalar
// reference; the fused path (fused.cpp) replaces it behind the same signature.
#include "core/quant/quantize.hpp"

#include "core/quant/reference.hpp"

namespace qs::quant {

Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts,
                             const Progress& progress) {
    progress.set_total(x.data.size());
    if (!progress.update(0)) return make_error("tensor '{}': cancelled", x.name);
    auto r = reference::quantize(x, spec, opts);
    progress.update(x.data.size());
    return r;
}

}  // namespace qs::quant
