// `quantscope-cli import-measurement measurement.json --budget-bpw X [--model M]`:
// reads exllamav2's measurement as a cost table (error = 1 - accuracy per option
// of each block), plans it with quantscope's exact planner, replays exllamav2's own
// annealing optimizer on the same numbers, and prints both choices side by side.
// --out writes the exact plan as an exllamav2 "strategy" (block key -> option).
#include "cli/command.hpp"

#include "core/io/open_model.hpp"
#include "core/plan/from_costs.hpp"
#include "core/sensitivity/exl2_measurement.hpp"
#include "core/util/atomic_write.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

namespace qs::cli {
namespace {

struct Opts {
    std::string file;
    std::string model;
    double budget_bpw = 0.0;
    uint64_t seed = 0;
    int samples = 80;
    int iterations = 1000;
    bool no_anneal = false;
    bool json = false;
    bool verbose = false;
    std::string out;
};

struct Totals {
    double bits = 0, sum_err = 0, max_err = 0, sum_log_err = 0;
};

Totals totals(const sensitivity::Exl2Measurement& m, const std::vector<size_t>& choice) {
    Totals t;
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const auto& o = m.blocks[i].options[choice[i]];
        t.bits += double(o.total_bits);
        t.sum_err += o.error();
        t.max_err = std::max(t.max_err, o.error());
        t.sum_log_err += std::log(std::max(o.error(), 1e-300));
    }
    return t;
}

// Option index per block from a plan over the cost table (labels are unique within a block).
std::vector<size_t> option_choice(const sensitivity::Exl2Measurement& m, const plan::PlanOutcome& out,
                                  const plan::Plan& p) {
    std::vector<size_t> c(m.blocks.size(), 0);
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const std::string& label = out.problem.layers[i].candidates[p.choice[i]].label;
        for (size_t k = 0; k < m.blocks[i].options.size(); ++k)
            if (m.blocks[i].options[k].label == label) c[i] = k;
    }
    return c;
}

