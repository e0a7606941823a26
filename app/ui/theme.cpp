// Themes and plot palettes; see theme.hpp.
#include "app/ui/theme.hpp"

namespace qs::app {

Palette palette_for(Theme t) {
    Palette p{};
    if (t == Theme::Dark) {
        p.plot_bg = IM_COL32(22, 24, 30, 255);
        p.plot_border = IM_COL32(70, 74, 86, 255);
        p.axis = IM_COL32(150, 155, 165, 255);
        p.tick_text = IM_COL32(185, 190, 200, 255);
        p.grid_major = IM_COL32(255, 255, 255, 18);
        p.orig_fill = IM_COL32(90, 140, 220, 150);
        p.orig_line = IM_COL32(120, 170, 245, 255);
        p.deq = IM_COL32(255, 160, 40, 255);
        p.deq_fill = IM_COL32(255, 160, 40, 120);
        p.b = IM_COL32(80, 220, 140, 255);
        p.b_fill = IM_COL32(80, 220, 140, 90);
        p.err = IM_COL32(230, 90, 110, 255);
        p.err_fill = IM_COL32(230, 90, 110, 150);
        p.qgrid = IM_COL32(255, 220, 120, 55);
        p.clip_shade = IM_COL32(230, 60, 60, 34);
        p.clip_mass = IM_COL32(255, 80, 80, 220);
        p.handle = IM_COL32(255, 100, 100, 230);
        p.handle_hot = IM_COL32(255, 190, 190, 255);
        p.hover_line = IM_COL32(255, 255, 255, 90);
        p.good = ImVec4(0.45f, 0.85f, 0.45f, 1);
        p.bad = ImVec4(1.0f, 0.45f, 0.45f, 1);
        p.warn = ImVec4(1.0f, 0.78f, 0.3f, 1);
        p.dim = ImVec4(0.6f, 0.62f, 0.68f, 1);
        p.heat_bg = ImVec4(0.09f, 0.1f, 0.12f, 1);
        p.heat_nan = ImVec4(1.0f, 0.0f, 1.0f, 1);
        p.clear = ImVec4(0.06f, 0.065f, 0.08f, 1);
    } else {
        p.plot_bg = IM_COL32(252, 252, 254, 255);
        p.plot_border = IM_COL32(170, 175, 185, 255);
        p.axis = IM_COL32(90, 95, 105, 255);
        p.tick_text = IM_COL32(50, 55, 65, 255);
        p.grid_major = IM_COL32(0, 0, 0, 20);
        p.orig_fill = IM_COL32(60, 110, 200, 120);
        p.orig_line = IM_COL32(40, 90, 190, 255);
        p.deq = IM_COL32(215, 110, 0, 255);
        p.deq_fill = IM_COL32(230, 120, 0, 110);
        p.b = IM_COL32(20, 150, 80, 255);
        p.b_fill = IM_COL32(20, 150, 80, 80);
        p.err = IM_COL32(200, 40, 70, 255);
        p.err_fill = IM_COL32(200, 40, 70, 120);
        p.qgrid = IM_COL32(160, 110, 0, 60);
        p.clip_shade = IM_COL32(220, 40, 40, 28);
        p.clip_mass = IM_COL32(210, 30, 30, 230);
        p.handle = IM_COL32(210, 40, 40, 230);
        p.handle_hot = IM_COL32(255, 90, 90, 255);
        p.hover_line = IM_COL32(0, 0, 0, 90);
        p.good = ImVec4(0.1f, 0.55f, 0.15f, 1);
        p.bad = ImVec4(0.8f, 0.1f, 0.1f, 1);
        p.warn = ImVec4(0.7f, 0.45f, 0.0f, 1);
        p.dim = ImVec4(0.4f, 0.42f, 0.46f, 1);
        p.heat_bg = ImVec4(0.93f, 0.93f, 0.95f, 1);
        p.heat_nan = ImVec4(1.0f, 0.0f, 1.0f, 1);
        p.clear = ImVec4(0.85f, 0.86f, 0.88f, 1);
    }
    return p;
}

void apply_style(Theme t, float scale) {
    ImGuiStyle style;
    if (t == Theme::Dark) {
        ImGui::StyleColorsDark(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.11f, 0.13f, 1.0f);
        style.Colors[ImGuiCol_TitleBgActive] = ImVec4(0.16f, 0.24f, 0.38f, 1.0f);
    } else {
        ImGui::StyleColorsLight(&style);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.98f, 1.0f);
    }
    style.WindowRounding = 3.0f;
    style.FrameRounding = 3.0f;
    style.GrabRounding = 3.0f;
    style.TabRounding = 3.0f;
    style.ScrollbarRounding = 4.0f;
    style.WindowBorderSize = 1.0f;
    style.FramePadding = ImVec2(6, 4);
    style.ItemSpacing = ImVec2(8, 5);
    style.WindowPadding = ImVec2(8, 7);
    style.ScaleAllSizes(scale);
    ImGui::GetStyle() = style;
}

}  // namespace qs::app
