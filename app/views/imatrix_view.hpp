// The Importance window: a llama.cpp imatrix's per-input-column importance of the
// selected weight tensor as a bar chart, and the imatrix-weighted MSE of spec A/B
// beside the plain MSE (state in app/state/imatrix_panel.hpp).
#pragma once
#include "app/state/imatrix_panel.hpp"
#include "app/views/view_common.hpp"

namespace qs::app {

void draw_imatrix_view(const ViewInput& in, ImatrixPanel& p);

}  // namespace qs::app
