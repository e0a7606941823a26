// The frame loop; see app.hpp.
//
// [SECTION] start-up (platform, ImGui, controller, GPU)
// [SECTION] one frame
// [SECTION] captures (screenshots, PNG exports) and layout persistence
#include "app/ui/app.hpp"

#include "app/gfx/heatmap_renderer.hpp"
#include "app/platform/platform.hpp"
#include "app/state/controller.hpp"
#include "app/ui/fonts.hpp"
#include "app/ui/script_runner.hpp"
#include "app/ui/session_glue.hpp"
#include "app/views/anomaly_view.hpp"
#include "app/views/imatrix_view.hpp"
#include "app/views/sens_compare_view.hpp"
#include "app/views/sensitivity_view.hpp"
#include "app/views/session_view.hpp"
#include "app/views/views.hpp"
#include "core/quant/quantize.hpp"
#include "core/util/atomic_write.hpp"

#include <imgui.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qs::app {

namespace {

using Clock = std::chrono::steady_clock;

struct PendingCapture {
    CaptureRequest req;
    int frames_left = 0;  // menu-triggered exports wait for the menu to close
};

void write_sidecar(const std::string& png, const Image& img, const UiState& ui) {
    nlohmann::json j;
    j["width"] = img.width;
    j["height"] = img.height;
    for (int v = 0; v < int(ViewId::Count); ++v) {
        if (!ui.rects.drawn[size_t(v)]) continue;
        const ImVec2 a = ui.rects.min[size_t(v)], b = ui.rects.max[size_t(v)];
        j["views"][view_name(ViewId(v))] = {a.x, a.y, b.x - a.x, b.y - a.y};
    }
    if (ui.hist.has_frame) {
        const auto& r = ui.hist.frame.rect;
        j["histogram_plot"] = {r.Min.x, r.Min.y, r.GetWidth(), r.GetHeight()};
    }
    std::ofstream(png + ".json") << j.dump(1) << "\n";
}

std::string display_hint(const std::string& glfw_error) {
    const char* d = std::getenv("DISPLAY");
    return "quantscope: needs a display (DISPLAY=" + std::string(d && *d ? d : "unset") + ": " + glfw_error +
           "); run it on a desktop, under `xvfb-run -a quantscope ...`, render without X with "
           "`quantscope --render-png out.png FILE`, or use quantscope-cli";
}

bool load_ini(const std::filesystem::path& dir) {
    std::ifstream in(dir / "imgui.ini", std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    if (s.empty()) return false;
    ImGui::LoadIniSettingsFromMemory(s.data(), s.size());
    return true;
}

}  // namespace

int run_app(const AppOptions& opts) {
    // ---------------------------------------------------------------------------
    // [SECTION] start-up (platform, ImGui, controller, GPU)
    // ---------------------------------------------------------------------------
    std::vector<ScriptAction> actions;
    if (!opts.script.empty()) {
        std::ifstream in(opts.script, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "quantscope: cannot read the script %s\n", opts.script.c_str());
            return 2;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = parse_script(ss.str(), opts.vars, opts.script);
        if (!parsed) {
            std::fprintf(stderr, "quantscope: %s\n", parsed.message().c_str());
            return 2;
        }
        actions = std::move(*parsed);
    }
    std::string err;
    std::unique_ptr<Platform> plat =
        opts.headless ? make_egl_platform(opts.width, opts.height, err) : make_glfw_platform(opts.width, opts.height, err);
    if (!plat) {
        if (opts.headless) std::fprintf(stderr, "quantscope: headless rendering is unavailable: %s\n", err.c_str());
        else std::fprintf(stderr, "%s\n", display_hint(err).c_str());
        return 1;
    }
    const bool test_mode = !opts.script.empty() || opts.frames >= 0;

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // layout goes through the config folder, written atomically (or not at all in tests)
    io.ConfigWindowsMoveFromTitleBarOnly = true;
    if (!plat->init_imgui()) {
        std::fprintf(stderr, "quantscope: cannot initialise the OpenGL 3.3 renderer\n");
        ImGui::DestroyContext();
        return 1;
    }
    UiState ui;
    ui.pin_layout = test_mode;
    if (!opts.config_dir.empty() && load_ini(opts.config_dir)) ui.layout_reset = false;

    ControllerOptions co;
    co.quantize = workspace_quantize();
    co.config_dir = opts.config_dir;
    Controller ctl(co);
    Platform* p = plat.get();
    ctl.set_notify([p] { p->wake(); });
    SensitivityController sens;  // the Sensitivity window (issue 6): its own worker
    sens.set_notify([p] { p->wake(); });
    SensUi sens_ui;
    AnomalyController anom;  // the Anomalies window (issue 9): its own worker
    anom.set_notify([p] { p->wake(); });
    AnomalyUi anom_ui;
    SensCompareController cmp;  // Compare methods window (issue 9): its own worker
    cmp.set_notify([p] { p->wake(); });
    SensCompareUi cmp_ui;
    ImatrixPanel imx;  // the Importance (imatrix) window (issue 9)
    if (opts.ui_scale > 0) ctl.apply(intent::SetUiScale{opts.ui_scale});
    if (opts.theme) ctl.apply(intent::SetTheme{*opts.theme});
    for (const auto& f : opts.files) ctl.apply(intent::OpenFile{f});

    auto gpu = std::make_unique<HeatmapRenderer>();
    if (!gpu->init(ui.heat.gl_error)) {
        ctl.post(Message::Level::Error, "heatmaps are unavailable: " + ui.heat.gl_error);
        gpu.reset();
    }
    std::unique_ptr<ScriptRunner> runner;
    if (!opts.script.empty())
        runner = std::make_unique<ScriptRunner>(std::move(actions), std::filesystem::path(opts.script).parent_path());
    if (runner) runner->set_sensitivity(&sens, &sens_ui);
    if (runner) runner->set_anomalies(&anom, &anom_ui);
    if (runner) runner->set_sens_compare(&cmp);
    SessionGlue session(opts.config_dir, RestorePolicy(opts.restore_session), ctl, sens);  // autosave, restore
    session.start(ui);
    if (runner) runner->set_session(&session);
    if (runner) runner->set_imatrix(&imx);

    FontState fonts;
    float styled_px = 0;
    Theme styled_theme = Theme::Dark;
    std::vector<PendingCapture> captures;
    std::string title;
    int exit_code = 0;
    DialogRequest dialog;

    // ---------------------------------------------------------------------------
    // [SECTION] one frame
    // ---------------------------------------------------------------------------
    for (int frame = 0; !plat->should_close(); ++frame) {
        const auto t0 = Clock::now();
        const AppState& s = ctl.state();
        const bool idle = !test_mode && ctl.settled() && sens.settled() && anom.settled() && cmp.settled() &&
                          imx.settled() && !s.busy() && !sens.state().busy() && !anom.state().busy() && !cmp.state().busy() &&
                          captures.empty() && !ImGui::IsAnyMouseDown();
        plat->new_frame(idle ? 0.5 : 0.0);
        for (auto& f : plat->take_dropped_files()) ctl.apply(intent::OpenFile{f});

        // Fonts and style follow the UI scale, the screen's content scale and the theme.
        const float content = plat->content_scale();
        const float px = kBaseFontPx * s.settings.ui_scale * content;
        const bool rebuilt = ensure_font(fonts, px);
        if (rebuilt || styled_px != px || styled_theme != s.settings.theme) {
            apply_style(s.settings.theme, px / kBaseFontPx);
            styled_px = px;
            styled_theme = s.settings.theme;
        }
        if (test_mode) io.DeltaTime = 1.0f / 60.0f;  // deterministic animations and double-click timing
        if (runner) runner->before_frame(io);
        ImGui::NewFrame();

        const Palette pal = palette_for(s.settings.theme);
        const float top = ImGui::GetFrameHeight();
        const float bottom = ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y;
        const Layout layout = compute_layout(io.DisplaySize, top, bottom);
        ui.rects.drawn.fill(false);
        const ViewInput in{s, pal, layout, (ui.layout_reset || ui.pin_layout) ? ImGuiCond_Always : ImGuiCond_FirstUseEver,
                           &ui.rects, &dialog, ui.frame_ms, &anom.state()};
        Intents intents;
        SensIntents sens_intents;
        AnomalyIntents anom_intents;
        SensCompareIntents cmp_intents;
        draw_main_menu(in, ui, intents);
        handle_shortcuts(in, ui, intents);
        draw_model_browser(in, ui, intents);
        draw_spec_panel(in, ui.spec, intents);
        draw_histogram_view(in, ui.hist, intents);
        draw_error_view(in, ui.err, intents);
        draw_heatmap_view(in, ui.heat, gpu.get(), intents);
        draw_metrics_view(in, intents);
        draw_sweep_view(in, ui.sweep, intents);
        draw_sensitivity_view(in, sens.state(), sens_ui, sens_intents, intents);
        draw_anomaly_view(in, anom.state(), anom_ui, anom_intents, intents);
        draw_sens_compare_view(in, cmp.state(), cmp_ui, cmp_intents, intents);
        draw_imatrix_view(in, imx);
        draw_messages_view(in, intents);
        draw_status_bar(in, ui, intents);
        draw_file_changes(in, ui.session);
        draw_about(ui);
        draw_learn_windows(in, ui, intents);
        if (dialog.requested) {
            ui.file.open_requested = true;
            ui.file.purpose = dialog.purpose;
            ui.file.png_view = dialog.view;
            ui.file.name.clear();
            dialog = {};
        }
        draw_file_dialog(in, ui.file, intents);
        std::vector<CaptureRequest> script_caps;
        if (runner)
            runner->after_draw(s, ctl.settled() && sens.settled() && anom.settled() && cmp.settled() && imx.settled(),
                               ui, intents, script_caps);
        for (auto& c : script_caps) captures.push_back({std::move(c), 0});

        ImGui::Render();
        plat->render(ImGui::GetDrawData(), pal.clear);

        // -----------------------------------------------------------------------
        // [SECTION] captures (screenshots, PNG exports) and layout persistence
        // -----------------------------------------------------------------------
        const bool last = opts.frames >= 0 && frame + 1 >= opts.frames;
        if (last && !opts.screenshot.empty()) captures.push_back({{opts.screenshot, ViewId::Count, true}, 0});
        if (std::any_of(captures.begin(), captures.end(), [](const PendingCapture& c) { return c.frames_left == 0; })) {
            const Image img = plat->read_pixels();
            for (auto it = captures.begin(); it != captures.end();) {
                if (it->frames_left > 0) {
                    --it->frames_left;
                    ++it;
                    continue;
                }
                Image out = img;
                const ViewId v = it->req.view;
                if (v != ViewId::Count) {
                    const ImVec2 a = ui.rects.min[size_t(v)], b = ui.rects.max[size_t(v)];
                    out = crop(img, int(a.x), int(a.y), int(b.x - a.x), int(b.y - a.y));
                }
                if (v != ViewId::Count && !ui.rects.drawn[size_t(v)]) {
                    ctl.post(Message::Level::Warning, std::string("the ") + view_name(v) + " window is hidden: nothing to save");
                } else if (!write_png(it->req.path, out)) {
                    ctl.post(Message::Level::Error, "cannot write " + it->req.path);
                    if (runner) exit_code = 1;
                } else {
                    if (it->req.sidecar) write_sidecar(it->req.path, out, ui);
                    if (!runner && opts.frames < 0) ctl.post(Message::Level::Info, "wrote " + it->req.path);
                }
                it = captures.erase(it);
            }
        }
        plat->present();
        if (gpu) gpu->end_frame();

        // GUI-level intents; the rest go to the controller.
        ui.layout_reset = false;
        for (const auto& i : intents) {
            if (std::holds_alternative<intent::Quit>(i)) plat->request_close();
            else if (std::holds_alternative<intent::ResetLayout>(i)) ui.layout_reset = true;
            else if (auto* e = std::get_if<intent::ExportPng>(&i)) captures.push_back({{e->path, e->view, false}, 2});
        }
        ctl.apply(intents);
        ctl.update();
        sens.apply(sens_intents, ctl.state());
        sens.update(ctl.state());
        anom.apply(anom_intents, ctl.state());
        anom.update(ctl.state());
        cmp.apply(cmp_intents, ctl.state());
        cmp.update(ctl.state());
        session.frame(ui);
        imx.update(ctl.state());

        if (!opts.config_dir.empty() && io.WantSaveIniSettings) {
            size_t n = 0;
            const char* ini = ImGui::SaveIniSettingsToMemory(&n);
            session.set_ini(std::string(ini, n));
            if (auto st = write_file_atomic(opts.config_dir / "imgui.ini", std::string_view(ini, n)); !st)
                ctl.post(Message::Level::Warning, st.message());
            io.WantSaveIniSettings = false;
        }
        const OpenModel* shown = ctl.state().find_model(ctl.state().shown_model);
        const std::string t = shown ? "quantscope - " + std::filesystem::path(shown->path).filename().string() : "quantscope";
        if (t != title) plat->set_title(title = t);

        ui.frame_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (last) break;
        if (runner && runner->finished()) {
            exit_code = runner->exit_code();
            break;
        }
    }

    // Workers may still finish a job and wake the event loop: unhook them from
    // the window before it goes (the controllers themselves outlive this).
    ctl.set_notify({});
    sens.set_notify({});
    anom.set_notify({});
    cmp.shutdown();  // joins its job: nothing may call plat->wake() after plat.reset()
    session.shutdown(ui);  // a clean exit: the final state, and no crash marker left
    gpu.reset();  // GL objects go while the context is current
    plat->shutdown_imgui();
    ImGui::DestroyContext();
    plat.reset();
    return exit_code;
}

}  // namespace qs::app
