// Every view is a free function in its own file: it reads AppState through
// ViewInput, keeps its own UI state, and appends intents. None computes.
#pragma once

#include "app/gfx/heatmap_renderer.hpp"
#include "app/views/view_common.hpp"

namespace qs::app {

void draw_main_menu(const ViewInput& in, UiState& ui, Intents& out);
void draw_model_browser(const ViewInput& in, UiState& ui, Intents& out);
void draw_file_dialog(const ViewInput& in, FileDialogUi& ui, Intents& out);
void draw_spec_panel(const ViewInput& in, SpecUi& ui, Intents& out);
void draw_histogram_view(const ViewInput& in, HistogramUi& ui, Intents& out);
void draw_error_view(const ViewInput& in, ErrorUi& ui, Intents& out);
void draw_heatmap_view(const ViewInput& in, HeatmapUi& ui, HeatmapRenderer* gpu, Intents& out);
void draw_metrics_view(const ViewInput& in, Intents& out);
void draw_sweep_view(const ViewInput& in, SweepUi& ui, Intents& out);
void draw_messages_view(const ViewInput& in, Intents& out);
void draw_status_bar(const ViewInput& in, UiState& ui, Intents& out);
void draw_about(UiState& ui);
// The lesson windows listed in the Learn menu that are open (registered in main_menu.cpp).
void draw_learn_windows(const ViewInput& in, UiState& ui, Intents& out);
// Keyboard shortcuts (Ctrl+O, Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y, Ctrl +/-/0, Ctrl+P, Ctrl+Q).
void handle_shortcuts(const ViewInput& in, UiState& ui, Intents& out);

}  // namespace qs::app
