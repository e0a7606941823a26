// `quantscope-cli check MODEL [--spec SPEC] [--json] [--tensor PATTERN]...`:
// anomaly flags for every floating-point tensor (core/analysis/anomaly.hpp),
// worst tensors first, as text or JSON (schema in docs/anomalies.md). Exit 0
// when nothing at --fail-on severity (default: error = NaN/Inf/undecodable) was
// found, 4 when something was.
#include "cli/command.hpp"
#include "cli/quant_common.hpp"
#include "core/analysis/anomaly.hpp"
#include "core/analysis/anomaly_json.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/spec_json.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace qs::cli {
namespace {

// Distinct from the usage/input/failure codes of command.hpp: the file was read
// fine, and it holds what --fail-on asks to fail on.
constexpr int kAnomaliesFound = 4;

void print_text(const analysis::ModelReport& r, bool all) {
    fmt::print("{} ({}; spec {})\n", r.path, r.format, r.spec ? quant::to_text(*r.spec) : "none");
    fmt::print("{} tensors checked, {} skipped, {} flagged: {} errors, {} warnings, {} infos\n", r.tensors.size(),
               r.skipped.size(), r.flagged(), r.count(analysis::Severity::Error),
               r.count(analysis::Severity::Warning), r.count(analysis::Severity::Info));
    size_t clean = 0;
    for (const auto& t : r.tensors) {
        const auto w = t.worst();
        if (!w) {
            ++clean;
            if (!all) continue;
        }
        fmt::print("\n{:<8} {}  {} {}\n", w ? analysis::severity_name(*w) : "clean", t.name, io::dtype_name(t.dtype),
                   io::shape_string(t.shape));
        for (const auto& f : t.flags) {
            std::string chans;
            if (!f.channels.empty()) {
                chans = " [channels";
                for (int64_t c : f.channels) chans += fmt::format(" {}", c);
                if (f.channel_count > f.channels.size()) chans += " ...";
                chans += "]";
            }
            fmt::print("  {:<8} {:<13} {}{}\n", analysis::severity_name(f.severity),
                       analysis::anomaly_kind_name(f.kind), f.message, chans);
        }
        if (all && !t.stats.quant_note.empty()) fmt::print("  (not quantized: {})\n", t.stats.quant_note);
    }
    if (clean && !all) fmt::print("\n{} tensors clean (--all lists them)\n", clean);
    for (const auto& s : r.skipped) fmt::print("skipped {}: {}\n", s.name, s.reason);
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
    struct Opts {
        std::string file;
        std::string spec = "int8";
        std::vector<std::string> tensors;
        std::string thresholds;
        std::string fail_on = "error";
        bool json = false;
        bool all = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("check", "Flag anomalies: NaN/Inf, denormals, dead channels, heavy tails, "
                                                "saturation and unused codes under a spec");
    sub->add_option("MODEL", o->file, "Model file (any format `info` reads)")->required();
    sub->add_option("--spec,-s", o->spec,
                    "Spec for saturation and unused codes: compact text, inline JSON, @file.json, or 'none' "
                    "(default int8)");
    sub->add_option("--tensor,-t", o->tensors, "Only these: name, glob or re:REGEX; repeatable");
    sub->add_option("--thresholds", o->thresholds,
                    "Override thresholds: inline JSON or @file.json (keys in docs/anomalies.md)");
    sub->add_option("--fail-on", o->fail_on, "Exit 4 when a flag of this severity or worse is found (default error)")
        ->check(CLI::IsMember({"error", "warning", "info", "never"}));
    sub->add_flag("--json", o->json, "Print JSON (schema in docs/anomalies.md)");
    sub->add_flag("--all", o->all, "Text: list clean tensors too");
    sub->callback([o, &exit_code] {
        analysis::ModelCheckOptions opts;
        if (o->spec != "none") {
            auto spec = quant::parse_spec(o->spec);
            if (!spec) {
                std::fprintf(stderr, "quantscope-cli check: %s\n", spec.message().c_str());
                exit_code = kUsage;
                return;
            }
            opts.spec = *spec;
        }
        if (!o->thresholds.empty()) {
            auto th = analysis::parse_thresholds(o->thresholds);
            if (!th) {
                std::fprintf(stderr, "quantscope-cli check: %s\n", th.message().c_str());
                exit_code = kUsage;
                return;
            }
            opts.thresholds = *th;
        }
        auto opened = io::open_model(o->file);
        if (!opened) {
            std::fprintf(stderr, "quantscope-cli: %s\n", opened.message().c_str());
            exit_code = kBadInput;
            return;
        }
        auto model = std::make_shared<const io::ModelIndex>(std::move(*opened));
        std::vector<size_t> picked;
        if (o->tensors.empty()) {
            for (size_t i = 0; i < model->tensors.size(); ++i) picked.push_back(i);
        } else {
            auto sel = select_tensors(*model, o->tensors);
            if (!sel) {
                std::fprintf(stderr, "quantscope-cli check: %s\n", sel.message().c_str());
                exit_code = kUsage;
                return;
            }
            picked = std::move(*sel);
        }

        // One tensor per call so the progress bar can name it; memory stays one tensor.
        analysis::ModelReport report;
        report.path = model->path;
        report.format = model->format;
        report.spec = opts.spec;
        report.thresholds = opts.thresholds;
        ProgressBar bar(picked.size());
        for (size_t k = 0; k < picked.size(); ++k) {
            bar.update(k, model->tensors[picked[k]].name);
            auto one = analysis::check_model_tensor(model, picked[k], opts);
            if (!one) {
                std::fprintf(stderr, "\nquantscope-cli check: %s\n", one.message().c_str());
                exit_code = kFailure;
                return;
            }
            if (one->report) report.tensors.push_back(std::move(*one->report));
            if (one->skipped) report.skipped.push_back(std::move(*one->skipped));
        }
        bar.update(picked.size(), "");
        analysis::sort_worst_first(report.tensors);

        if (o->json) fmt::print("{}\n", analysis::model_report_to_json(report).dump(1));
        else print_text(report, o->all);

        bool fail = false;
        if (o->fail_on != "never") {
            const auto limit = o->fail_on == "error"     ? analysis::Severity::Error
                               : o->fail_on == "warning" ? analysis::Severity::Warning
                                                         : analysis::Severity::Info;
            for (const auto& t : report.tensors)
                if (auto w = t.worst(); w && *w >= limit) fail = true;
        }
        exit_code = fail ? kAnomaliesFound : kOk;
    });
}

}  // namespace qs::cli
