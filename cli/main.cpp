// quantscope-cli: the headless twin of the GUI. Thin: parses flags, calls core/.
#include "cli/command.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{"quantscope-cli: inspect, quantize and plan the quantization of model weights"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "quantscope 0.1.0");
    int exit_code = qs::cli::kOk;
    qs::cli::add_info_command(app, exit_code);
    qs::cli::add_train_demo_command(app, exit_code);
    qs::cli::add_quant_command(app, exit_code);
    qs::cli::add_compare_command(app, exit_code);
    qs::cli::add_sensitivity_command(app, exit_code);
    qs::cli::add_plan_command(app, exit_code);
    qs::cli::add_merge_command(app, exit_code);
    qs::cli::add_lint_plan_command(app, exit_code);
    qs::cli::add_check_command(app, exit_code);
    qs::cli::add_import_measurement_command(app, exit_code);
    qs::cli::add_encodings_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : qs::cli::kUsage;
    }
    return exit_code;
}
