// The main menu bar: File (open, recent, close, export), Edit (undo, redo,
// presets), View (windows, theme, UI scale, layout), Compare (A/B), Model
// (whole-model sweep), Learn (lesson windows, registered in kLessons below), Help.
#include "app/views/views.hpp"

#include "app/lessons/lesson_hooks.hpp"
#include "app/state/spec_fields.hpp"

#include <filesystem>
#include <vector>

namespace qs::app {

namespace {

// ---- Learn menu: one line per lesson window. A lesson is a function drawing its
// own window (ImGui::Begin(title, open) ... End()); it reads AppState through `in`
// and may push intents (e.g. SetSpec to demonstrate a scheme on the open tensor).
// Declare it here (or in a header under app/learn/) and add {title, function} below.
using LessonFn = void (*)(const ViewInput& in, bool* open, Intents& out);
struct Lesson {
    const char* title;
    LessonFn draw;
};

const std::vector<Lesson>& lessons() {
    static const std::vector<Lesson> all = {
        {"1. Number formats", draw_lesson_formats},
        {"2. Scale and zero point", draw_lesson_scale},
        {"3. Symmetric vs asymmetric", draw_lesson_symmetric},
        {"4. Clipping vs rounding error", draw_lesson_clipping},
        {"5. Rounding modes", draw_lesson_rounding},
        {"6. Granularity", draw_lesson_granularity},
        {"7. Non-uniform grids", draw_lesson_nonuniform},
        {"8. Outliers", draw_lesson_outliers},
        {"9. Mixed precision (Hessian)", draw_lesson_mixed},
        {"10. Why quantize: memory and energy", draw_lesson_why},
        {"Demo model: live accuracy", draw_lesson_accuracy},
        {"Demo model: PTQ vs QAT", draw_lesson_qat},
    };
    return all;
}

}  // namespace

void draw_learn_windows(const ViewInput& in, UiState& ui, Intents& out) {
    const auto& ls = lessons();
    for (size_t i = 0; i < ls.size() && i < ui.learn_open.size(); ++i)
        if (ui.learn_open[i]) ls[i].draw(in, &ui.learn_open[i], out);
}

void draw_main_menu(const ViewInput& in, UiState& ui, Intents& out) {
    if (!ImGui::BeginMainMenuBar()) return;
    const AppState& s = in.s;
    const bool have_result = s.a.value != nullptr;
    if (ImGui::BeginMenu("File")) {
        if (ImGui::MenuItem("Open...", "Ctrl+O")) in.dialog->ask(DialogPurpose::OpenModel);
        if (ImGui::BeginMenu("Open recent", !s.settings.recent.empty())) {
            for (const auto& r : s.settings.recent)
                if (ImGui::MenuItem(r.c_str())) out.push_back(intent::OpenFile{r});
            ImGui::Separator();
            if (ImGui::MenuItem("Clear the list")) out.push_back(intent::ClearRecent{});
            ImGui::EndMenu();
        }
        if (ImGui::MenuItem("Close model", nullptr, false, s.shown_model != 0))
            out.push_back(intent::CloseModel{s.shown_model});
        if (ImGui::MenuItem("Restore last session", nullptr, false, ui.session.can_restore))
            ui.session.restore_requested = true;
        if (ui.session.can_restore && !ui.session.saved_at.empty()) help_tooltip(("saved " + ui.session.saved_at).c_str());
        ImGui::Separator();
        if (ImGui::BeginMenu("Export")) {
            if (ImGui::MenuItem("Histogram as CSV...", nullptr, false, have_result)) in.dialog->ask(DialogPurpose::CsvHistogram);
            if (ImGui::MenuItem("Per-group data as CSV...", nullptr, false, have_result)) in.dialog->ask(DialogPurpose::CsvGroups);
            if (ImGui::MenuItem("Metrics as CSV...", nullptr, false, have_result)) in.dialog->ask(DialogPurpose::CsvMetrics);
            if (ImGui::MenuItem("Whole-model table as CSV...", nullptr, false, s.sweep.value != nullptr))
                in.dialog->ask(DialogPurpose::CsvSweep);
            if (ImGui::MenuItem("Spec as JSON...")) in.dialog->ask(DialogPurpose::SpecJson);
            ImGui::Separator();
            if (ImGui::MenuItem("PNG of the window...")) in.dialog->ask(DialogPurpose::Png, ViewId::Count);
            for (int v = 0; v < int(ViewId::Count); ++v)
                if (s.show[size_t(v)] && ImGui::MenuItem((std::string("PNG of ") + view_name(ViewId(v)) + "...").c_str()))
                    in.dialog->ask(DialogPurpose::Png, ViewId(v));
            ImGui::EndMenu();
        }
        ImGui::Separator();
        if (ImGui::MenuItem("Quit", "Ctrl+Q")) out.push_back(intent::Quit{});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Edit")) {
        if (ImGui::MenuItem("Undo spec change", "Ctrl+Z", false, s.history.can_undo())) out.push_back(intent::Undo{});
        if (ImGui::MenuItem("Redo", "Ctrl+Shift+Z", false, s.history.can_redo())) out.push_back(intent::Redo{});
        ImGui::Separator();
        if (ImGui::BeginMenu("Preset")) {
            for (const auto& p : presets()) {
                if (ImGui::MenuItem(p.name, nullptr, p.spec == s.spec)) out.push_back(intent::ApplyPreset{p.name});
                help_tooltip(p.summary);
            }
            ImGui::EndMenu();
        }
        if (ImGui::MenuItem("Back to calibrated clip", nullptr, false, s.spec.clip_lo.has_value()))
            out.push_back(intent::SetClip{std::nullopt, std::nullopt, 0});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        for (ViewId v : {ViewId::Models, ViewId::Spec, ViewId::Histogram, ViewId::Error, ViewId::Heatmap, ViewId::Metrics,
                         ViewId::Sweep, ViewId::Sensitivity, ViewId::Anomalies, ViewId::SensCompare, ViewId::Messages})
            if (ImGui::MenuItem(view_name(v), nullptr, s.show[size_t(v)]))
                out.push_back(intent::ShowView{v, !s.show[size_t(v)]});
        ImGui::Separator();
        if (ImGui::MenuItem("Dark theme", nullptr, s.settings.theme == Theme::Dark)) out.push_back(intent::SetTheme{Theme::Dark});
        if (ImGui::MenuItem("Light theme", nullptr, s.settings.theme == Theme::Light))
            out.push_back(intent::SetTheme{Theme::Light});
        ImGui::Separator();
        if (ImGui::MenuItem("Larger text", "Ctrl +")) out.push_back(intent::SetUiScale{s.settings.ui_scale * 1.1f});
        if (ImGui::MenuItem("Smaller text", "Ctrl -")) out.push_back(intent::SetUiScale{s.settings.ui_scale / 1.1f});
        if (ImGui::MenuItem("Default size", "Ctrl 0")) out.push_back(intent::SetUiScale{1.0f});
        ImGui::TextDisabled("UI scale %.0f%%", s.settings.ui_scale * 100);
        ImGui::Separator();
        if (ImGui::MenuItem("Reset layout")) out.push_back(intent::ResetLayout{});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Compare")) {
        if (ImGui::MenuItem("Pin current spec as B", "Ctrl+P", false, !s.pinned)) out.push_back(intent::PinCurrent{});
        if (ImGui::MenuItem("Swap A and B", nullptr, false, s.pinned.has_value())) out.push_back(intent::SwapPinned{});
        if (ImGui::MenuItem("Unpin B", nullptr, false, s.pinned.has_value())) out.push_back(intent::Unpin{});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Model")) {
        const bool running = s.sweep.status == JobStatus::Running;
        if (ImGui::MenuItem("Run the spec over the whole model", nullptr, false, !running && !s.models.empty()))
            out.push_back(intent::StartSweep{ui.sweep.weights_only});
        if (ImGui::MenuItem("Cancel the sweep", nullptr, false, running)) out.push_back(intent::CancelSweep{});
        if (ImGui::MenuItem("Sensitivity and mixed precision...")) out.push_back(intent::ShowView{ViewId::Sensitivity, true});
        if (ImGui::MenuItem("Anomalies...")) out.push_back(intent::ShowView{ViewId::Anomalies, true});
        if (ImGui::MenuItem("Compare sensitivity methods...")) out.push_back(intent::ShowView{ViewId::SensCompare, true});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Learn")) {
        const auto& ls = lessons();
        if (ls.empty()) ImGui::TextDisabled("(no lessons yet)");
        for (size_t i = 0; i < ls.size() && i < ui.learn_open.size(); ++i)
            if (ImGui::MenuItem(ls[i].title, nullptr, ui.learn_open[i])) ui.learn_open[i] = !ui.learn_open[i];
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        if (ImGui::MenuItem("About and shortcuts")) ui.show_about = true;
        ImGui::EndMenu();
    }
    ImGui::EndMainMenuBar();
}

void draw_about(UiState& ui) {
    if (!ui.show_about) return;
    ImGui::SetNextWindowPos(ImGui::GetIO().DisplaySize * 0.5f, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("About quantscope", &ui.show_about, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
        ImGui::Text("quantscope: see what quantization does to your weights.");
        ImGui::TextDisabled("Dear ImGui %s, GLFW, OpenGL 3.3", IMGUI_VERSION);
        ImGui::Separator();
        ImGui::Text("Ctrl+O        open a model (or drop files on the window)");
        ImGui::Text("Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y   undo / redo spec changes");
        ImGui::Text("Ctrl+P        pin the current spec as B");
        ImGui::Text("Ctrl + / - / 0   larger / smaller / default text");
        ImGui::Text("Ctrl+Q        quit");
        ImGui::Text("Plots: wheel zooms, drag pans, double-click fits; drag the red clip handles.");
    }
    ImGui::End();
}

void handle_shortcuts(const ViewInput& in, UiState& ui, Intents& out) {
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.KeyCtrl || io.WantTextInput) return;
    auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
    // GLFW key codes (the headless backend maps the same ones).
    constexpr int kO = 'O', kZ = 'Z', kY = 'Y', kP = 'P', kQ = 'Q', kEqual = '=', kMinus = '-', k0 = '0';
    constexpr int kKpAdd = 334, kKpSub = 333;
    (void)ui;
    if (pressed(kO)) in.dialog->ask(DialogPurpose::OpenModel);
    if (pressed(kZ)) out.push_back(io.KeyShift ? Intent{intent::Redo{}} : Intent{intent::Undo{}});
    if (pressed(kY)) out.push_back(intent::Redo{});
    if (pressed(kP)) out.push_back(in.s.pinned ? Intent{intent::Unpin{}} : Intent{intent::PinCurrent{}});
    if (pressed(kQ)) out.push_back(intent::Quit{});
    if (pressed(kEqual) || pressed(kKpAdd)) out.push_back(intent::SetUiScale{in.s.settings.ui_scale * 1.1f});
    if (pressed(kMinus) || pressed(kKpSub)) out.push_back(intent::SetUiScale{in.s.settings.ui_scale / 1.1f});
    if (pressed(k0)) out.push_back(intent::SetUiScale{1.0f});
}

}  // namespace qs::app
