// The `session` and `file` script actions: drive autosave and restore, and change
// model files underneath the app, from GUI tests (tests/gui/session_*.sh, *.qs).
//   session wait_saved [SECONDS]     the current state is on disk (autosave ran)
//   session wait_restored [SECONDS]  a restore has finished (models loaded, tensor selected)
//   session dump PATH                the session as JSON, without the layout and timestamps
//   session restore                  File > Restore last session
//   session reopen                   clicks the Reopen button of the "changed on disk" notice
//   session assert crashed|restored|active|can_restore == yes|no
//   session assert changed OP N      models reported as changed on disk (not dismissed)
//   file copy FROM TO   file truncate PATH BYTES   file replace PATH WITH (atomic rename over PATH)
#include "app/ui/script_runner.hpp"
#include "app/ui/session_glue.hpp"
#include "core/util/atomic_write.hpp"
#include "core/util/read_text.hpp"

#include <fmt/format.h>

#include <cfloat>
#include <charconv>
#include <cstdlib>
#include <unistd.h>

namespace qs::app {

void ScriptRunner::session_action(const ScriptAction& a, const AppState& s, const UiState& ui) {
    (void)s;
    if (!session_) return fail("no session (run with --config-dir DIR)");
    const std::string& w = a.args[0];
    const size_t n = a.args.size();
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - action_start_).count();
    const double timeout = n >= 2 ? std::atof(a.args[1].c_str()) : 30.0;
    if (w == "wait_saved") {
        if (!session_->active()) return fail("the session is not active (another instance, or no config folder)");
        if (session_->saved_current() && !session_->restoring()) return next();
        if (elapsed_s > timeout) fail(fmt::format("not saved after {} s", timeout));
    } else if (w == "wait_restored") {
        if (!session_->restoring()) return next();
        if (elapsed_s > timeout) fail(fmt::format("still restoring after {} s", timeout));
    } else if (w == "dump" && n == 2) {
        Session cur = session_->current(ui);
        cur.imgui_ini.clear();
        if (auto st = write_file_atomic(a.args[1], session_json_text(cur)); !st) return fail(st.message());
        next();
    } else if (w == "restore") {
        session_->request_restore();
        next();
    } else if (w == "reopen") {
        const ImVec2 b = ui.session.reopen_button;
        if (b.x < 0 && step_ == 0) {
            if (elapsed_s > timeout) fail("no Reopen button (no file changed on disk)");
            return;
        }
        if (step_ == 0) mouse_ = b;
        else if (step_ == 1) down_ = true;
        else if (step_ == 2) down_ = false;
        else if (step_ == 3) mouse_ = ImVec2(-FLT_MAX, -FLT_MAX);
        if (++step_ > 4) next();
    } else if (w == "assert" && n == 4) {
        const std::string& what = a.args[1];
        const std::string& op = a.args[2];
        if (what == "changed") {
            double want = 0;
            auto [p, ec] = std::from_chars(a.args[3].data(), a.args[3].data() + a.args[3].size(), want);
            if (ec != std::errc() || p != a.args[3].data() + a.args[3].size()) return fail("expected a number");
            double got = 0;
            for (const auto& c : ui.session.changed) got += c.dismissed ? 0 : 1;
            auto r = compare_numbers(got, op, want);
            if (!r) return fail(r.message());
            if (!*r) return fail(fmt::format("{} model(s) reported as changed, expected {} {}", got, op, a.args[3]));
            return next();
        }
        bool got = false;
        if (what == "crashed") got = session_->crashed();
        else if (what == "restored") got = session_->restored();
        else if (what == "active") got = session_->active();
        else if (what == "can_restore") got = ui.session.can_restore;
        else return fail("unknown session assertion (see app/ui/script_session.cpp)");
        const bool want = a.args[3] == "yes";
        if ((got == want) != (op == "==")) return fail(fmt::format("{} is {}", what, got ? "yes" : "no"));
        next();
    } else {
        fail("unknown session action (see app/ui/script_session.cpp)");
    }
}

void ScriptRunner::file_action(const ScriptAction& a) {
    const std::string& w = a.args[0];
    std::error_code ec;
    if (w == "copy" && a.args.size() == 3) {
        std::filesystem::copy_file(resolve(a.args[1]), a.args[2], std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) return fail(a.args[1] + " -> " + a.args[2] + ": " + ec.message());
    } else if (w == "truncate" && a.args.size() == 3) {
        if (::truncate(a.args[1].c_str(), off_t(std::atoll(a.args[2].c_str()))) != 0)
            return fail(a.args[1] + ": cannot truncate");
    } else if (w == "replace" && a.args.size() == 3) {
        auto text = read_text_file(resolve(a.args[2]));
        if (!text) return fail(text.message());
        if (auto st = write_file_atomic(a.args[1], *text); !st) return fail(st.message());
    } else {
        return fail("expected 'file copy FROM TO', 'file truncate PATH BYTES' or 'file replace PATH WITH'");
    }
    next();
}

}  // namespace qs::app
