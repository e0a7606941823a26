// The Anomalies window (issue 9): Check model (progress, Cancel) and a sortable
// table of flagged tensors, worst first; clicking a row selects the tensor in
// the explorer. Also the badge the model browser draws beside flagged tensors.
// Reads AnomalyState, appends intents; computes nothing.
#pragma once

#include "app/state/anomaly.hpp"
#include "app/views/view_common.hpp"

#include <string>
#include <utility>
#include <vector>

namespace qs::app {

struct AnomalyUi {
    int sort_col = 0;                     // 0 = worst first (the report's order)
    bool desc = false;
    bool show_clean = false;
    const analysis::ModelReport* cached_for = nullptr;  // `order` is for this report, column and direction
    int cached_col = -1;
    bool cached_desc = false;
    bool cached_clean = false;
    std::vector<size_t> order;            // rows shown, as indices into report->tensors
    // Where each row was drawn (scripts click a tensor through it).
    std::vector<std::pair<std::string, ImVec2>> row_centres;
};

void draw_anomaly_view(const ViewInput& in, const AnomalyState& as, AnomalyUi& ui, AnomalyIntents& aout, Intents& out);

// A small coloured marker (and tooltip) for tensor `t` of model `m` when the last
// check flagged it; nothing otherwise. Drawn at the right end of the last item.
void draw_anomaly_badge(const ViewInput& in, ModelId m, int64_t t);
// The flags of that tensor as coloured lines, inside a tooltip the caller opened.
void anomaly_tooltip_lines(const ViewInput& in, ModelId m, int64_t t);

}  // namespace qs::app
