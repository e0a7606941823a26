// Restoring a session step by step as models load; see session_restore.hpp.
#include "app/state/session_restore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace qs::app {

namespace {

const OpenModel* by_path(const AppState& s, const std::string& path) {
    for (const auto& m : s.models)
        if (m.path == path) return &m;
    return nullptr;
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

bool PendingSelection::update(Controller& ctl) {
    if (done) return true;
    const OpenModel* m = by_path(ctl.state(), path);
    if (!m || m->state == OpenModel::State::Failed) return done = true;  // not reopened / its error is posted
    if (m->state == OpenModel::State::Loading) return false;
    if (!tensor.empty()) {
        const int64_t i = m->index->find(tensor);
        if (i >= 0) ctl.apply(intent::SelectTensor{m->id, i});
        else ctl.post(Message::Level::Warning, fmt::format("{} has no tensor '{}' any more", file_name(path), tensor));
    }
    return done = true;
}

void SessionRestorer::begin(const Session& s, Controller& ctl, SensitivityController& sens) {
    report_.clear();
    auto say = [&](Message::Level l, std::string text) {
        report_.push_back(text);
        ctl.post(l, std::move(text));
    };
    std::vector<std::string> opened;
    for (const auto& f : s.models) {
        const auto now = stat_session_file(f.path);
        if (!now) {
            say(Message::Level::Warning, fmt::format("session: {} no longer exists; not reopened", f.path));
            continue;
        }
        if ((f.size != 0 && now->size != f.size) || (f.mtime_ns != 0 && now->mtime_ns != f.mtime_ns))
            say(Message::Level::Warning,
                fmt::format("session: {} changed on disk since the session was saved ({} bytes then, {} now); "
                            "opened as it is now",
                            f.path, f.size, now->size));
        ctl.apply(intent::OpenFile{f.path});
        opened.push_back(f.path);
    }
    auto was_opened = [&](const std::string& p) { return std::find(opened.begin(), opened.end(), p) != opened.end(); };

    ctl.restore_specs(s.spec, s.pinned);
    ctl.apply(intent::SetHeatmapKind{s.heatmap_kind});
    for (int v = 0; v < int(ViewId::Count); ++v) ctl.apply(intent::ShowView{ViewId(v), s.show[size_t(v)]});

    const AppState& app = ctl.state();
    sens.apply(sens::SetSource{s.sens.source, s.sens.source_path}, app);
    sens.apply(sens::SetCandidates{s.sens.candidates}, app);
    sens.apply(sens::SetHutchinson{s.sens.seed, s.sens.tol, s.sens.max_iter}, app);
    sens.apply(sens::SetBudget{s.sens.budget_bpw}, app);
    sens.apply(sens::ClearPins{}, app);
    for (const auto& [t, l] : s.sens.pins) sens.apply(sens::Pin{t, l}, app);

    select_ = {};
    if (!s.selected_model.empty() && was_opened(s.selected_model))
        select_ = PendingSelection{s.selected_model, s.selected_tensor, false};
    shown_path_ = was_opened(s.shown_model) ? s.shown_model : std::string();
    plan_model_.clear();
    if (!s.sens.plan_model.empty()) {
        if (was_opened(s.sens.plan_model)) plan_model_ = s.sens.plan_model;
        else if (!s.last_plan.is_null())
            say(Message::Level::Warning, "session: the last plan's model is gone; the plan is kept in session.json "
                                         "(sensitivity.last_plan) but not recomputed");
    }
    active_ = true;
    update(ctl, sens);
}

void SessionRestorer::update(Controller& ctl, SensitivityController& sens) {
    if (!active_) return;
    const AppState& app = ctl.state();
    const bool loading = std::any_of(app.models.begin(), app.models.end(),
                                     [](const OpenModel& m) { return m.state == OpenModel::State::Loading; });
    const bool selected = select_.update(ctl);
    if (!plan_model_.empty()) {
        const OpenModel* m = by_path(app, plan_model_);
        if (!m || m->state == OpenModel::State::Failed) {
            plan_model_.clear();
        } else if (m->state == OpenModel::State::Ready) {
            sens.apply(sens::Compute{m->id}, app);
            plan_model_.clear();
        }
    }
    if (!loading && selected && plan_model_.empty()) {
        // The saved tab last: selecting a tensor shows its model.
        if (const OpenModel* m = by_path(app, shown_path_)) ctl.apply(intent::ShowModel{m->id});
        active_ = false;
    }
}

void reopen_model(ModelId id, Controller& ctl, PendingSelection& select) {
    const AppState& s = ctl.state();
    const OpenModel* m = s.find_model(id);
    if (!m) return;
    const std::string path = m->path;
    std::string tensor;
    if (s.selection.model == id)
        if (const io::TensorInfo* t = s.selected_info()) tensor = t->name;
    ctl.apply(intent::CloseModel{id});
    ctl.apply(intent::OpenFile{path});
    select = PendingSelection{path, tensor, tensor.empty()};
    ctl.post(Message::Level::Info, "reopened " + file_name(path));
}

}  // namespace qs::app
