// `quantscope-cli sensitivity FILE [--imatrix F | --traces F | --demo] [--spec S] [--json] [--out traces.json]`:
// per tensor, the sensitivity score of the chosen source (Hessian trace / n with
// its standard error, mean imatrix importance, or the data-free parameter share)
// and the predicted cost under one spec (HAWQ-v2 Omega for traces), ranked.
// `--compare` hands over to cli/sensitivity_compare.cpp (every method side by side).
#include "cli/command.hpp"
#include "cli/plan_common.hpp"
#include "cli/quant_common.hpp"
#include "cli/sensitivity_compare.hpp"

#include "core/io/open_model.hpp"
#include "core/quant/result_json.hpp"
#include "core/sensitivity/cost_table.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

namespace qs::cli {
namespace {

using nlohmann::json;

struct SensCmd {
    std::string file;
    std::string spec = "int4:g128";
    std::string out;
    bool json = false;
    bool compare = false;
    bool spec_given = false;
    bool no_eigen = false;
    bool no_fisher = false;
    SelectArgs select;
    SourceArgs source;
};

int run(const SensCmd& o) {
    if (o.compare) {
        if (o.source.demo || !o.source.traces.empty() || !o.out.empty()) {
            std::cerr << "error: --compare computes every method itself; drop --demo/--traces/--out\n";
            return kUsage;
        }
        CompareArgs c{o.file, o.spec_given ? o.spec : std::string(), o.json, o.no_eigen, o.no_fisher, o.select,
                      o.source};
        return run_sensitivity_compare(c);
    }
    auto m = io::open_model(o.file);
    if (!m) {
        std::cerr << "error: " << m.message() << "\n";
        return kBadInput;
    }
    auto spec = sensitivity::parse_candidate(o.spec);
    if (!spec) {
        std::cerr << "error: " << spec.message() << "\n";
        return kUsage;
    }
    PlanInputs in;
    if (int rc = select_and_load(*m, o.select, o.source, in)) return rc;
    const std::vector<size_t>& plannable = in.plannable;
    const std::vector<size_t>& kept = in.kept;
    const LoadedSource* source = &in.source;
    if (!o.out.empty()) {
        if (!source->traces || o.source.demo == false) {
            std::cerr << "error: --out writes Hessian traces; it needs --demo\n";
            return kUsage;
        }
        if (auto st = sensitivity::write_traces(*source->traces, o.out); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }
    sensitivity::CostOptions co;
    co.threads = o.source.threads;
    auto table = sensitivity::compute_costs(*m, plannable, kept, {{o.spec, *spec}}, *source->importance, {}, co);
    if (!table) {
        std::cerr << "error: " << table.message() << "\n";
        return kBadInput;
    }
    const auto src = source->importance->source();
    // Rank by predicted cost, most sensitive first.
    std::vector<size_t> order(table->tensors.size());
    std::iota(order.begin(), order.end(), 0);
    auto cost_of = [&](size_t i) {
        const auto& c = table->tensors[i].costs[0];
        return c.feasible ? c.cost : -1.0;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost_of(a) > cost_of(b); });

    if (o.json) {
        json rows = json::array();
        for (size_t r = 0; r < order.size(); ++r) {
            const auto& t = table->tensors[order[r]];
            json e = {{"rank", r + 1}, {"name", t.name}, {"shape", t.shape}, {"numel", t.numel},
                      {"score", quant::json_number(t.score)}, {"score_std_error", quant::json_number(t.score_se)}};
            if (source->traces) {
                if (auto it = source->traces->tensors.find(t.name); it != source->traces->tensors.end()) {
                    e["trace"] = it->second.trace;
                    e["trace_std_error"] = it->second.std_error;
                    e["iterations"] = it->second.iterations;
                    e["converged"] = it->second.converged;
                    if (it->second.top_eigenvalue) e["top_eigenvalue"] = *it->second.top_eigenvalue;
                }
            }
            const auto& c = t.costs[0];
            if (c.feasible) {
                e["cost"] = c.cost;
                e["sum_sq_err"] = c.sum_sq_err;
                e["bpw"] = c.bits_per_weight;
            } else {
                e["cost"] = nullptr;
                e["why"] = c.why;
            }
            if (!t.note.empty()) e["note"] = t.note;
            rows.push_back(std::move(e));
        }
        json j = {{"quantscope_sensitivity", 1},
                  {"model", o.file},
                  {"source", sensitivity::source_name(src)},
                  {"trust", sensitivity::source_trust(src)},
                  {"spec", o.spec},
                  {"tensors", std::move(rows)},
                  {"kept", kept.size()}};
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    size_t w = 6;
    for (const auto& t : table->tensors) w = std::max(w, t.name.size());
    w = std::min<size_t>(w, 60);
    fmt::print("{}  sensitivity: {}\n  {}\n\n", o.file, sensitivity::source_name(src), sensitivity::source_trust(src));
    const char* score_name = src == sensitivity::Source::DataFree ? "share"
                             : src == sensitivity::Source::Imatrix ? "mean imp."
                                                                  : "Tr(H)/n";
    fmt::print("  {:>4}  {:<{}}  {:>10}  {:>11}  {:>10}  {:>12}\n", "rank", "tensor", w, "params", score_name,
               "+-", fmt::format("cost @{}", o.spec));
    for (size_t r = 0; r < order.size(); ++r) {
        const auto& t = table->tensors[order[r]];
        const auto& c = t.costs[0];
        fmt::print("  {:>4}  {:<{}}  {:>10}  {:>11}  {:>10}  {:>12}{}\n", r + 1, t.name, w, t.numel, fmt_sci(t.score),
                   t.score_se > 0 ? fmt_sci(t.score_se) : std::string("-"), c.feasible ? fmt_sci(c.cost) : "n/a",
                   t.note.empty() ? "" : "  (" + t.note + ")");
    }
    if (source->traces && o.source.eigen) {
        fmt::print("\n  top eigenvalues:\n");
        for (const auto& [name, tr] : source->traces->tensors)
            if (tr.top_eigenvalue) fmt::print("    {:<{}}  {}\n", name, w, fmt_sci(*tr.top_eigenvalue));
    }
    if (!kept.empty()) fmt::print("\n  {} tensors kept as they are (1-D, integer, or excluded)\n", kept.size());
    return kOk;
}

}  // namespace

void add_sensitivity_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<SensCmd>();
    auto* sub = app.add_subcommand("sensitivity", "Rank tensors by how much quantizing them should cost");
    sub->add_option("FILE", o->file, "Model file (any format `info` reads)")->required();
    auto* spec = sub->add_option("--spec,-s", o->spec,
                                 "Spec whose predicted cost is shown (default int4:g128); with --compare a "
                                 "comma-separated list (default int2,int3,int4)");
    sub->add_flag("--json", o->json, "Print JSON (docs/plan.md)");
    sub->add_option("--out,-o", o->out, "With --demo: write the traces (quantscope_traces JSON) here");
    sub->add_flag("--eigen", o->source.eigen, "With --demo: also the top Hessian eigenvalue per tensor");
    add_select_options(sub, o->select);
    add_source_options(sub, o->source);
    sub->add_flag("--compare", o->compare,
                  "Every sensitivity method side by side, with the measured effect and rank correlations on a "
                  "demo model (docs/sensitivity-compare.md)");
    sub->add_flag("--no-eigen", o->no_eigen, "With --compare: skip the top-eigenvalue methods");
    sub->add_flag("--no-fisher", o->no_fisher, "With --compare: skip the Fisher methods");
    sub->callback([o, spec, &exit_code] {
        o->spec_given = spec->count() > 0;
        exit_code = run(*o);
    });
}

}  // namespace qs::cli
