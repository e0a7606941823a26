// The frame shared by the plot widgets (ImDrawList based, after ImPlot's
// design but drawing only precomputed data): a data rectangle with axes and
// ticks, x zoom (wheel) and pan (drag, or right/middle drag), double-click to
// reset, y linear or logarithmic. Widgets draw inside it between begin_plot
// and end_plot; other items (clip handles) may overlap it.
#pragma once

#include "app/ui/theme.hpp"

#include <imgui.h>
#include <imgui_internal.h>

#include <string>
#include <vector>

namespace qs::app {

// The visible x range of a plot; `zoomed` false = fit the data.
struct XRange {
    double lo = 0.0, hi = 1.0;
    bool zoomed = false;
};

enum class YScale : uint8_t {
    Linear,
    Log1p,  // log10(1 + y): counts, where 0 must stay on the baseline
    Log10,  // log10(y), y > 0: errors and scales spanning decades
};

struct PlotFrame {
    ImRect rect;                       // data area, screen pixels
    double x0 = 0, x1 = 1;             // visible x range
    double y0 = 0, y1 = 1;             // visible y range (after the y transform)
    YScale yscale = YScale::Linear;
    bool hovered = false;              // the mouse is over the data area (and nothing else is active)
    double mouse_x = 0;                // data x under the mouse (valid when hovered)
    float x_px(double x) const { return rect.Min.x + float((x - x0) / (x1 - x0)) * rect.GetWidth(); }
    double px_x(float px) const { return x0 + double(px - rect.Min.x) / double(rect.GetWidth()) * (x1 - x0); }
    double ty(double y) const;         // y -> transformed y
    float y_px(double y) const;        // data y -> screen y (clamped to the rect)
};

struct PlotSpec {
    ImVec2 size{0, 0};                 // 0 = fill the available region
    double data_lo = 0, data_hi = 1;   // x extent of the data (what "fit" shows)
    double y_lo = 0, y_hi = 1;         // y extent (untransformed)
    YScale yscale = YScale::Linear;
    const char* x_label = nullptr;     // drawn under the axis
    bool integer_x = false;            // ticks on whole numbers (channel indices)
};

// Reserves the space, draws background, ticks and labels, handles zoom/pan.
PlotFrame begin_plot(const char* id, const PlotSpec& spec, XRange& xr, const Palette& pal);
void end_plot(const PlotFrame& f);

// "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi] with about `target` ticks.
std::vector<double> nice_ticks(double lo, double hi, int target);
// Short number text for ticks and read-outs: 0.0123, 1.2e-05, 3.4k.
std::string short_number(double v);

}  // namespace qs::app
