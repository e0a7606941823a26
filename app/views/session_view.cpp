// The "file changed on disk" notice; see session_view.hpp.
#include "app/views/session_view.hpp"

#include <filesystem>

namespace qs::app {

void draw_file_changes(const ViewInput& in, SessionUi& ui) {
    ui.reopen_button = ImVec2(-1, -1);
    bool any = false;
    for (const auto& c : ui.changed) any |= !c.dismissed;
    if (!any) return;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Pos.x + vp->Size.x * 0.5f, vp->Pos.y + ImGui::GetFrameHeight() * 2.5f),
                            ImGuiCond_Always, ImVec2(0.5f, 0.0f));
    ImGui::SetNextWindowSizeConstraints(ImVec2(0, 0), ImVec2(vp->Size.x * 0.8f, vp->Size.y * 0.5f));
    const ImGuiWindowFlags f = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                               ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing;
    ImGui::PushStyleColor(ImGuiCol_Border, in.pal.warn);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 2.0f);
    if (ImGui::Begin("##file_changed", nullptr, f)) {
        for (auto& c : ui.changed) {
            if (c.dismissed) continue;
            const OpenModel* m = in.s.find_model(c.model);
            if (!m) continue;
            ImGui::PushID(int(c.model));
            ImGui::TextColored(in.pal.warn, "%s changed on disk",
                               std::filesystem::path(m->path).filename().string().c_str());
            ImGui::PushTextWrapPos(vp->Size.x * 0.75f);
            ImGui::TextWrapped("%s", c.text.c_str());
            ImGui::TextDisabled("Tensors already decoded still show; others cannot be read until it is reopened.");
            ImGui::PopTextWrapPos();
            if (ImGui::Button("Reopen")) ui.reopen_requested = c.model;
            if (ui.reopen_button.x < 0) {
                const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
                ui.reopen_button = ImVec2((a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f);
            }
            ImGui::SameLine();
            if (ImGui::Button("Keep it open as it is")) c.dismissed = true;
            ImGui::PopID();
            ImGui::Separator();
        }
    }
    ImGui::End();
    ImGui::PopStyleVar();
    ImGui::PopStyleColor();
}

}  // namespace qs::app
