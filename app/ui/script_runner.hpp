// Executes a parsed --script (app/script/script.hpp) inside the real frame
// loop, one action per frame: it feeds mouse and keys through ImGuiIO before
// NewFrame (so widgets are exercised as a user would), appends intents after
// the views drew, asks for screenshots, and checks asserts against AppState.
// Multi-frame actions (wait, drag_clip, key, click, bench_bits) keep their
// progress here.
#pragma once

#include "app/script/script.hpp"
#include "app/state/app_state.hpp"
#include "app/ui/ui_state.hpp"

#include <imgui.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace qs::app {

class SensitivityController;
class SensCompareController;
class SessionGlue;
class ImatrixPanel;
struct SensUi;
class AnomalyController;
struct AnomalyUi;

struct CaptureRequest {
    std::string path;
    ViewId view = ViewId::Count;  // Count = the whole frame
    bool sidecar = false;         // also write PATH.json with window and plot rectangles
};

class ScriptRunner {
public:
    ScriptRunner(std::vector<ScriptAction> actions, std::filesystem::path base_dir);
    void before_frame(ImGuiIO& io);
    // After the views drew this frame. `settled`: the controller has nothing in flight.
    void after_draw(const AppState& s, bool settled, const UiState& ui, Intents& out, std::vector<CaptureRequest>& caps);
    // The Sensitivity window's controller and UI state, for the `sens` actions (script_sens.cpp).
    void set_sensitivity(SensitivityController* c, const SensUi* ui) {
        sens_ = c;
        sens_ui_ = ui;
    }
    // The Anomalies window's, for the `anomaly` actions (script_anomaly.cpp).
    void set_anomalies(AnomalyController* c, const AnomalyUi* ui) {
        anom_ = c;
        anom_ui_ = ui;
    }
    // The Compare methods window's controller, for the `scmp` actions (script_sens_compare.cpp).
    void set_sens_compare(SensCompareController* c) { cmp_ = c; }
    // The session (app/ui/session_glue.hpp), for the `session` actions (script_session.cpp).
    void set_session(SessionGlue* s) { session_ = s; }
    void set_imatrix(ImatrixPanel* p) { imx_ = p; }  // the `imatrix PATH` action
    bool finished() const { return done_; }
    int exit_code() const { return failed_ ? 1 : 0; }

private:
    void fail(const std::string& why);
    void next();
    std::string resolve(const std::string& path) const;
    void run_assert(const ScriptAction& a, const AppState& s);
    void bench(const ScriptAction& a, const AppState& s, bool settled, Intents& out);
    void sens_action(const ScriptAction& a, const AppState& s);
    void anomaly_action(const ScriptAction& a, const AppState& s);
    AnomalyController* anom_ = nullptr;
    const AnomalyUi* anom_ui_ = nullptr;
    void sens_compare_action(const ScriptAction& a, const AppState& s);
    void session_action(const ScriptAction& a, const AppState& s, const UiState& ui);
    void file_action(const ScriptAction& a);

    SensitivityController* sens_ = nullptr;
    const SensUi* sens_ui_ = nullptr;
    SensCompareController* cmp_ = nullptr;
    SessionGlue* session_ = nullptr;
    ImatrixPanel* imx_ = nullptr;

    std::vector<ScriptAction> actions_;
    std::filesystem::path base_;
    size_t pc_ = 0;
    int step_ = 0;
    bool done_ = false, failed_ = false;
    std::chrono::steady_clock::time_point action_start_{};
    std::chrono::steady_clock::time_point last_frame_{};
    // Input fed to ImGui.
    ImVec2 mouse_{-FLT_MAX, -FLT_MAX};
    bool down_ = false;
    int key_ = -1;
    bool ctrl_ = false, shift_ = false, alt_ = false;
    // drag_clip
    float drag_from_ = 0, drag_to_ = 0, drag_y_ = 0;
    // wait
    int settled_frames_ = 0;
    // bench_bits
    struct Bench {
        std::vector<int> seq;
        size_t i = 0;
        int phase = 0;
        std::vector<double> frame_ms, latency_ms, latency_frames, quantize_ms;
        std::chrono::steady_clock::time_point requested{};
        int frames_waited = 0;
        double clip_hi = 0;
        uint64_t gesture = 0;
    } bench_;
};

}  // namespace qs::app
