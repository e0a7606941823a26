// Plot frame, ticks and x zoom/pan; see plot.hpp.
#include "app/widgets/plot.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

double PlotFrame::ty(double y) const {
    switch (yscale) {
        case YScale::Linear: return y;
        case YScale::Log1p: return std::log10(1.0 + std::max(0.0, y));
        case YScale::Log10: return y > 0 ? std::log10(y) : y0;
    }
    return y;
}

float PlotFrame::y_px(double y) const {
    const double t = (ty(y) - y0) / (y1 - y0);
    return rect.Max.y - float(std::clamp(t, 0.0, 1.0)) * rect.GetHeight();
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || target < 1) return out;
    const double raw = (hi - lo) / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) {
            step = m * mag;
            break;
        }
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9 && out.size() < 100; v += step)
        out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    return out;
}

std::string short_number(double v) {
    if (v == 0) return "0";
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    const double a = std::fabs(v);
    if (a >= 1e6 || a < 1e-3) return fmt::format("{:.3g}", v);
    if (a >= 1e4) return fmt::format("{:.0f}", v);
    return fmt::format("{:.4g}", v);
}

PlotFrame begin_plot(const char* id, const PlotSpec& spec, XRange& xr, const Palette& pal) {
    PlotFrame f;
    f.yscale = spec.yscale;
    ImGui::PushID(id);
    ImVec2 size = spec.size;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    if (size.x <= 0) size.x = std::max(avail.x, 50.0f);
    if (size.y <= 0) size.y = std::max(avail.y, 50.0f);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float lh = ImGui::GetTextLineHeight();
    const float left = ImGui::CalcTextSize("-0.0000").x + 6, bottom = lh * (spec.x_label ? 2.2f : 1.3f);
    f.rect = ImRect(ImVec2(p0.x + left, p0.y + 2), ImVec2(p0.x + size.x - 4, p0.y + size.y - bottom));
    if (f.rect.GetWidth() < 10 || f.rect.GetHeight() < 10) f.rect.Max = f.rect.Min + ImVec2(10, 10);

    // x range: fit the data unless zoomed.
    double dlo = spec.data_lo, dhi = spec.data_hi;
    if (!(dhi > dlo)) {
        dlo -= 0.5;
        dhi = dlo + 1.0;
    }
    if (!xr.zoomed) {
        xr.lo = dlo;
        xr.hi = dhi;
    }
    f.x0 = xr.lo;
    f.x1 = xr.hi;
    // y range after the transform.
    auto tr = [&](double y) {
        switch (spec.yscale) {
            case YScale::Linear: return y;
            case YScale::Log1p: return std::log10(1.0 + std::max(0.0, y));
            case YScale::Log10: return std::log10(std::max(y, 1e-300));
        }
        return y;
    };
    f.y0 = tr(spec.y_lo);
    f.y1 = tr(spec.y_hi);
    if (!(f.y1 > f.y0)) f.y1 = f.y0 + 1.0;

    // Interaction: the background button catches what the data items do not.
    ImGui::SetCursorScreenPos(f.rect.Min);
    ImGui::InvisibleButton("##plot", f.rect.GetSize(),
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight |
                               ImGuiButtonFlags_MouseButtonMiddle);
    ImGui::SetItemAllowOverlap();
    const ImGuiIO& io = ImGui::GetIO();
    f.hovered = ImGui::IsItemHovered();
    if (f.hovered) f.mouse_x = f.px_x(io.MousePos.x);
    const double span = f.x1 - f.x0;
    if (f.hovered && io.MouseWheel != 0.0f) {
        const double k = std::pow(0.85, double(io.MouseWheel));
        const double mx = f.mouse_x;
        xr.lo = mx - (mx - f.x0) * k;
        xr.hi = mx + (f.x1 - mx) * k;
        xr.zoomed = true;
    }
    if (ImGui::IsItemActive() && (ImGui::IsMouseDragging(ImGuiMouseButton_Left) ||
                                  ImGui::IsMouseDragging(ImGuiMouseButton_Right) ||
                                  ImGui::IsMouseDragging(ImGuiMouseButton_Middle))) {
        const double dx = -double(io.MouseDelta.x) / double(f.rect.GetWidth()) * span;
        xr.lo += dx;
        xr.hi += dx;
        xr.zoomed = true;
    }
    if (f.hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) xr.zoomed = false;
    if (xr.zoomed && !(xr.hi - xr.lo > 1e-12 * std::max(1.0, std::fabs(xr.lo)))) xr.zoomed = false;

    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(f.rect.Min, f.rect.Max, pal.plot_bg);
    // x ticks
    const int xt = std::max(2, int(f.rect.GetWidth() / (ImGui::CalcTextSize("-0.000").x * 1.8f)));
    for (double t : nice_ticks(f.x0, f.x1, xt)) {
        if (spec.integer_x && std::fabs(t - std::round(t)) > 1e-9) continue;
        const float x = f.x_px(t);
        dl->AddLine(ImVec2(x, f.rect.Min.y), ImVec2(x, f.rect.Max.y), pal.grid_major);
        dl->AddLine(ImVec2(x, f.rect.Max.y), ImVec2(x, f.rect.Max.y + 4), pal.axis);
        const std::string s = short_number(t);
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        dl->AddText(ImVec2(x - w * 0.5f, f.rect.Max.y + 4), pal.tick_text, s.c_str());
    }
    // y ticks: linear "nice" numbers, or powers of ten on log scales (labelled 1, 10, 100, not 9, 99).
    std::vector<std::pair<double, double>> yticks;  // (transformed position, label value)
    if (spec.yscale == YScale::Linear) {
        const int yt = std::max(2, int(f.rect.GetHeight() / (lh * 2.2f)));
        for (double t : nice_ticks(f.y0, f.y1, yt)) yticks.push_back({t, t});
    } else {
        if (spec.yscale == YScale::Log1p) yticks.push_back({0.0, 0.0});
        const double p_lo = spec.yscale == YScale::Log1p ? 0.0 : std::floor(f.y0);
        const int max_ticks = std::max(2, int(f.rect.GetHeight() / (lh * 1.6f)));
        const double p_hi = std::ceil(spec.yscale == YScale::Log1p ? f.y1 : f.y1);
        const int stride = std::max(1, int(std::ceil((p_hi - p_lo + 1) / max_ticks)));
        for (double k = p_lo; k <= p_hi; k += stride) {
            const double v = std::pow(10.0, k);
            const double pos = f.ty(v);
            if (pos >= f.y0 - 1e-9 && pos <= f.y1 + 1e-9) yticks.push_back({pos, v});
        }
    }
    float last_y = 1e30f;
    for (auto [t, v] : yticks) {
        const float y = f.rect.Max.y - float((t - f.y0) / (f.y1 - f.y0)) * f.rect.GetHeight();
        if (std::fabs(last_y - y) < lh) continue;  // labels would overlap
        last_y = y;
        dl->AddLine(ImVec2(f.rect.Min.x, y), ImVec2(f.rect.Max.x, y), pal.grid_major);
        const std::string s = short_number(v);
        const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
        dl->AddText(ImVec2(f.rect.Min.x - ts.x - 4, y - ts.y * 0.5f), pal.tick_text, s.c_str());
    }
    dl->AddRect(f.rect.Min, f.rect.Max, pal.plot_border);
    if (spec.x_label) {
        const ImVec2 ts = ImGui::CalcTextSize(spec.x_label);
        dl->AddText(ImVec2(f.rect.GetCenter().x - ts.x * 0.5f, f.rect.Max.y + lh * 1.15f), pal.tick_text, spec.x_label);
    }
    dl->PushClipRect(f.rect.Min, f.rect.Max, true);
    ImGui::SetCursorScreenPos(p0);
    ImGui::Dummy(size);
    ImGui::PopID();
    return f;
}

void end_plot(const PlotFrame&) { ImGui::GetWindowDrawList()->PopClipRect(); }

}  // namespace qs::app
