// The quantizer the worker calls, injected so tests can count calls, block, or
// fail on purpose, and so the app runs core's qs::quant::quantize().
#pragma once

#include "core/quant/quantize.hpp"

#include <functional>

namespace qs::app {

using QuantizeFn = std::function<Result<quant::QuantResult>(const quant::TensorView&, const quant::QuantSpec&,
                                                            const quant::QuantOptions&, const Progress&)>;

// core's quantize() with a Workspace per calling thread (each worker thread keeps
// its scratch pages and per-tensor caches from one slider step to the next)
// when the caller gave none.
QuantizeFn workspace_quantize();

// QuantOptions::tensor_key for tensor `index` of the loaded model `model_id`:
// ids are never reused within a run, so equal keys mean equal contents.
inline uint64_t tensor_cache_key(uint64_t model_id, int64_t index) {
    return (model_id << 32) ^ uint64_t(index + 1) ^ (uint64_t(1) << 63);  // never 0
}

}  // namespace qs::app
