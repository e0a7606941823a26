// The "Compare sensitivity methods" window (issue 9): specs and options, Run
// with progress/phase and Cancel, then a table (tensor x spec rows, one column
// per method, the measured loss increase and accuracy drop, Spearman / Kendall
// rows) and one scatter plot per method (its value vs the measured effect, rho
// in the title). Reads SensCompareState, appends intents.
#pragma once

#include "app/state/sens_compare.hpp"
#include "app/views/view_common.hpp"
#include "app/widgets/plot.hpp"

#include <string>
#include <vector>

namespace qs::app {

struct SensCompareUi {
    std::string specs;               // the specs box while edited
    bool editing = false;            // a text box has the keyboard
    bool ranks = true;               // scatter of ranks (what Spearman sees) or of values
    std::vector<XRange> plot_x;      // per method plot
};

void draw_sens_compare_view(const ViewInput& in, const SensCompareState& st, SensCompareUi& ui,
                            SensCompareIntents& cout, Intents& out);

}  // namespace qs::app
