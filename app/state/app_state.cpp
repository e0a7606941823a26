// AppState helpers; see app_state.hpp.
#include "app/state/app_state.hpp"

namespace qs::app {

const char* view_name(ViewId v) {
    switch (v) {
        case ViewId::Models: return "Models";
        case ViewId::Spec: return "Spec";
        case ViewId::Histogram: return "Histogram";
        case ViewId::Error: return "Error";
        case ViewId::Heatmap: return "Heatmap";
        case ViewId::Metrics: return "Metrics";
        case ViewId::Sweep: return "Whole model";
        case ViewId::Messages: return "Messages";
        case ViewId::Sensitivity: return "Sensitivity";
        case ViewId::Anomalies: return "Anomalies";
        case ViewId::SensCompare: return "Compare methods";
        case ViewId::Count: break;
    }
    return "Window";
}

const OpenModel* AppState::find_model(ModelId id) const {
    for (const auto& m : models)
        if (m.id == id) return &m;
    return nullptr;
}

const io::TensorInfo* AppState::selected_info() const {
    if (!selection.valid()) return nullptr;
    const OpenModel* m = find_model(selection.model);
    if (!m || !m->index || selection.tensor >= int64_t(m->index->tensors.size())) return nullptr;
    return &m->index->tensors[size_t(selection.tensor)];
}

bool AppState::busy() const {
    for (const auto& m : models)
        if (m.state == OpenModel::State::Loading) return true;
    return a.status == JobStatus::Running || b.status == JobStatus::Running || heat_a.status == JobStatus::Running ||
           heat_b.status == JobStatus::Running || sweep.status == JobStatus::Running;
}

}  // namespace qs::app
