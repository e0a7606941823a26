// A horizontal colour bar with end labels (and the centre for diverging maps),
// drawn on the CPU from the same colour map as the heatmap shader.
#pragma once

#include "app/state/colormap.hpp"
#include "app/ui/theme.hpp"

#include <imgui.h>

namespace qs::app {

void colorbar(ImVec2 size, Colormap m, double vmin, double vmax, bool diverging, double center, const Palette& pal);

}  // namespace qs::app
