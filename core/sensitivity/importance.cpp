// Importance sources and the per-tensor error weighting (see importance.hpp).
#include "core/sensitivity/importance.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qs::sensitivity {

std::string_view source_name(Source s) {
    switch (s) {
        case Source::HessianTrace: return "hessian-trace";
        case Source::TracesJson: return "traces-json";
        case Source::Imatrix: return "imatrix";
        case Source::DataFree: return "data-free";
    }
    return "?";
}

Result<Source> parse_source(std::string_view name) {
    for (Source s : {Source::HessianTrace, Source::TracesJson, Source::Imatrix, Source::DataFree})
        if (source_name(s) == name) return s;
    return make_error("unknown sensitivity source '{}' (hessian-trace, traces-json, imatrix, data-free)", name);
}

std::string_view source_trust(Source s) {
    switch (s) {
        case Source::HessianTrace:
            return "Hessian traces of this model's own loss (HAWQ-v2): the best proxy here; error bars show the "
                   "estimate's spread.";
        case Source::TracesJson:
            return "Hessian traces computed elsewhere: as good as the run that made them.";
        case Source::Imatrix:
            return "Activation statistics from calibration text (llama.cpp imatrix): weighs each column by how "
                   "strongly it is used; ignores interactions between layers.";
        case Source::DataFree:
            return "No data: relative weight error times parameter share. A rough guide; it cannot tell a "
                   "sensitive layer from a robust one of the same size.";
    }
    return "";
}

Importance Importance::data_free(uint64_t quantized_params_total) {
    Importance i;
    i.source_ = Source::DataFree;
    i.total_ = quantized_params_total;
    return i;
}

Importance Importance::from_traces(const TraceTable& traces, Source s) {
    Importance i;
    i.source_ = s;
    i.traces_ = &traces;
    return i;
}

Importance Importance::from_imatrix(const io::Imatrix& imatrix) {
    Importance i;
    i.source_ = Source::Imatrix;
    i.imatrix_ = &imatrix;
    std::vector<double> means;
    for (const auto& e : imatrix.entries) {
        if (e.importance.empty()) continue;
        double s = 0;
        for (float v : e.importance) s += v;
        means.push_back(s / double(e.importance.size()));
    }
    if (!means.empty()) {
        std::nth_element(means.begin(), means.begin() + means.size() / 2, means.end());
        i.median_importance_ = means[means.size() / 2];
    }
    return i;
}

Result<TensorWeight> Importance::weight_for(std::string_view name, std::span<const int64_t> shape, uint64_t numel,
                                            double sum_sq) const {
    TensorWeight w;
    switch (source_) {
        case Source::DataFree: {
            const double share = total_ ? double(numel) / double(total_) : 0.0;
            w.scale = sum_sq > 0 ? share / sum_sq : 0.0;
            w.score = share;
            if (sum_sq <= 0) w.note = "all-zero tensor: no relative error";
            return w;
        }
        case Source::HessianTrace:
        case Source::TracesJson: {
            auto it = traces_->tensors.find(name);
            if (it == traces_->tensors.end())
                return make_error("tensor '{}': not in the traces file (it lists {} tensors)", name,
                                  traces_->tensors.size());
            const TensorTrace& t = it->second;
            if (t.numel && t.numel != numel)
                return make_error("tensor '{}': the traces file says {} elements, the model has {}", name, t.numel,
                                  numel);
            w.scale = t.mean_diagonal(numel);
            w.score = w.scale;
            w.score_se = numel ? t.std_error / double(numel) : 0.0;
            if (!t.converged) w.note = "trace estimate did not converge";
            if (w.scale < 0) w.note = "negative trace (non-convex point): cost clamped to 0";
            w.scale = std::max(0.0, w.scale);
            return w;
        }
        case Source::Imatrix: {
            const io::ImatrixEntry* e = imatrix_->find(name);
            if (!e) {
                w.scale = median_importance_;
                w.score = median_importance_;
                w.note = "not in the imatrix: median importance of the covered tensors used";
                return w;
            }
            const int64_t cols = shape.empty() ? 1 : shape.back();
            if (cols != e->n_per_row || e->n_per_row <= 0 || e->n_mat <= 0 ||
                numel % uint64_t(e->n_per_row * e->n_mat) != 0)
                return make_error("tensor '{}': imatrix entry has {} columns x {} matrices, the tensor's shape does "
                                  "not fit it",
                                  name, e->n_per_row, e->n_mat);
            w.columns = e->importance;
            w.n_per_row = e->n_per_row;
            w.n_mat = e->n_mat;
            double s = 0;
            for (float v : e->importance) s += v;
            w.score = e->importance.empty() ? 0.0 : s / double(e->importance.size());
            w.scale = 1.0;
            return w;
        }
    }
    return make_error("unreachable");
}

double weighted_sq_error(const TensorWeight& w, std::span<const float> x, std::span<const float> xq) {
    const size_t n = std::min(x.size(), xq.size());
    if (w.columns.empty()) {
        double s = 0;
        for (size_t i = 0; i < n; ++i) {
            if (!std::isfinite(x[i])) continue;
            const double d = double(x[i]) - double(xq[i]);
            s += d * d;
        }
        return w.scale * s;
    }
    const size_t cols = size_t(w.n_per_row);
    const size_t per_mat = n / size_t(w.n_mat);  // elements per matrix
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) continue;
        const size_t m = per_mat ? i / per_mat : 0;
        const double d = double(x[i]) - double(xq[i]);
        s += double(w.columns[m * cols + i % cols]) * d * d;
    }
    return w.scale * s;
}

}  // namespace qs::sensitivity
