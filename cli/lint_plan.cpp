// `quantscope-cli lint-plan MODEL PLANFILE --format llama|gptqmodel|compressed-tensors`:
// shows which tensors each override pattern matches under that tool's own rules and
// what would go wrong (core/lint). Exit code 4 when the lint finds errors.
#include "cli/command.hpp"
#include "core/io/open_model.hpp"
#include "core/lint/lint.hpp"
#include "core/lint/model_tensors.hpp"
#include "core/lint/read_rules.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace qs::cli {
namespace {

constexpr int kLintErrors = 4;

std::string clip(std::string_view s, size_t w) {
    return s.size() <= w ? std::string(s) : std::string(s.substr(0, w - 3)) + "...";
}

void print_report(const lint::LintReport& rep, const lint::ToolTensors& tt, size_t show) {
    const auto& rs = rep.rules;
    size_t subjects = 0, covered = 0;
    for (size_t t = 0; t < rep.tensors.size(); ++t)
        if (rep.matches.subject[t]) ++subjects, covered += rep.matches.winner[t] >= 0;
    fmt::print("{} ({} rules, {} rules format)\n", rs.source, rs.rules.size(), lint::tool_name(rs.tool));
    fmt::print("model: {} tensors, {} that {} considers, {} taken by a rule, the rest get: {}\n", rep.tensors.size(),
               subjects, lint::tool_name(rs.tool), covered, rs.default_assigns);
    if (tt.mapped || tt.unmapped)
        fmt::print("names: {} mapped to {} names ({} layout), {} without a known mapping\n", tt.mapped,
                   rs.tool == lint::Tool::Llama ? "GGUF" : "Hugging Face", exporter::arch_name(tt.arch), tt.unmapped);
    size_t pw = 7;
    for (const auto& r : rs.rules) pw = std::max(pw, std::min<size_t>((r.forced ? r.origin : r.pattern).size(), 48));
    size_t aw = 4;
    for (const auto& r : rs.rules) aw = std::max(aw, std::min<size_t>(r.assigns.size(), 48));
    fmt::print("\n  {:<{}}  {:<{}}  {:>7}  {:>7}  {}\n", "pattern", pw, "type", aw, "matches", "applies", "tensors");
    for (size_t r = 0; r < rs.rules.size(); ++r) {
        const auto& rule = rs.rules[r];
        size_t applies = 0;
        std::string first;
        for (size_t t : rep.matches.by_rule[r]) {
            if (rep.matches.winner[t] == int(r)) ++applies;
        }
        const auto& by = rep.matches.by_rule[r];
        for (size_t k = 0; k < by.size() && k < show; ++k) first += (k ? ", " : "") + rep.tensors[by[k]].name;
        if (by.size() > show) first += fmt::format(", ... (+{})", by.size() - show);
        const std::string pat = rule.forced ? rule.origin : rule.pattern;
        fmt::print("  {:<{}}  {:<{}}  {:>7}  {:>7}  {}\n", clip(pat, pw), pw, clip(rule.assigns, aw), aw, by.size(),
                   applies, rep.matches.rule_error[r].empty() ? first : "(invalid pattern)");
    }
    if (rep.findings.empty()) {
        fmt::print("\nno findings\n");
        return;
    }
    fmt::print("\nfindings: {} error{}, {} warning{}, {} note{}\n", rep.errors, rep.errors == 1 ? "" : "s", rep.warnings,
               rep.warnings == 1 ? "" : "s", rep.infos, rep.infos == 1 ? "" : "s");
    for (const auto& f : rep.findings) fmt::print("  {:<7} [{}] {}\n", lint::severity_name(f.severity), f.code, f.message);
}

nlohmann::ordered_json report_json(const lint::LintReport& rep, const std::string& model) {
    using J = nlohmann::ordered_json;
    const auto& rs = rep.rules;
    J rules = J::array();
    for (size_t r = 0; r < rs.rules.size(); ++r) {
        const auto& rule = rs.rules[r];
        J names = J::array();
        size_t applies = 0;
        for (size_t t : rep.matches.by_rule[r]) {
            names.push_back(rep.tensors[t].name);
            if (rep.matches.winner[t] == int(r)) ++applies;
        }
        rules.push_back({{"pattern", rule.pattern},
                         {"origin", rule.origin},
                         {"assigns", rule.assigns},
                         {"skip", rule.skip},
                         {"forced", rule.forced},
                         {"error", rep.matches.rule_error[r]},
                         {"matches", rep.matches.by_rule[r].size()},
                         {"applies", applies},
                         {"tensors", std::move(names)}});
    }
    J tensors = J::array();
    for (size_t t = 0; t < rep.tensors.size(); ++t) {
        if (!rep.matches.subject[t]) continue;
        const int w = rep.matches.winner[t];
        tensors.push_back({{"name", rep.tensors[t].name},
                           {"model_name", rep.tensors[t].model_name.empty() ? rep.tensors[t].name : rep.tensors[t].model_name},
                           {"rule", w},
                           {"assigns", rep.effective(t)}});
    }
    J findings = J::array();
    for (const auto& f : rep.findings)
        findings.push_back({{"severity", lint::severity_name(f.severity)},
                            {"code", f.code},
                            {"pattern", f.pattern},
                            {"tensors", f.tensors},
                            {"message", f.message}});
    return J{{"quantscope_lint", 1},
             {"format", lint::tool_name(rs.tool)},
             {"source", rs.source},
             {"model", model},
             {"default", rs.default_assigns},
             {"rules", std::move(rules)},
             {"tensors", std::move(tensors)},
             {"findings", std::move(findings)},
             {"errors", rep.errors},
             {"warnings", rep.warnings},
             {"infos", rep.infos}};
}

}  // namespace

