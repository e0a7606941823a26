// Each subcommand lives in its own file and registers itself on the app.
// Exit codes (docs/cli.md): 0 ok, 1 usage error, 2 bad input file, 3 other failure.
#pragma once

#include <CLI/CLI.hpp>

namespace qs::cli {

enum ExitCode : int { kOk = 0, kUsage = 1, kBadInput = 2, kFailure = 3 };

// `exit_code` is written by the subcommand's callback.
void add_info_command(CLI::App& app, int& exit_code);
void add_train_demo_command(CLI::App& app, int& exit_code);
void add_quant_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_sensitivity_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
void add_lint_plan_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_import_measurement_command(CLI::App& app, int& exit_code);
void add_encodings_command(CLI::App& app, int& exit_code);

}  // namespace qs::cli
