// What the GUI remembers between runs, under $XDG_CONFIG_HOME/quantscope/
// (or ~/.config/quantscope/): settings.json (UI scale, theme, histogram bins,
// recent files) and imgui.ini (window layout, written by app/ui). Files are
// written atomically; a missing or broken file means defaults, never a crash.
#pragma once

#include "app/state/intents.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace qs::app {

struct Settings {
    float ui_scale = 1.0f;          // multiplies the font size (and the window's content scale)
    Theme theme = Theme::Dark;
    int hist_bins = 256;
    std::vector<std::string> recent;  // most recent first
};

inline constexpr size_t kMaxRecent = 12;
inline constexpr float kMinUiScale = 0.5f, kMaxUiScale = 4.0f;

// Empty when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path default_config_dir();

// Defaults when the file is missing; an error (with defaults left in `out`) when it is unreadable.
Status load_settings(const std::filesystem::path& dir, Settings& out);
Status save_settings(const std::filesystem::path& dir, const Settings& s);

// Moves/inserts `path` to the front, keeping at most kMaxRecent.
void push_recent(std::vector<std::string>& recent, const std::string& path);

}  // namespace qs::app
