// The fixed-but-resizable window layout (Debian's ImGui 1.86 has no docking):
//   left column   Models (top), Metrics (bottom)
//   centre        Histogram (top), Heatmap and Error side by side (bottom); Whole model over the bottom
//   right column  Spec
// Windows start here; the user can move and resize them (imgui.ini remembers),
// and View > Reset layout puts them back. Scripts pin them here every frame.
#pragma once

#include "app/state/intents.hpp"

#include <imgui.h>

#include <array>

namespace qs::app {

struct Layout {
    std::array<ImVec2, size_t(ViewId::Count)> pos{}, size{};
};

Layout compute_layout(ImVec2 display, float top, float bottom);

}  // namespace qs::app
