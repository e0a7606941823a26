// Whole-model sweep: the current spec over every (weight) tensor of a model,
// on the worker, with progress, cancellation and partial tables published as
// it goes. Tensors are decoded into a private buffer, not the shared
// TensorCache, so a sweep does not evict what the user is looking at.
#pragma once

#include "app/worker/quantize_fn.hpp"
#include "app/worker/worker.hpp"
#include "core/io/model_index.hpp"

#include <memory>
#include <string>
#include <vector>

namespace qs::app {

struct SweepRow {
    size_t index = 0;            // tensor index in the model
    std::string name;
    std::vector<int64_t> shape;
    uint64_t numel = 0;
    uint64_t stored_bytes = 0;   // as stored in the file
    bool ok = false;
    std::string error;           // when !ok
    double sqnr_db = 0.0, mse = 0.0, max_abs_err = 0.0, cosine = 0.0, bits_per_weight = 0.0, clipped_fraction = 0.0;
    uint64_t bytes = 0;          // quantized size
};

struct SweepTable {
    quant::QuantSpec spec;
    std::vector<SweepRow> rows;
    size_t planned = 0;          // tensors the sweep will visit
    bool complete = false;
    // Totals over ok rows.
    uint64_t numel = 0, stored_bytes = 0, bytes = 0;
    double mean_bpw() const { return numel ? 8.0 * double(bytes) / double(numel) : 0.0; }
};

// Tensors worth sweeping: floating-point storage, rank >= 2 when weights_only.
std::vector<size_t> sweep_candidates(const io::ModelIndex& model, bool weights_only);

Result<std::shared_ptr<const SweepTable>> run_sweep(std::shared_ptr<const io::ModelIndex> model,
                                                    const quant::QuantSpec& spec, bool weights_only,
                                                    const QuantizeFn& quantize, const JobContext<SweepTable>& ctx);

}  // namespace qs::app
