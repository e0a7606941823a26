// Histogram drawing inside a PlotFrame, from precomputed counts (never a
// tensor). Bins narrower than a pixel are merged per pixel column by their
// maximum, so a narrow spike is never lost. Also: vertical grid lines, the
// shading outside a clip range, and a hover read-out helper.
#pragma once

#include "app/widgets/plot.hpp"
#include "core/quant/result.hpp"

#include <optional>
#include <span>

namespace qs::app {

// Filled bars (fill) with an outline along the top (line, 0 = none). Bars whose
// centre lies outside [clip_lo, clip_hi] use clip_fill instead (clipped mass).
struct BarStyle {
    ImU32 fill = 0, line = 0;
    ImU32 clip_fill = 0;
    double clip_lo = -INFINITY, clip_hi = INFINITY;
    float line_thickness = 1.5f;
};
void plot_histogram(const PlotFrame& f, const quant::Histogram& h, const BarStyle& s);

// Draws one vertical line per x (in range). Returns false (and draws nothing)
// when the lines would be closer than min_gap_px: the grid is then too dense to see.
bool plot_vlines(const PlotFrame& f, std::span<const float> xs, ImU32 color, float min_gap_px);

// Shades the parts of the plot left of lo and right of hi.
void plot_outside(const PlotFrame& f, double lo, double hi, ImU32 color);

// The bin of `h` containing x, if any.
std::optional<size_t> bin_at(const quant::Histogram& h, double x);
uint64_t max_count(const quant::Histogram& h);

}  // namespace qs::app
