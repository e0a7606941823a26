// quantscope: the GUI's entry point. Parses the command line and runs the app
// (app/ui/app.cpp); everything else lives in app/ui, app/views, app/state.
//
//   quantscope [FILE...]                     interactive
//   quantscope --render-png out.png [FILE]   render without X (EGL), write a PNG, exit
//   quantscope --script test.qs [--var K=V]  scripted run (tests, demos); exit code = result
#include "app/ui/app.hpp"
#include "app/state/settings.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kUsage =
    "usage: quantscope [FILE...] [options]\n"
    "  FILE...                 models to open (safetensors, GGUF, ONNX, PyTorch, .npy/.npz)\n"
    "  --size WxH              window size (default 1280x800)\n"
    "  --scale F               UI scale (text size), e.g. 1.5 for a projector\n"
    "  --theme dark|light\n"
    "  --script FILE           run a test/demo script (see app/script/script.hpp)\n"
    "  --var NAME=VALUE        a ${NAME} for the script\n"
    "  --frames N              run N frames, then exit\n"
    "  --screenshot PNG        with --frames: save the last frame\n"
    "  --render-png PNG        render headless (EGL, no X server) and save a PNG (implies --frames 30)\n"
    "  --headless              use the EGL headless backend (no X server)\n"
    "  --restore-session       restore the last session (by default only after a crash)\n"
    "  --no-restore-session    do not restore it, even after a crash\n"
    "  --config-dir DIR        where settings, recent files, the layout and the session live\n"
    "                          (default $XDG_CONFIG_HOME/quantscope; none in --script/--frames runs)\n";

bool parse_size(const char* s, int& w, int& h) { return std::sscanf(s, "%dx%d", &w, &h) == 2 && w >= 320 && h >= 240; }

}  // namespace

int main(int argc, char** argv) {
    qs::app::AppOptions o;
    bool config_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "quantscope: %s needs a value\n%s", a.c_str(), kUsage);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            std::printf("%s", kUsage);
            return 0;
        } else if (a == "--frames") {
            o.frames = std::atoi(value());
        } else if (a == "--screenshot") {
            o.screenshot = value();
        } else if (a == "--render-png") {
            o.screenshot = value();
            o.headless = true;
            if (o.frames < 0) o.frames = 30;
        } else if (a == "--headless") {
            o.headless = true;
        } else if (a == "--script") {
            o.script = value();
        } else if (a == "--var") {
            const std::string kv = value();
            const auto eq = kv.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "quantscope: --var wants NAME=VALUE, got %s\n", kv.c_str());
                return 2;
            }
            o.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else if (a == "--size") {
            if (!parse_size(value(), o.width, o.height)) {
                std::fprintf(stderr, "quantscope: --size wants WxH (at least 320x240)\n");
                return 2;
            }
        } else if (a == "--scale") {
            o.ui_scale = float(std::atof(value()));
        } else if (a == "--theme") {
            const std::string t = value();
            o.theme = t == "light" ? qs::app::Theme::Light : qs::app::Theme::Dark;
        } else if (a == "--restore-session" || a == "--no-restore-session") {
            o.restore_session = a == "--restore-session" ? 1 : -1;
        } else if (a == "--config-dir") {
            o.config_dir = value();
            config_given = true;
        } else if (a.size() > 1 && a[0] == '-' && a != "-") {
            std::fprintf(stderr, "quantscope: unknown option %s\n%s", a.c_str(), kUsage);
            return 2;
        } else {
            o.files.push_back(a);
        }
    }
    // Test runs are hermetic: no settings, recent files or layout unless asked for.
    const bool test_mode = !o.script.empty() || o.frames >= 0;
    if (!config_given && !test_mode) o.config_dir = qs::app::default_config_dir();
    return qs::app::run_app(o);
}
