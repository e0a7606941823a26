// The --script language for GUI tests and demos: one action per line,
// '#' starts a comment, "double quotes" group words, ${NAME} expands a
// --var NAME=VALUE (or an environment variable). Parsing is GL-free and
// unit-tested; app/ui/script_runner.cpp executes the actions frame by frame.
//
//   open PATH                 select NAME              close
//   spec FIELD VALUE          preset NAME...           clip LO HI | clip auto
//   drag_clip lo|hi VALUE     undo / redo              pin / unpin / swap
//   heatmap weights|error|codes   bins N   theme dark|light   scale F
//   show VIEW on|off          sweep [all]              cancel_sweep
//   key COMBO (ctrl+z, ctrl+shift+z, ctrl+equal, ctrl+minus, escape)
//   mouse X Y   click X Y     wait [SECONDS]           frames N
//   screenshot PATH           export csv histogram|groups|metrics|sweep PATH
//   export png VIEW PATH      export spec PATH         echo TEXT...
//   assert spec FIELD == VALUE                assert tensor == NAME
//   assert metric NAME OP NUMBER  (A; metric_b for B; OP: == != < <= > >=)
//   assert status a|b|heat|sweep == empty|running|ready|failed
//   assert models == N   assert sweep_rows OP N   assert message TEXT...
//   assert ui_scale OP F   assert undo_depth OP N
//   bench_bits FROM TO ROUNDS   (moves the bits slider, reports frame time and latency)
//   sens ...                  the Sensitivity window (app/ui/script_sens.cpp): source, candidates,
//                             compute, cancel, budget, pin, unpin, export, click, assert
//   session ...               autosave and restore (app/ui/script_session.cpp): wait_saved, wait_restored,
//                             dump, restore, reopen, assert
//   file truncate PATH BYTES | file replace PATH WITH | file copy FROM TO   (change files underneath)
//   quit
#pragma once

#include "core/util/result.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

struct ScriptAction {
    int line = 0;
    std::string verb;
    std::vector<std::string> args;
    std::string rest(size_t from) const;  // args[from..] joined by spaces
};

using ScriptVars = std::map<std::string, std::string>;

Result<std::vector<ScriptAction>> parse_script(std::string_view text, const ScriptVars& vars,
                                               std::string_view source_name = "script");

// Comparison used by asserts: op in == != < <= > >=.
Result<bool> compare_numbers(double lhs, std::string_view op, double rhs);

}  // namespace qs::app
