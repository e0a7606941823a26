// The `sens` script actions: drive the Sensitivity window (app/state/sensitivity.hpp)
// from a GUI test, as a user would.
//   sens source auto|demo|imatrix|traces|data-free [PATH]   sens candidates LIST
//   sens compute       sens cancel        sens budget BPW     sens pin TENSOR LABEL
//   sens unpin TENSOR  sens export FORMAT PATH               sens click TENSOR (its bar)
//   sens assert status|export|accuracy == empty|running|ready|failed
//   sens assert layers|plan_bpw|plan_cost|accuracy_points|plan_accuracy|pins OP NUMBER
//   sens assert label TENSOR == LABEL        sens assert source == NAME
#include "app/state/sensitivity.hpp"
#include "app/ui/script_runner.hpp"
#include "app/views/sensitivity_view.hpp"
#include "core/sensitivity/importance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace qs::app {

namespace {

const char* job_name(JobStatus s) {
    switch (s) {
        case JobStatus::Empty: return "empty";
        case JobStatus::Running: return "running";
        case JobStatus::Ready: return "ready";
        case JobStatus::Failed: return "failed";
    }
    return "?";
}

bool number(const std::string& s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void ScriptRunner::sens_action(const ScriptAction& a, const AppState& s) {
    if (!sens_) return fail("the Sensitivity window is not available");
    const SensState& ss = sens_->state();
    const std::string& w = a.args[0];
    const size_t n = a.args.size();
    if (w == "source" && n >= 2) {
        const std::string& k = a.args[1];
        const SensSource src = k == "auto" ? SensSource::Auto
                               : k == "demo" ? SensSource::Demo
                               : k == "imatrix" ? SensSource::Imatrix
                               : k == "traces" ? SensSource::TracesJson
                                               : SensSource::DataFree;
        if (src == SensSource::DataFree && k != "data-free") return fail("unknown source '" + k + "'");
        sens_->apply(sens::SetSource{src, n >= 3 ? resolve(a.args[2]) : std::string()}, s);
        next();
    } else if (w == "candidates" && n == 2) {
        sens_->apply(sens::SetCandidates{a.args[1]}, s);
        next();
    } else if (w == "compute") {
        const bool loading = std::any_of(s.models.begin(), s.models.end(),
                                         [](const OpenModel& m) { return m.state == OpenModel::State::Loading; });
        if (loading || !s.shown_model) {
            if (step_++ > 3600) fail("no model open");
            return;
        }
        sens_->apply(sens::Compute{s.shown_model}, s);
        next();
    } else if (w == "cancel") {
        sens_->apply(sens::Cancel{}, s);
        next();
    } else if (w == "budget" && n == 2) {
        double b = 0;
        if (!number(a.args[1], b)) return fail("expected a number of bits per weight");
        sens_->apply(sens::SetBudget{b}, s);
        next();
    } else if (w == "pin" && n == 3) {
        sens_->apply(sens::Pin{a.args[1], a.args[2]}, s);
        next();
    } else if (w == "unpin" && n == 2) {
        sens_->apply(sens::Pin{a.args[1], ""}, s);
        next();
    } else if (w == "export" && n == 3) {
        auto f = exporter::parse_export_format(a.args[1]);
        if (!f) return fail(f.message());
        sens_->apply(sens::Export{*f, a.args[2]}, s);
        next();
    } else if (w == "click" && n == 2) {
        // Clicks the layer's bar in the chart, with the mouse.
        const auto& bars = sens_ui_->bar_centres;
        auto it = std::find_if(bars.begin(), bars.end(), [&](const auto& b) { return b.first == a.args[1]; });
        if (it == bars.end()) {
            if (step_ == 0 && ++settled_frames_ > 120) fail("no bar for '" + a.args[1] + "' (compute first)");
            return;
        }
        if (step_ == 0) mouse_ = it->second;
        else if (step_ == 1) down_ = true;
        else if (step_ == 2) down_ = false;
        else if (step_ == 3) mouse_ = ImVec2(-FLT_MAX, -FLT_MAX);
        if (++step_ > 4) next();
    } else if (w == "assert" && n >= 4) {
        const std::string& what = a.args[1];
        const std::string& op = a.args[2];
        auto cmp = [&](double lhs, const std::string& rhs_text) {
            double rhs = 0;
            if (!number(rhs_text, rhs)) return fail("'" + rhs_text + "' is not a number");
            auto r = compare_numbers(lhs, op, rhs);
            if (!r) return fail(r.message());
            if (!*r) fail(fmt::format("{} is {}, expected {} {}", what, lhs, op, rhs_text));
        };
        auto cmp_text = [&](const std::string& got, const std::string& want) {
            if ((got == want) != (op == "==")) fail(fmt::format("{} is '{}'", what, got));
        };
        if (what == "status") cmp_text(job_name(ss.status), a.args[3]);
        else if (what == "export") cmp_text(job_name(ss.export_status), a.args[3]);
        else if (what == "accuracy") cmp_text(job_name(ss.accuracy.status), a.args[3]);
        else if (what == "source")
            cmp_text(ss.computed ? std::string(sensitivity::source_name(ss.computed->table.source)) : "(none)", a.args[3]);
        else if (what == "layers") cmp(ss.computed ? double(ss.computed->table.tensors.size()) : 0.0, a.args[3]);
        else if (what == "plan_bpw") cmp(ss.plan ? ss.plan->doc.avg_bpw() : 0.0, a.args[3]);
        else if (what == "plan_cost") cmp(ss.plan ? ss.plan->doc.total_predicted_cost : -1.0, a.args[3]);
        else if (what == "pins") cmp(double(ss.pins.size()), a.args[3]);
        else if (what == "accuracy_points")
            cmp(ss.accuracy.value ? double(ss.accuracy.value->frontier.size()) : 0.0, a.args[3]);
        else if (what == "plan_accuracy")
            cmp(ss.plan_accuracy.value ? ss.plan_accuracy.value->accuracy : -1.0, a.args[3]);
        else if (what == "label" && n == 5) {
            // sens assert label TENSOR == LABEL
            std::string got = "(none)";
            if (ss.plan)
                for (const auto& t : ss.plan->doc.tensors)
                    if (t.name == a.args[2]) got = t.label;
            if ((got == a.args[4]) != (a.args[3] == "==")) fail(fmt::format("{} has '{}'", a.args[2], got));
        } else {
            return fail("unknown sens assertion (see app/ui/script_sens.cpp)");
        }
        if (!done_) {
            if (ss.status == JobStatus::Failed && what == "status")
                std::fprintf(stderr, "script:%d: sensitivity error: %s\n", a.line, ss.error.c_str());
            next();
        } else if (ss.status == JobStatus::Failed) {
            std::fprintf(stderr, "script: sensitivity error: %s\n", ss.error.c_str());
        }
    } else {
        fail("unknown sens action (see app/ui/script_sens.cpp)");
    }
}

}  // namespace qs::app
