// The session: what a user would lose if the app died now. Open files (with their
// size and mtime, to tell later whether they changed), the selected tensor (by
// model path and tensor name, stable across runs), the spec (A) and the pinned
// spec (B), open windows and lessons, the Sensitivity window's inputs and pins and
// the last plan, and ImGui's layout string. Plain data plus JSON; app/state/
// session_store.* saves it, app/state/session_restore.* applies it. No GL, no ImGui.
#pragma once

#include "app/state/app_state.hpp"
#include "app/state/sensitivity.hpp"
#include "core/quant/spec.hpp"
#include "core/util/result.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

// "quantscope_session": N in the file. Newer files are read for what this version knows.
inline constexpr int kSessionVersion = 1;
inline constexpr size_t kMaxSessionModels = 64;
inline constexpr size_t kMaxSessionPins = 100000;
inline constexpr size_t kMaxSessionLessons = 32;

struct SessionFile {
    std::string path;       // as the controller keeps it (absolute, normalised)
    uint64_t size = 0;      // of the file (or the first shard) when saved; 0 if unknown
    int64_t mtime_ns = 0;
    bool operator==(const SessionFile&) const = default;
};

struct SessionSens {
    SensSource source = SensSource::Auto;
    std::string source_path;
    std::string candidates = SensState{}.candidates;
    uint64_t seed = 1;
    double tol = 0.05;
    int max_iter = 300;
    double budget_bpw = 4.5;
    std::map<std::string, std::string> pins;  // tensor name -> candidate label
    std::string plan_model;                   // the model a plan was computed for; empty: none
    bool operator==(const SessionSens&) const = default;
};

struct Session {
    std::vector<SessionFile> models;          // open (or loading) models, in tab order
    std::string shown_model;                  // the active tab's path
    std::string selected_model, selected_tensor;
    quant::QuantSpec spec;
    std::optional<quant::QuantSpec> pinned;
    HeatmapKind heatmap_kind = HeatmapKind::Weights;
    std::array<bool, size_t(ViewId::Count)> show{};
    std::vector<int> lessons_open;            // indices into the Learn menu
    SessionSens sens;
    std::string imgui_ini;                    // ImGui's layout (SaveIniSettingsToMemory)
    // Filled only when written (copying a plan every frame to detect changes would
    // be waste; the plan follows from `sens` and the model, which are compared).
    nlohmann::json last_plan;                 // the PlanDocument as plan_to_json, or null
    bool operator==(const Session&) const = default;
};

// What the app shows now. `learn_open` and `ini` come from the GUI layer.
Session capture_session(const AppState& app, const SensState& sens, const bool* learn_open, size_t n_learn,
                        const std::string& ini);
// The last plan of the Sensitivity window as JSON (null without one).
nlohmann::json capture_last_plan(const SensState& sens);

// `saved_at`: an ISO 8601 time or empty (left out: dumps for tests compare equal).
nlohmann::ordered_json session_to_json(const Session& s, const std::string& saved_at = {});
std::string session_json_text(const Session& s, const std::string& saved_at = {});

struct SessionLoad {
    Session session;
    std::string saved_at;
    std::vector<std::string> warnings;  // fields that were wrong and took their defaults
};
// Defensive: an error only when the text is not a session at all (not JSON, not an
// object, no version); any wrong field takes its default and adds a warning.
// `source` names the file in messages.
Result<SessionLoad> parse_session(std::string_view text, const std::string& source = "session.json");

// Size and mtime of the file (or folder) now; nullopt when it does not exist.
std::optional<SessionFile> stat_session_file(const std::string& path);

const char* sens_source_key(SensSource s);  // "auto", "demo", "imatrix", "traces", "data-free"

}  // namespace qs::app
