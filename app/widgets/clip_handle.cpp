// The clip handle widget; see clip_handle.hpp.
#include "app/widgets/clip_handle.hpp"

#include <algorithm>
#include <cmath>

namespace qs::app {

bool clip_handle(const char* id, double* x, const PlotFrame& f, const char* label, ImU32 color, ImU32 hot, double min,
                 double max, HandleEvents* ev) {
    const float grab = std::max(8.0f, ImGui::GetFontSize() * 0.7f);
    float px = std::clamp(f.x_px(*x), f.rect.Min.x, f.rect.Max.x);
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    ImGui::SetCursorScreenPos(ImVec2(px - grab * 0.5f, f.rect.Min.y));
    ImGui::InvisibleButton(id, ImVec2(grab, f.rect.GetHeight()));
    const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
    bool changed = false;
    if (hovered || active) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
    if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
        const double v = std::clamp(f.px_x(ImGui::GetIO().MousePos.x), min, max);
        if (v != *x) {
            *x = v;
            changed = true;
            px = std::clamp(f.x_px(v), f.rect.Min.x, f.rect.Max.x);
        }
    }
    if (ev) {
        ev->activated = ImGui::IsItemActivated();
        ev->hovered = hovered;
        ev->active = active;
    }
    ImGui::SetCursorScreenPos(cursor);

    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 c = (hovered || active) ? hot : color;
    const float t = (hovered || active) ? 2.5f : 1.75f;
    dl->AddLine(ImVec2(px, f.rect.Min.y), ImVec2(px, f.rect.Max.y), c, t);
    // Knob with its label at the top; an arrow when the value is off-screen.
    const ImVec2 ts = ImGui::CalcTextSize(label);
    const ImVec2 k0(px - ts.x * 0.5f - 4, f.rect.Min.y), k1(px + ts.x * 0.5f + 4, f.rect.Min.y + ts.y + 2);
    dl->AddRectFilled(k0, k1, c, 3.0f);
    dl->AddText(ImVec2(k0.x + 4, k0.y + 1), IM_COL32(255, 255, 255, 255), label);
    const double vx = *x;
    if (vx < f.x0 || vx > f.x1) {
        const float dir = vx < f.x0 ? -1.0f : 1.0f, y = f.rect.GetCenter().y, s = grab * 0.6f;
        dl->AddTriangleFilled(ImVec2(px + dir * s, y), ImVec2(px, y - s), ImVec2(px, y + s), c);
    }
    return changed;
}

}  // namespace qs::app
