// Bar or line chart of a long series (per-channel / per-group error, scale,
// zero point), drawn from precomputed min/max envelopes: each pixel column
// shows the extremes of the points under it, so no channel hides. Hover
// names the channel (or the range of channels and where the maximum is).
#pragma once

#include "app/widgets/plot.hpp"
#include "app/worker/analysis.hpp"

#include <span>

namespace qs::app {

struct ChartSeries {
    const Envelope* env = nullptr;
    ImU32 color = 0;
    const char* label = "";
};

struct ChartSpec {
    ImVec2 size{0, 0};
    bool bars = true;        // bars from the baseline; false: a line through the column maxima with min/max whiskers
    YScale yscale = YScale::Linear;
    bool sorted = false;     // x is a rank (the series is sorted); hover shows rank and channel
    const char* x_label = "channel";
    const char* item = "channel";  // what one point is, for the read-out
};

void series_chart(const char* id, const ChartSpec& spec, std::span<const ChartSeries> series, XRange& xr,
                  const Palette& pal);

}  // namespace qs::app
