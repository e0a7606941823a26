// `quantscope-cli plan FILE --candidates LIST --budget-bpw X [...] --format F --out PATH`:
// per-tensor costs of every candidate (weighted by the chosen sensitivity source),
// then the optimal mixed-precision plan under the budget, exported.
// With --shard i/n it computes only a slice of the tensors and writes that cost
// table to --out; `quantscope-cli merge` joins the slices and plans.
#include "cli/command.hpp"
#include "cli/plan_common.hpp"
#include "cli/quant_common.hpp"

#include "core/io/open_model.hpp"
#include "core/sensitivity/cost_table.hpp"

#include <iostream>
#include <memory>

namespace qs::cli {
namespace {

struct PlanCmd {
    std::string file;
    std::string candidates;
    std::string shard;
    std::string save_costs;
    SelectArgs select;
    SourceArgs source;
    PlanArgs plan;
};

int run(const PlanCmd& o) {
    auto m = io::open_model(o.file);
    if (!m) {
        std::cerr << "error: " << m.message() << "\n";
        return kBadInput;
    }
    auto cands = sensitivity::parse_candidates(o.candidates);
    if (!cands) {
        std::cerr << "error: " << cands.message() << "\n";
        return kUsage;
    }
    sensitivity::Shard shard;
    if (!o.shard.empty()) {
        auto s = sensitivity::parse_shard(o.shard);
        if (!s) {
            std::cerr << "error: " << s.message() << "\n";
            return kUsage;
        }
        shard = *s;
        if (o.plan.out.empty()) {
            std::cerr << "error: --shard needs --out for the partial cost table\n";
            return kUsage;
        }
        if (o.source.demo) {
            std::cerr << "error: --shard with --demo is not useful (the demo model plans in milliseconds)\n";
            return kUsage;
        }
    } else if (!o.plan.budget_bpw && !o.plan.budget_bytes) {
        std::cerr << "error: give a budget: --budget-bpw or --budget-bytes\n";
        return kUsage;
    }
    PlanInputs in;
    if (int rc = select_and_load(*m, o.select, o.source, in)) return rc;
    const std::vector<size_t>& plannable = in.plannable;
    const std::vector<size_t>& kept = in.kept;
    const LoadedSource* source = &in.source;
    sensitivity::CostOptions co;
    co.threads = o.source.threads;
    auto bar = std::make_shared<std::unique_ptr<ProgressBar>>();
    co.on_tensor = [bar](uint64_t done, uint64_t total, const std::string& name) {
        if (!*bar) *bar = std::make_unique<ProgressBar>(total);
        (*bar)->update(done, name);
    };
    auto table = sensitivity::compute_costs(*m, plannable, kept, *cands, *source->importance, shard, co);
    bar->reset();
    if (!table) {
        std::cerr << "error: " << table.message() << "\n";
        return kBadInput;
    }
    table->model = o.file;
    if (!o.save_costs.empty()) {
        if (auto st = sensitivity::write_cost_table(*table, o.save_costs); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }
    if (!o.shard.empty()) {
        if (auto st = sensitivity::write_cost_table(*table, o.plan.out); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
        std::cerr << "shard " << o.shard << ": " << table->tensors.size() << " of " << table->quantizable_total
                  << " tensors -> " << o.plan.out << "\n";
        return kOk;
    }
    return run_plan(*table, o.plan, &*m, &*source);
}

struct MergeCmd {
    std::vector<std::string> parts;
    std::string model;
    std::string save_costs;
    PlanArgs plan;
};

int run_merge(const MergeCmd& o) {
    std::vector<sensitivity::CostTable> parts;
    for (const auto& p : o.parts) {
        auto t = sensitivity::read_cost_table(p);
        if (!t) {
            std::cerr << "error: " << t.message() << "\n";
            return kBadInput;
        }
        parts.push_back(std::move(*t));
    }
    auto merged = sensitivity::merge_cost_tables(std::move(parts));
    if (!merged) {
        std::cerr << "error: " << merged.message() << "\n";
        return kBadInput;
    }
    if (!o.save_costs.empty()) {
        if (auto st = sensitivity::write_cost_table(*merged, o.save_costs); !st) {
            std::cerr << "error: " << st.message() << "\n";
            return kFailure;
        }
    }
    if (!o.plan.budget_bpw && !o.plan.budget_bytes) {
        if (o.save_costs.empty()) {
            std::cerr << "error: give a budget (--budget-bpw or --budget-bytes) or --save-costs\n";
            return kUsage;
        }
        return kOk;
    }
    // Exports that need the weights (aimet, safetensors) reopen the model.
    std::optional<io::ModelIndex> model;
    const std::string path = o.model.empty() ? merged->model : o.model;
    if (auto m = io::open_model(path); m) {
        if (sensitivity::model_fingerprint(*m) != merged->fingerprint) {
            std::cerr << "error: " << path << " is not the model the shards were computed on (fingerprint differs)\n";
            return kBadInput;
        }
        model = std::move(*m);
    } else if (!o.model.empty()) {
        std::cerr << "error: " << m.message() << "\n";
        return kBadInput;
    }
    return run_plan(*merged, o.plan, model ? &*model : nullptr, nullptr);
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<PlanCmd>();
    auto* sub = app.add_subcommand("plan", "Choose a spec per tensor under a size budget and export the plan");
    sub->add_option("FILE", o->file, "Model file (any format `info` reads)")->required();
    sub->add_option("--candidates,-c", o->candidates,
                    "Comma-separated candidate specs, e.g. int2:g64,int3:g64,int4:g128,int8 (gN = group=N)")
        ->required();
    sub->add_option("--shard", o->shard, "i/n: compute costs for slice i of n and write them to --out (then `merge`)");
    sub->add_option("--save-costs", o->save_costs, "Also write the cost table (quantscope_costs JSON)");
    add_select_options(sub, o->select);
    add_source_options(sub, o->source);
    add_plan_options(sub, o->plan);
    sub->callback([o, &exit_code] { exit_code = run(*o); });
}

void add_merge_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<MergeCmd>();
    auto* sub = app.add_subcommand("merge", "Join the cost tables of `plan --shard i/n` runs and plan");
    sub->add_option("PARTS", o->parts, "Cost tables written by `plan --shard`")->required();
    sub->add_option("--model", o->model, "The model (default: the path recorded in the tables)");
    sub->add_option("--save-costs", o->save_costs, "Write the merged cost table");
    add_plan_options(sub, o->plan);
    sub->callback([o, &exit_code] { exit_code = run_merge(*o); });
}

}  // namespace qs::cli