void add_lint_plan_command(CLI::App& app, int& exit_code) {
    struct Opts {
        std::string model, planfile, format, precedence = "first", arch;
        std::vector<std::string> ties;
        bool no_default_ties = false, json = false;
        size_t show = 3;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand(
        "lint-plan", "Show which tensors each override pattern matches under the tool's own rules, and what would go "
                     "wrong (exit 4 when errors are found)");
    sub->add_option("MODEL", o->model, "The model the overrides are for (any format `info` opens)")->required();
    sub->add_option("PLANFILE", o->planfile,
                    "llama: --tensor-type-file or .sh command line; gptqmodel: quantize_config.json / config.json; "
                    "compressed-tensors: config.json; or a quantscope plan JSON (linted as exported)")
        ->required();
    sub->add_option("--format,-f", o->format, "llama, gptqmodel or compressed-tensors")->required();
    sub->add_option("--precedence", o->precedence,
                    "llama: 'first' (current llama.cpp: first matching pattern wins) or 'last' (early releases)")
        ->check(CLI::IsMember({"first", "last"}));
    sub->add_option("--arch", o->arch, "Layout for HF<->GGUF name mapping: llama, mistral, qwen2, qwen3, gemma, gemma2, "
                                       "gemma3, phi3, gpt2, starcoder (default: from the model)");
    sub->add_option("--tie", o->ties, "Extra tie regex: tensors whose capture groups agree must share a spec");
    sub->add_flag("--no-default-ties", o->no_default_ties, "Do not check the built-in q/k/v and gate/up ties");
    sub->add_option("--show", o->show, "Tensor names listed per pattern (default 3)");
    sub->add_flag("--json", o->json, "Print the report as JSON (schema in docs/lint.md)");
    sub->callback([o, &exit_code] {
        auto tool = lint::parse_tool(o->format);
        if (!tool) {
            std::cerr << "error: " << tool.message() << "\n";
            exit_code = kUsage;
            return;
        }
        std::optional<exporter::Arch> arch;
        if (!o->arch.empty()) {
            arch = exporter::arch_from_name(o->arch);
            if (!arch) {
                std::cerr << "error: unknown --arch '" << o->arch << "'\n";
                exit_code = kUsage;
                return;
            }
        }
        auto model = io::open_model(o->model);
        if (!model) {
            std::cerr << "error: " << model.message() << "\n";
            exit_code = kBadInput;
            return;
        }
        lint::ToolTensors tt = lint::tool_tensors(*model, *tool, arch);
        exporter::ExportOptions eo;
        eo.model = &*model;
        eo.arch = std::string(exporter::arch_name(tt.arch));
        auto rules = lint::read_rules_file(o->planfile, *tool, eo);
        if (!rules) {
            std::cerr << "error: " << rules.message() << "\n";
            exit_code = kBadInput;
            return;
        }
        lint::LintOptions lo;
        lo.match.llama = o->precedence == "last" ? lint::LlamaPrecedence::LastMatch : lint::LlamaPrecedence::FirstMatch;
        lo.ties = o->ties;
        lo.default_ties = !o->no_default_ties;
        const lint::LintReport rep = lint::lint(std::move(*rules), std::move(tt.tensors), lo);
        if (o->json) std::cout << report_json(rep, o->model).dump(2) << "\n";
        else print_report(rep, tt, o->show);
        exit_code = rep.errors ? kLintErrors : kOk;
    });
}

}  // namespace qs::cli
