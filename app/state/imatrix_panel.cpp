// The Importance window's controller; see imatrix_panel.hpp. The weighted MSE uses
// sensitivity::weighted_sq_error (the planner's cost) normalised by the sum of the
// weights, so with a flat imatrix it equals the plain MSE.
#include "app/state/imatrix_panel.hpp"

#include "core/io/decode.hpp"
#include "core/quant/quantize.hpp"
#include "core/sensitivity/importance.hpp"

#include <algorithm>
#include <chrono>

namespace qs::app {
namespace {

template <class T>
bool ready(const std::future<T>& f) {
    return f.valid() && f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

Result<ImportanceStats> compute(std::shared_ptr<const io::ModelIndex> model, size_t index,
                                std::shared_ptr<const io::Imatrix> imx, quant::QuantSpec a,
                                std::optional<quant::QuantSpec> b) {
    const io::TensorInfo& info = model->tensors[index];
    ImportanceStats st;
    st.tensor = info.name;
    std::vector<float> x(info.numel());
    QS_TRY(io::decode_tensor(*model, index, x));
    double sum_sq = 0;
    for (float v : x) sum_sq += double(v) * double(v);
    const auto importance = sensitivity::Importance::from_imatrix(*imx);
    auto w = importance.weight_for(info.name, info.shape, info.numel(), sum_sq);
    if (!w) return w.error();
    st.note = w->note;
    if (w->columns.empty()) return st;  // not covered: nothing to weight with
    st.n_mat = w->n_mat;
    const auto npr = size_t(w->n_per_row);
    st.columns.assign(npr, 0.0f);
    for (int64_t m = 0; m < w->n_mat; ++m)
        for (size_t j = 0; j < npr; ++j) st.columns[j] += w->columns[size_t(m) * npr + j] / float(w->n_mat);
    std::vector<float> sorted = st.columns;
    std::sort(sorted.begin(), sorted.end());
    st.col_max = sorted.empty() ? 0 : sorted.back();
    st.col_median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
    // sum_ij w_j: the weighted "error" of ones against zeros, with the same layout.
    const std::vector<float> ones(x.size(), 1.0f), zeros(x.size(), 0.0f);
    const double wsum = sensitivity::weighted_sq_error(*w, ones, zeros);
    auto metric = [&](const quant::QuantSpec& s) -> Result<ImportanceStats::Metric> {
        quant::QuantOptions qo;
        qo.hist_bins = 0;
        qo.keep_dequantized = true;
        qo.threads = 1;
        auto r = quant::quantize({x, info.shape, info.name}, s, qo);
        if (!r) return r.error();
        ImportanceStats::Metric m;
        m.spec = quant::to_text(s);
        m.mse = r->mse;
        m.weighted_mse = wsum > 0 ? sensitivity::weighted_sq_error(*w, x, r->dequantized) / wsum : 0.0;
        return m;
    };
    auto ma = metric(a);
    if (!ma) return ma.error();
    st.a = *ma;
    if (b) {
        auto mb = metric(*b);
        if (!mb) return mb.error();
        st.b = *mb;
    }
    return st;
}

}  // namespace

void ImatrixPanel::load(const std::string& path) {
    if (load_job_.valid()) return;  // one at a time
    load_error_.clear();
    path_input = path;
    load_job_ = std::async(std::launch::async, [path] { return io::open_imatrix(path); });
}

void ImatrixPanel::update(const AppState& app) {
    if (ready(load_job_)) {
        auto r = load_job_.get();
        if (r) {
            imatrix_ = std::make_shared<const io::Imatrix>(std::move(*r));
            key_.clear();  // recompute for the new file
            open = true;
        } else {
            load_error_ = r.message();
        }
    }
    if (ready(job_)) {
        auto r = job_.get();
        if (r) {
            stats_ = std::make_shared<const ImportanceStats>(std::move(*r));
            error_.clear();
        } else {
            stats_.reset();
            error_ = r.message();
        }
    }
    if (!imatrix_ || job_.valid()) return;
    const io::TensorInfo* info = app.selected_info();
    const OpenModel* m = app.find_model(app.selection.model);
    if (!info || !m || !m->index) {
        stats_.reset();
        key_.clear();
        return;
    }
    const std::string key = std::to_string(app.selection.model) + "/" + std::to_string(app.selection.tensor) + "/" +
                            quant::to_text(app.spec) + "/" + (app.pinned ? quant::to_text(*app.pinned) : "") + "/" +
                            imatrix_->path;
    if (key == key_) return;
    key_ = key;
    job_ = std::async(std::launch::async, compute, m->index, size_t(app.selection.tensor), imatrix_, app.spec,
                      app.pinned);
}

}  // namespace qs::app
