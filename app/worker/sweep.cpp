// The whole-model sweep job; see sweep.hpp.
#include "app/worker/sweep.hpp"

#include "core/io/decode.hpp"
#include "core/io/summary.hpp"

#include <chrono>
#include <new>

namespace qs::app {

std::vector<size_t> sweep_candidates(const io::ModelIndex& model, bool weights_only) {
    std::vector<size_t> out;
    for (size_t i = 0; i < model.tensors.size(); ++i) {
        const auto& t = model.tensors[i];
        if (weights_only && (t.shape.size() < 2 || !io::dtype_info(t.dtype).is_float)) continue;
        if (t.numel() == 0) continue;
        out.push_back(i);
    }
    return out;
}

Result<std::shared_ptr<const SweepTable>> run_sweep(std::shared_ptr<const io::ModelIndex> model,
                                                    const quant::QuantSpec& spec, bool weights_only,
                                                    const QuantizeFn& quantize, const JobContext<SweepTable>& ctx) {
    auto table = std::make_shared<SweepTable>();
    table->spec = spec;
    const auto todo = sweep_candidates(*model, weights_only);
    table->planned = todo.size();
    ctx.progress.set_total(todo.size());
    std::vector<float> buf;
    auto last_publish = std::chrono::steady_clock::now();
    quant::QuantOptions opts;
    opts.hist_bins = 0;  // the sweep only needs the metrics: no histograms
    for (size_t k = 0; k < todo.size(); ++k) {
        if (!ctx.progress.update(k)) return Error{"cancelled"};
        const auto& info = model->tensors[todo[k]];
        SweepRow row;
        row.index = todo[k];
        row.name = info.name;
        row.shape = info.shape;
        row.numel = info.numel();
        row.stored_bytes = io::stored_bytes(info);
        bool decoded = false;
        try {
            buf.resize(info.numel());
            decoded = true;
        } catch (const std::bad_alloc&) {
            row.error = "not enough memory to decode it";
        }
        if (decoded) {
            Status st = io::decode_tensor(*model, todo[k], buf);
            io::release_tensor_pages(*model, todo[k]);  // one pass over the model: resident memory stays flat
            if (!st) {
                row.error = st.message();
            } else {
                const quant::TensorView view{buf, info.shape, info.name};
                auto r = quantize(view, spec, opts, {});
                if (!r) {
                    row.error = r.message();
                } else {
                    row.ok = true;
                    row.sqnr_db = r->sqnr_db;
                    row.mse = r->mse;
                    row.max_abs_err = r->max_abs_err;
                    row.cosine = r->cosine;
                    row.bits_per_weight = r->bits_per_weight;
                    row.clipped_fraction = r->clipped_fraction;
                    row.bytes = r->bytes;
                    table->numel += row.numel;
                    table->stored_bytes += row.stored_bytes;
                    table->bytes += row.bytes;
                }
            }
        }
        table->rows.push_back(std::move(row));
        const auto now = std::chrono::steady_clock::now();
        if (now - last_publish > std::chrono::milliseconds(150)) {
            ctx.publish(std::make_shared<const SweepTable>(*table));
            last_publish = now;
        }
    }
    ctx.progress.update(todo.size());
    table->complete = true;
    return std::shared_ptr<const SweepTable>(std::move(table));
}

}  // namespace qs::app
