// The app's QuantizeFn: core's quantize() with one Workspace per worker thread.
#include "app/worker/quantize_fn.hpp"

#include "core/quant/workspace.hpp"

namespace qs::app {

QuantizeFn workspace_quantize() {
    return [](const quant::TensorView& x, const quant::QuantSpec& spec, const quant::QuantOptions& opts,
              const Progress& progress) {
        thread_local quant::Workspace ws;  // lives as long as the worker thread
        if (opts.workspace) return quant::quantize(x, spec, opts, progress);
        quant::QuantOptions o = opts;
        o.workspace = &ws;
        return quant::quantize(x, spec, o, progress);
    };
}

}  // namespace qs::app
