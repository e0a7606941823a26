// The `scmp` script actions: drive the Compare methods window
// (app/state/sens_compare.hpp) from a GUI test.
//   scmp specs LIST     scmp options PROBES EIGEN_ITERATIONS on|off(eigen) on|off(Fisher)
//   scmp run            scmp cancel
//   scmp assert status == empty|running|ready|failed      scmp assert error == TEXT
//   scmp assert rows|methods|measured OP NUMBER            scmp assert rho METHOD_ID OP NUMBER
#include "app/state/sens_compare.hpp"
#include "app/ui/script_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace qs::app {

namespace {

const char* job_text(JobStatus s) {
    switch (s) {
        case JobStatus::Empty: return "empty";
        case JobStatus::Running: return "running";
        case JobStatus::Ready: return "ready";
        case JobStatus::Failed: return "failed";
    }
    return "?";
}

bool to_number(const std::string& s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool to_int(const std::string& s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void ScriptRunner::sens_compare_action(const ScriptAction& a, const AppState& s) {
    if (!cmp_) return fail("the Compare methods window is not available");
    const SensCompareState& st = cmp_->state();
    const std::string& w = a.args[0];
    const size_t n = a.args.size();
    if (w == "specs" && n == 2) {
        cmp_->apply(scmp::SetSpecs{a.args[1]}, s);
        next();
    } else if (w == "options" && n == 5) {
        int probes = 0, it = 0;
        if (!to_int(a.args[1], probes) || !to_int(a.args[2], it)) return fail("expected PROBES and ITERATIONS");
        cmp_->apply(scmp::SetOptions{probes, it, a.args[3] == "on", a.args[4] == "on"}, s);
        next();
    } else if (w == "run") {
        const bool loading = std::any_of(s.models.begin(), s.models.end(),
                                         [](const OpenModel& m) { return m.state == OpenModel::State::Loading; });
        if (loading || !s.shown_model) {
            if (step_++ > 3600) fail("no model open");
            return;
        }
        cmp_->apply(scmp::Run{s.shown_model}, s);
        next();
    } else if (w == "cancel") {
        cmp_->apply(scmp::Cancel{}, s);
        next();
    } else if (w == "assert" && n >= 4) {
        const std::string& what = a.args[1];
        const std::string& op = a.args[n == 5 ? 3 : 2];
        const std::string& rhs_text = a.args[n - 1];
        auto cmp = [&](double lhs) {
            double rhs = 0;
            if (!to_number(rhs_text, rhs)) return fail("'" + rhs_text + "' is not a number");
            auto r = compare_numbers(lhs, op, rhs);
            if (!r) return fail(r.message());
            if (!*r) fail(fmt::format("{} is {}, expected {} {}", a.rest(1), lhs, op, rhs_text));
        };
        auto cmp_text = [&](const std::string& got) {
            if ((got == rhs_text) != (op == "==")) fail(fmt::format("{} is '{}'", what, got));
        };
        const sensitivity::CompareResult* r = st.computed ? &st.computed->result : nullptr;
        if (what == "status") cmp_text(job_text(st.status));
        else if (what == "error") cmp_text(st.error);
        else if (what == "rows") cmp(r ? double(r->rows.size()) : 0.0);
        else if (what == "methods") cmp(r ? double(r->methods.size()) : 0.0);
        else if (what == "measured") cmp(r && r->measured ? 1.0 : 0.0);
        else if (what == "rho" && n == 5) {
            double v = NAN;
            if (r && r->measured)
                for (size_t m = 0; m < r->methods.size(); ++m)
                    if (r->methods[m].id == a.args[2]) v = r->pooled[m].spearman;
            if (std::isnan(v)) return fail("no Spearman rho for method '" + a.args[2] + "'");
            cmp(v);
        } else {
            return fail("unknown scmp assertion (see app/ui/script_sens_compare.cpp)");
        }
        if (!done_) next();
        else if (st.status == JobStatus::Failed) std::fprintf(stderr, "script: compare error: %s\n", st.error.c_str());
    } else {
        fail("unknown scmp action (see app/ui/script_sens_compare.cpp)");
    }
}

}  // namespace qs::app
