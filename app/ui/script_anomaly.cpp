// The `anomaly` script actions: drive the Anomalies window (app/state/anomaly.hpp)
// from a GUI test, as a user would.
//   anomaly check        anomaly cancel        anomaly spec on|off
//   anomaly click TENSOR (its row in the table, with the mouse)
//   anomaly assert status == empty|running|ready|failed
//   anomaly assert checked|flagged|errors|warnings|infos OP NUMBER
//   anomaly assert badge TENSOR == error|warning|info|none
#include "app/state/anomaly.hpp"
#include "app/ui/script_runner.hpp"
#include "app/views/anomaly_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <charconv>

namespace qs::app {

void ScriptRunner::anomaly_action(const ScriptAction& a, const AppState& s) {
    if (!anom_) return fail("the Anomalies window is not available");
    const AnomalyState& as = anom_->state();
    const std::string& w = a.args[0];
    const size_t n = a.args.size();
    if (w == "check") {
        anom_->apply(anomaly::Compute{0}, s);
        next();
    } else if (w == "cancel") {
        anom_->apply(anomaly::Cancel{}, s);
        next();
    } else if (w == "spec" && n == 2) {
        anom_->apply(anomaly::SetUseSpec{a.args[1] == "on"}, s);
        next();
    } else if (w == "click" && n == 2) {
        const auto& rows = anom_ui_->row_centres;
        auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == a.args[1]; });
        if (it == rows.end()) {
            if (step_ == 0 && ++settled_frames_ > 120) fail("no row for '" + a.args[1] + "' (check first)");
            return;
        }
        if (step_ == 0) mouse_ = it->second;
        else if (step_ == 1) down_ = true;
        else if (step_ == 2) down_ = false;
        else if (step_ == 3) mouse_ = ImVec2(-FLT_MAX, -FLT_MAX);
        if (++step_ > 4) next();
    } else if (w == "assert" && n >= 4) {
        const std::string& what = a.args[1];
        if (what == "status") {
            static const char* names[] = {"empty", "running", "ready", "failed"};
            const std::string got = names[std::clamp(int(as.status), 0, 3)];
            if ((got == a.args[3]) != (a.args[2] == "=="))
                return fail(fmt::format("anomaly status is '{}'{}", got, as.error.empty() ? "" : ": " + as.error));
        } else if (what == "badge" && n == 5) {
            std::string got = "none";
            const OpenModel* om = s.find_model(as.model);
            const int64_t t = om && om->index ? om->index->find(a.args[2]) : -1;
            if (t < 0) return fail("no tensor '" + a.args[2] + "' in the checked model");
            if (int b = as.badge_of(as.model, t); b >= 0) got = analysis::severity_name(analysis::Severity(b));
            if ((got == a.args[4]) != (a.args[3] == "=="))
                return fail(fmt::format("the badge of {} is '{}'", a.args[2], got));
        } else {
            const auto* r = as.report.get();
            double lhs = 0;
            if (what == "checked") lhs = r ? double(r->tensors.size()) : 0.0;
            else if (what == "flagged") lhs = r ? double(r->flagged()) : 0.0;
            else if (what == "errors") lhs = r ? double(r->count(analysis::Severity::Error)) : 0.0;
            else if (what == "warnings") lhs = r ? double(r->count(analysis::Severity::Warning)) : 0.0;
            else if (what == "infos") lhs = r ? double(r->count(analysis::Severity::Info)) : 0.0;
            else return fail("unknown anomaly assertion (see app/ui/script_anomaly.cpp)");
            double rhs = 0;
            const std::string& t = a.args[3];
            auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), rhs);
            if (ec != std::errc() || p != t.data() + t.size()) return fail("'" + t + "' is not a number");
            auto ok = compare_numbers(lhs, a.args[2], rhs);
            if (!ok) return fail(ok.message());
            if (!*ok) return fail(fmt::format("anomaly {} is {}, expected {} {}", what, lhs, a.args[2], t));
        }
        next();
    } else {
        fail("unknown anomaly action (see app/ui/script_anomaly.cpp)");
    }
}

}  // namespace qs::app
