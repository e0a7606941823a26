// Dark and light themes: ImGui's style plus the plot palette the widgets use,
// scaled for the UI scale (sizes) and rebuilt when the theme or scale changes.
#pragma once

#include "app/state/intents.hpp"

#include <imgui.h>

namespace qs::app {

struct Palette {
    ImU32 plot_bg, plot_border, axis, tick_text, grid_major;
    ImU32 orig_fill, orig_line;   // original histogram
    ImU32 deq, deq_fill;          // dequantized (A)
    ImU32 b, b_fill;              // pinned (B)
    ImU32 err, err_fill;          // error histogram
    ImU32 qgrid;                  // quantization grid lines
    ImU32 clip_shade, clip_mass;  // outside the clip range; clipped mass bars
    ImU32 handle, handle_hot;     // clip handles
    ImU32 hover_line;
    ImVec4 good, bad, warn, dim;  // text colours for deltas and states
    ImVec4 heat_bg, heat_nan;
    ImVec4 clear;                 // window background behind everything
};

Palette palette_for(Theme t);
// Applies colours and sizes (style.ScaleAllSizes(scale)) to the current ImGui context.
void apply_style(Theme t, float scale);

}  // namespace qs::app
