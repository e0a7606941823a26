// The colour bar widget; see colorbar.hpp.
#include "app/widgets/colorbar.hpp"

#include "app/widgets/plot.hpp"

#include <algorithm>
#include <cmath>

namespace qs::app {

void colorbar(ImVec2 size, Colormap m, double vmin, double vmax, bool diverging, double center, const Palette& pal) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const std::string lo = short_number(diverging ? center - std::max(std::fabs(vmax - center), std::fabs(vmin - center)) : vmin);
    const std::string hi = short_number(diverging ? center + std::max(std::fabs(vmax - center), std::fabs(vmin - center)) : vmax);
    const float lw = ImGui::CalcTextSize(lo.c_str()).x + 6, hw = ImGui::CalcTextSize(hi.c_str()).x + 6;
    const float x0 = p.x + lw, x1 = p.x + std::max(lw + 20, size.x - hw);
    const float h = size.y;
    const int steps = 64;
    for (int i = 0; i < steps; ++i) {
        const float a = x0 + (x1 - x0) * float(i) / steps, b = x0 + (x1 - x0) * float(i + 1) / steps;
        const Rgb c = colormap(m, (float(i) + 0.5f) / steps);
        dl->AddRectFilled(ImVec2(a, p.y), ImVec2(b + 0.5f, p.y + h), ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, 1)));
    }
    dl->AddRect(ImVec2(x0, p.y), ImVec2(x1, p.y + h), pal.plot_border);
    const float ty = p.y + (h - ImGui::GetTextLineHeight()) * 0.5f;
    dl->AddText(ImVec2(p.x, ty), pal.tick_text, lo.c_str());
    dl->AddText(ImVec2(x1 + 6, ty), pal.tick_text, hi.c_str());
    if (diverging) {
        const std::string c = short_number(center);
        const float cw = ImGui::CalcTextSize(c.c_str()).x;
        dl->AddText(ImVec2((x0 + x1) * 0.5f - cw * 0.5f, ty), IM_COL32(20, 20, 20, 255), c.c_str());
    }
    ImGui::Dummy(size);
}

}  // namespace qs::app
