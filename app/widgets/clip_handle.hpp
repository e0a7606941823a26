// A draggable vertical handle on a plot's x axis, with ImGui's widget
// contract (like ImPlot's DragLineX): the caller owns the value, the function
// returns true on the frames a drag moved it. Used for the manual clip range.
#pragma once

#include "app/widgets/plot.hpp"

namespace qs::app {

struct HandleEvents {
    bool activated = false;  // the drag started this frame (begin an undo step)
    bool hovered = false;
    bool active = false;
};

// Submit after begin_plot (the frame's background allows overlap). `label` is
// drawn on the knob ("lo", "hi"). The value is clamped to [min, max].
bool clip_handle(const char* id, double* x, const PlotFrame& f, const char* label, ImU32 color, ImU32 hot, double min,
                 double max, HandleEvents* ev = nullptr);

}  // namespace qs::app