int run(const Opts& o) {
    auto m = sensitivity::read_exl2_measurement(o.file);
    if (!m) {
        std::cerr << "error: " << m.message() << "\n";
        return kBadInput;
    }
    std::optional<io::ModelIndex> model;
    if (!o.model.empty()) {
        auto mm = io::open_model(o.model);
        if (!mm) {
            std::cerr << "error: " << mm.message() << "\n";
            return kBadInput;
        }
        model = std::move(*mm);
    }
    if (auto st = sensitivity::set_exl2_numel(*m, model ? &*model : nullptr); !st) {
        std::cerr << "error: " << st.message() << "\n";
        return kBadInput;
    }
    uint64_t numel = 0;
    bool estimated = false;
    for (const auto& b : m->blocks) {
        numel += b.numel;
        estimated = estimated || b.numel_estimated;
    }
    const auto table = sensitivity::exl2_cost_table(*m);
    plan::PlanRequest req;
    req.budget_bpw = o.budget_bpw;
    auto planned = plan::plan_from_costs(table, req);
    if (!planned) {  // the file was fine; the budget is what no plan fits
        std::cerr << "error: " << planned.message() << "\n";
        return kUsage;
    }
    const auto exact = option_choice(*m, *planned, planned->exact);
    const auto greedy = option_choice(*m, *planned, planned->greedy);
    const Totals te = totals(*m, exact), tg = totals(*m, greedy);
    std::optional<sensitivity::AnnealResult> ann;
    if (!o.no_anneal) {
        sensitivity::AnnealOptions ao;
        ao.seed = o.seed;
        ao.samples = o.samples;
        ao.iterations = o.iterations;
        auto r = sensitivity::exl2_anneal(*m, uint64_t(double(numel) * o.budget_bpw), ao);
        if (!r) {
            std::cerr << "error: " << r.message() << "\n";
            return kUsage;
        }
        ann = std::move(*r);
    }
    const bool feasible = planned->exact.bits <= planned->problem.budget_bits * (1 + 1e-12);

    if (!o.out.empty()) {
        nlohmann::ordered_json s = nlohmann::ordered_json::object();
        for (size_t i = 0; i < m->blocks.size(); ++i) s[m->blocks[i].key] = m->blocks[i].options[exact[i]].raw;
        nlohmann::ordered_json doc;
        doc["quantscope_exl2_strategy"] = 1;
        doc["measurement"] = o.file;
        doc["budget_bpw"] = o.budget_bpw;
        doc["strategy"] = std::move(s);
        if (auto st = write_file_atomic(o.out, doc.dump(2) + "\n"); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }

    auto bpw = [&](double bits) { return numel ? bits / double(numel) : 0.0; };
    if (o.json) {
        nlohmann::ordered_json j;
        j["quantscope_exl2_compare"] = 1;
        j["measurement"] = o.file;
        j["budget_bpw"] = o.budget_bpw;
        j["weights"] = numel;
        j["weights_estimated"] = estimated;
        auto plan_json = [&](const std::vector<size_t>& c, const Totals& t) {
            nlohmann::ordered_json p;
            p["bits"] = t.bits;
            p["bpw"] = bpw(t.bits);
            p["sum_err"] = t.sum_err;
            p["max_err"] = t.max_err;
            p["sum_log_err"] = t.sum_log_err;
            p["choice"] = c;
            return p;
        };
        j["exact"] = plan_json(exact, te);
        j["exact"]["optimal"] = planned->exact.optimal;
        j["exact"]["within_budget"] = feasible;
        j["greedy"] = plan_json(greedy, tg);
        if (ann) {
            j["exllamav2"] = plan_json(ann->choice, Totals{double(ann->bits), ann->sum_err, ann->max_err, ann->sum_log_err});
            j["exllamav2"]["error_norm"] = ann->best_norm;
            j["exllamav2"]["seed"] = o.seed;
        }
        j["blocks"] = nlohmann::ordered_json::array();
        for (size_t i = 0; i < m->blocks.size(); ++i) {
            const auto& b = m->blocks[i];
            nlohmann::ordered_json row;
            row["block"] = b.key;
            row["weights"] = b.numel;
            row["exact"] = exact[i];
            row["greedy"] = greedy[i];
            if (ann) row["exllamav2"] = ann->choice[i];
            j["blocks"].push_back(std::move(row));
        }
        std::cout << j.dump(2) << "\n";
        return kOk;
    }

    fmt::print("{}: {} blocks, {} weights{}, budget {} bpw\n", o.file, m->blocks.size(), numel,
               estimated ? " (estimated from the 8-bit options; give --model for exact sizes)" : "", o.budget_bpw);
    if (!feasible) fmt::print("note: no choice fits the budget; the smallest options are shown\n");
    fmt::print("\n  {:<34} {:>21}  {:>21}  {}\n", "block", "quantscope exact", ann ? "exllamav2 anneal" : "greedy", "");
    fmt::print("  {:<34} {:>4} {:>7} {:>9}  {:>4} {:>7} {:>9}\n", "", "opt", "bpw", "error", "opt", "bpw", "error");
    for (size_t i = 0; i < m->blocks.size(); ++i) {
        const auto& b = m->blocks[i];
        const size_t a = exact[i], c = ann ? ann->choice[i] : greedy[i];
        const auto& oa = b.options[a];
        const auto& oc = b.options[c];
        if (!o.verbose && a == c && m->blocks.size() > 40) continue;
        fmt::print("  {:<34} {:>4} {:>7.4f} {:>9.6f}  {:>4} {:>7.4f} {:>9.6f}{}\n", b.key, a,
                   double(oa.total_bits) / double(b.numel), oa.error(), c, double(oc.total_bits) / double(b.numel),
                   oc.error(), a == c ? "" : "  *");
    }
    fmt::print("\n  {:<22} {:>8} {:>12} {:>10} {:>13}\n", "plan", "bpw", "sum(err)", "max(err)", "sum(log err)");
    auto line = [&](const std::string& name, const Totals& t) {
        fmt::print("  {:<22} {:>8.4f} {:>12.6f} {:>10.6f} {:>13.4f}\n", name, bpw(t.bits), t.sum_err, t.max_err,
                   t.sum_log_err);
    };
    line(planned->exact.optimal ? "quantscope exact" : "quantscope (best found)", te);
    line("quantscope greedy", tg);
    if (ann) {
        line("exllamav2 anneal", Totals{double(ann->bits), ann->sum_err, ann->max_err, ann->sum_log_err});
        fmt::print("\nexllamav2's optimizer minimises sum(err^p) by simulated annealing (p = {:.4f} chosen to minimise "
                   "max(err); seed {}); quantscope's minimises sum(err) exactly.\n",
                   ann->best_norm, o.seed);
    }
    if (!o.out.empty()) fmt::print("wrote {}\n", o.out);
    return kOk;
}

}  // namespace

void add_import_measurement_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<Opts>();
    auto* sub = app.add_subcommand("import-measurement",
                                   "Plan an exllamav2 measurement.json exactly and compare with exllamav2's own choice");
    sub->add_option("FILE", o->file, "measurement.json written by exllamav2's convert.py")->required();
    sub->add_option("--budget-bpw", o->budget_bpw, "Average bits per weight over the measured blocks (as convert.py -b)")
        ->required()
        ->check(CLI::Range(0.01, 64.0));
    sub->add_option("--model", o->model, "The original model, for exact weights per block (else estimated)");
    sub->add_option("--seed", o->seed, "Seed of the replayed exllamav2 optimizer (it uses a random seed itself)");
    sub->add_option("--anneal-samples", o->samples, "Runs per optimizer stage (exllamav2: 80)")->check(CLI::Range(2, 1000));
    sub->add_option("--anneal-iterations", o->iterations, "Moves per temperature step (exllamav2: 1000)")
        ->check(CLI::Range(1, 100000));
    sub->add_flag("--no-anneal", o->no_anneal, "Skip exllamav2's optimizer (compare with quantscope's greedy)");
    sub->add_flag("--all", o->verbose, "List every block (default: only differing blocks when there are > 40)");
    sub->add_flag("--json", o->json, "Print JSON");
    sub->add_option("--out", o->out, "Write the exact plan as an exllamav2 strategy (block key -> option) JSON");
    sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace qs::cli
