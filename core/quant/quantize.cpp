// quantize(): the entry point every consumer calls. It runs the fused path
// (fused.cpp); the scalar reference (reference.cpp) is the oracle tests hold it to.
// No exception leaves this module: an allocation failure becomes an error value.
#include "core/quant/quantize.hpp"

#include "core/quant/fused.hpp"

#include <exception>
#include <new>

namespace qs::quant {

Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts,
                             const Progress& progress) {
    try {
        return fused_quantize(x, spec, opts, progress);
    } catch (const std::bad_alloc&) {
        return make_error("tensor '{}': out of memory while quantizing {} values", x.name, x.data.size());
    } catch (const std::exception& e) {
        return make_error("tensor '{}': {}", x.name, e.what());
    }
}

}  // namespace qs::quant
