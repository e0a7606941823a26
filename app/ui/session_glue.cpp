// The session in the frame loop; see session_glue.hpp.
#include "app/ui/session_glue.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace qs::app {

namespace {

std::string describe(const Session& s) {
    return fmt::format("{} model{}{}", s.models.size(), s.models.size() == 1 ? "" : "s",
                       s.selected_tensor.empty() ? "" : ", tensor " + s.selected_tensor);
}

}  // namespace

SessionGlue::SessionGlue(std::filesystem::path config_dir, RestorePolicy policy, Controller& ctl,
                         SensitivityController& sens)
    : ctl_(ctl), sens_(sens), policy_(policy) {
    if (!config_dir.empty()) store_ = std::make_unique<SessionStore>(std::move(config_dir));
}

Session SessionGlue::current(const UiState& ui) const {
    return capture_session(ctl_.state(), sens_.state(), ui.learn_open.data(), ui.learn_open.size(), ini_);
}

void SessionGlue::start(UiState& ui) {
    if (!store_) return;
    startup_ = store_->start();
    if (startup_.other_instance) {
        ctl_.post(Message::Level::Info, "another quantscope is running with this config folder; "
                                        "this window's session is not saved");
        return;
    }
    if (!startup_.error.empty()) ctl_.post(Message::Level::Warning, startup_.error + "; starting without it");
    if (!startup_.previous) return;
    const SessionLoad& prev = *startup_.previous;
    const std::string when = prev.saved_at.empty() ? "" : " (saved " + prev.saved_at + ")";
    if (startup_.crashed_restoring && policy_ != RestorePolicy::Always) {
        ctl_.post(Message::Level::Warning,
                  "the last run ended while restoring its session; not restoring it again (File > Restore last session)");
    } else if ((startup_.crashed && policy_ != RestorePolicy::Never) || policy_ == RestorePolicy::Always) {
        restore(prev.session, ui, true);
        ctl_.post(Message::Level::Info,
                  fmt::format("{} the session{}: {}", startup_.crashed ? "the last run did not exit cleanly; restored"
                                                                       : "restored",
                              when, describe(prev.session)));
        return;
    }
    ui.session.can_restore = true;
    ui.session.saved_at = prev.saved_at;
}

void SessionGlue::restore(const Session& s, UiState& ui, bool with_layout) {
    if (startup_.previous)
        for (const auto& w : startup_.previous->warnings) ctl_.post(Message::Level::Warning, "session: " + w);
    if (store_) store_->set_restoring(true);
    restoring_marked_ = true;
    // The layout applies to windows not created yet: only at start.
    if (with_layout && !s.imgui_ini.empty()) {
        ImGui::LoadIniSettingsFromMemory(s.imgui_ini.data(), s.imgui_ini.size());
        ini_ = s.imgui_ini;
        ui.layout_reset = false;
    }
    for (int i : s.lessons_open)
        if (size_t(i) < ui.learn_open.size()) ui.learn_open[size_t(i)] = true;
    restorer_.begin(s, ctl_, sens_);
    restored_ = true;
    ui.session.can_restore = false;
}

void SessionGlue::check_files(UiState& ui) {
    const AppState& s = ctl_.state();
    auto& changed = ui.session.changed;
    std::erase_if(changed, [&](const SessionUi::Changed& c) { return !s.find_model(c.model); });
    for (const auto& m : s.models) {
        if (m.state != OpenModel::State::Ready || !m.index) continue;
        auto it = std::find_if(changed.begin(), changed.end(), [&](const auto& c) { return c.model == m.id; });
        if (it != changed.end()) continue;  // reported once, until reopened or closed
        for (const auto& f : m.index->files) {
            if (auto st = f->check_unchanged(); !st) {
                changed.push_back({m.id, st.message(), false});
                ctl_.post(Message::Level::Error, st.message());
                break;
            }
        }
    }
}

void SessionGlue::frame(UiState& ui) {
    const auto now = std::chrono::steady_clock::now();
    restorer_.update(ctl_, sens_);
    reselect_.update(ctl_);
    if (restoring_marked_ && restorer_.done()) {
        if (store_) store_->set_restoring(false);
        restoring_marked_ = false;
    }
    if (ui.session.restore_requested || restore_asked_) {
        ui.session.restore_requested = restore_asked_ = false;
        if (startup_.previous && !restored_) {
            restore(startup_.previous->session, ui, false);
            ctl_.post(Message::Level::Info, "restored the last session: " + describe(startup_.previous->session));
        }
    }
    if (ui.session.reopen_requested) {
        const ModelId id = ui.session.reopen_requested;
        ui.session.reopen_requested = 0;
        std::erase_if(ui.session.changed, [&](const auto& c) { return c.model == id; });
        reopen_model(id, ctl_, reselect_);
    }
    // A failed decode is often a file changed underneath: look at once, not in a second.
    const JobStatus a = ctl_.state().a.status;
    if (now >= next_check_ || (a == JobStatus::Failed && last_a_ != JobStatus::Failed)) {
        check_files(ui);
        next_check_ = now + std::chrono::seconds(1);
    }
    last_a_ = a;

    if (!store_ || !store_->active()) return;
    // Not while a restore is under way: half-restored states would only churn the file.
    if (restorer_.done()) {
        const SensitivityController* sens = &sens_;
        store_->note(current(ui), now, [sens] { return capture_last_plan(sens->state()); });
    }
    for (auto& e : store_->take_errors()) ctl_.post(Message::Level::Warning, std::move(e));
}

void SessionGlue::shutdown(const UiState& ui) {
    if (!store_) return;
    const SensitivityController* sens = &sens_;
    if (auto st = store_->close_clean(current(ui), [sens] { return capture_last_plan(sens->state()); }); !st)
        std::fprintf(stderr, "quantscope: the session was not saved: %s\n", st.message().c_str());
}

}  // namespace qs::app
