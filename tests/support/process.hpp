// Runs a program with arguments, capturing stdout, stderr and the exit code,
// killing it after a timeout (a hang is a test failure, not a stuck CI run).
#pragma once

#include <string>
#include <vector>

namespace qs::test {

struct ProcessResult {
    int exit_code = -1;     // -1 when killed by a signal or the timeout
    bool timed_out = false;
    int signal = 0;
    std::string out;
    std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s = 60.0);

// Convenience: quantscope-cli with these arguments.
ProcessResult run_cli(const std::vector<std::string>& args, double timeout_s = 60.0);

}  // namespace qs::test
