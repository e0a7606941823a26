// ViewWindow and the state helpers; see view_common.hpp.
#include "app/views/view_common.hpp"

#include <fmt/format.h>

namespace qs::app {

ViewWindow::ViewWindow(const ViewInput& in, ViewId id, Intents& out, ImGuiWindowFlags flags) {
    const size_t i = size_t(id);
    if (!in.s.show[i]) return;
    ImGui::SetNextWindowPos(in.layout.pos[i], in.layout_cond);
    ImGui::SetNextWindowSize(in.layout.size[i], in.layout_cond);
    bool open = true;
    begun_ = true;
    visible_ = ImGui::Begin(view_name(id), &open, flags | ImGuiWindowFlags_NoCollapse);
    if (!open) out.push_back(intent::ShowView{id, false});
    const ImVec2 p = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
    in.rects->min[i] = p;
    in.rects->max[i] = ImVec2(p.x + s.x, p.y + s.y);
    in.rects->drawn[i] = true;
}

ViewWindow::~ViewWindow() {
    if (begun_) ImGui::End();
}

bool require_tensor(const ViewInput& in) {
    if (in.s.models.empty()) {
        ImGui::TextDisabled("No model open.");
        ImGui::TextWrapped("File > Open (Ctrl+O), drop a file on the window, or run `quantscope FILE`.");
        return false;
    }
    if (!in.s.selected_info()) {
        bool loading = false;
        for (const auto& m : in.s.models) loading |= m.state == OpenModel::State::Loading;
        ImGui::TextDisabled(loading ? "Opening the model..." : "Select a tensor in the Models window.");
        return false;
    }
    return true;
}

void status_text_computing(const ViewInput&, const char* what, const Progress& p) {
    ImGui::TextDisabled("Computing %s...", what);
    const double f = p.fraction();
    if (f > 0) ImGui::ProgressBar(float(f), ImVec2(-1, 0));
}

void status_text_failed(const ViewInput& in, const char* what, const std::string& error) {
    ImGui::PushStyleColor(ImGuiCol_Text, in.pal.bad);
    ImGui::TextWrapped("Cannot compute %s: %s", what, error.c_str());
    ImGui::PopStyleColor();
}

void help_tooltip(const char* text) {
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void progress_line(const char* label, const Progress& p) {
    const double f = p.fraction();
    const std::string text = fmt::format("{} {:.0f}%", label, f * 100);
    ImGui::ProgressBar(float(f), ImVec2(-1, 0), text.c_str());
}

std::string percent(double f) {
    if (f == 0) return "0%";
    if (f < 1e-4) return "<0.01%";
    return fmt::format("{:.2f}%", f * 100.0);
}

}  // namespace qs::app
