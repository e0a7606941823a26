// The app shell: owns the platform, the ImGui context, the Controller and the
// GPU resources, and runs the frame loop: events -> views (intents) -> render
// -> captures -> apply intents -> deliver worker results. app/main.cpp only
// parses arguments and calls run_app().
#pragma once

#include "app/script/script.hpp"
#include "app/state/intents.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qs::app {

struct AppOptions {
    std::vector<std::string> files;       // opened at start
    int width = 1280, height = 800;       // window / framebuffer size
    bool headless = false;                // EGL surfaceless + FBO: no X server needed
    int frames = -1;                      // run this many frames, then exit (-1: until closed)
    std::string screenshot;               // PNG of the last frame (with frames)
    std::string script;                   // --script FILE
    ScriptVars vars;                      // --var NAME=VALUE for the script
    std::filesystem::path config_dir;     // settings, recent files, imgui.ini; empty: nothing read or written
    float ui_scale = 0.0f;                // > 0: override the saved UI scale
    std::optional<Theme> theme;
    int restore_session = 0;              // 1 always, -1 never, 0 after a crash (app/ui/session_glue.hpp)
};

int run_app(const AppOptions& opts);

}  // namespace qs::app
