// The session in the frame loop: at start it takes the session lock and, if the
// last run did not exit cleanly (or --restore-session asks), restores the saved
// session, ImGui layout included; each frame it feeds the autosave, restores step
// by step as models load, serves File > Restore last session and Reopen, and
// checks once a second whether an open model's file changed on disk. At a clean
// exit it writes the final state and removes the lock. Policy: see docs/reliability.md.
#pragma once

#include "app/state/controller.hpp"
#include "app/state/sensitivity.hpp"
#include "app/state/session_restore.hpp"
#include "app/state/session_store.hpp"
#include "app/ui/ui_state.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace qs::app {

enum class RestorePolicy : int8_t { Never = -1, AfterCrash = 0, Always = 1 };

class SessionGlue {
public:
    SessionGlue(std::filesystem::path config_dir, RestorePolicy policy, Controller& ctl, SensitivityController& sens);
    // Before the first frame (the ImGui context exists: the layout is loaded here).
    void start(UiState& ui);
    // After the controllers' update, once per frame.
    void frame(UiState& ui);
    // ImGui asked to save its layout: the session carries it too.
    void set_ini(std::string ini) { ini_ = std::move(ini); }
    // Clean exit.
    void shutdown(const UiState& ui);

    // For scripts (app/ui/script_session.cpp).
    bool active() const { return store_ && store_->active(); }
    bool saved_current() const { return store_ && store_->saved_current(); }
    bool restoring() const { return !restorer_.done() || !reselect_.done; }
    bool crashed() const { return startup_.crashed; }
    bool restored() const { return restored_; }
    Session current(const UiState& ui) const;
    void request_restore() { restore_asked_ = true; }  // as File > Restore last session

private:
    void restore(const Session& s, UiState& ui, bool with_layout);
    void check_files(UiState& ui);

    Controller& ctl_;
    SensitivityController& sens_;
    RestorePolicy policy_;
    std::unique_ptr<SessionStore> store_;
    SessionStartup startup_;
    SessionRestorer restorer_;
    PendingSelection reselect_;         // Reopen
    bool restored_ = false;
    bool restore_asked_ = false;
    bool restoring_marked_ = false;
    std::string ini_;
    std::chrono::steady_clock::time_point next_check_{};
    JobStatus last_a_ = JobStatus::Empty;
};

}  // namespace qs::app
