// The Sensitivity window (issue 6, GUI): source and candidates, Compute with
// progress and Cancel, per-layer sensitivity bars with the chosen bits, the
// budget slider that re-plans live, the Pareto plot with measured accuracy
// beside it, per-layer pins and the export. Reads SensState, appends intents.
#pragma once

#include "app/state/sensitivity.hpp"
#include "app/views/view_common.hpp"
#include "app/widgets/plot.hpp"

#include <string>
#include <utility>
#include <vector>

namespace qs::app {

struct SensUi {
    int source = 0;                 // index into the source combo (SensSource order)
    std::string path;               // imatrix / traces file
    std::string candidates;         // the candidates box while edited
    bool editing = false;           // a text box has the keyboard
    int format = 0;                 // export format combo
    std::string export_path = "plan.json";
    XRange bars_x, pareto_x, acc_x;
    // Where the bars were drawn (scripts click a layer through it).
    std::vector<std::pair<std::string, ImVec2>> bar_centres;
};

void draw_sensitivity_view(const ViewInput& in, const SensState& ss, SensUi& ui, SensIntents& sout, Intents& out);

}  // namespace qs::app
