// The status bar along the bottom (running jobs with progress, timings, the
// latest message) and the Messages window (every message, dismissable).
#include "app/views/views.hpp"

#include "core/util/units.hpp"

#include <fmt/format.h>

namespace qs::app {

namespace {

ImVec4 level_color(const Palette& pal, Message::Level l) {
    return l == Message::Level::Error ? pal.bad : l == Message::Level::Warning ? pal.warn : pal.dim;
}

}  // namespace

void draw_status_bar(const ViewInput& in, UiState& ui, Intents& out) {
    (void)ui;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    const float h = ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y;
    ImGui::SetNextWindowPos(ImVec2(vp->Pos.x, vp->Pos.y + vp->Size.y - h));
    ImGui::SetNextWindowSize(ImVec2(vp->Size.x, h));
    const ImGuiWindowFlags f = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                               ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 3));
    if (ImGui::Begin("##status", nullptr, f)) {
        const AppState& s = in.s;
        if (const auto* r = s.a.value ? s.a.value->result.get() : nullptr) {
            ImGui::TextDisabled("%s  %.2f bpw  SQNR %.2f dB  quantize %.1f ms", r->tensor.c_str(), r->bits_per_weight,
                                r->sqnr_db, s.a.value->quantize_ms);
            ImGui::SameLine();
        }
        bool any = false;
        for (const auto& m : s.models)
            if (m.state == OpenModel::State::Loading) {
                ImGui::SameLine();
                ImGui::TextColored(in.pal.warn, "opening %s...", std::filesystem::path(m.path).filename().c_str());
                any = true;
            }
        if (s.a.status == JobStatus::Running) {
            ImGui::SameLine();
            ImGui::TextColored(in.pal.warn, "quantizing %.0f%%", s.a.progress.fraction() * 100);
            any = true;
        }
        if (s.sweep.status == JobStatus::Running) {
            ImGui::SameLine();
            ImGui::TextColored(in.pal.warn, "sweep %.0f%%", s.sweep.progress.fraction() * 100);
            any = true;
        }
        if (!any) {
            ImGui::SameLine();
            ImGui::TextDisabled("idle");
        }
        if (!s.messages.empty()) {
            const Message& m = s.messages.back();
            ImGui::SameLine();
            ImGui::TextColored(level_color(in.pal, m.level), "| %s", m.text.c_str());
            ImGui::SameLine();
            if (ImGui::SmallButton("x")) out.push_back(intent::DismissMessage{m.id});
            ImGui::SameLine();
            if (ImGui::SmallButton(fmt::format("all {}", s.messages.size()).c_str()))
                out.push_back(intent::ShowView{ViewId::Messages, true});
        }
        const std::string right = fmt::format("{:.1f} ms/frame", in.frame_ms);
        ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::CalcTextSize(right.c_str()).x - 12);
        ImGui::TextDisabled("%s", right.c_str());
    }
    ImGui::End();
    ImGui::PopStyleVar();
}

void draw_messages_view(const ViewInput& in, Intents& out) {
    ViewWindow w(in, ViewId::Messages, out);
    if (!w) return;
    if (in.s.messages.empty()) {
        ImGui::TextDisabled("No messages.");
        return;
    }
    if (ImGui::SmallButton("Clear all")) out.push_back(intent::ClearMessages{});
    for (auto it = in.s.messages.rbegin(); it != in.s.messages.rend(); ++it) {
        ImGui::PushID(int(it->id));
        if (ImGui::SmallButton("x")) out.push_back(intent::DismissMessage{it->id});
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, level_color(in.pal, it->level));
        ImGui::TextWrapped("%s", it->text.c_str());
        ImGui::PopStyleColor();
        ImGui::PopID();
    }
}

}  // namespace qs::app
