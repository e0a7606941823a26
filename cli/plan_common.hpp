// What `sensitivity`, `plan` and `merge` share: choosing the tensors to plan,
// loading the sensitivity source (--imatrix / --traces / --demo / data-free),
// and the options that shape a plan (budget, pins, ties, export).
#pragma once
#include "core/export/export.hpp"
#include "core/io/imatrix.hpp"
#include "core/io/model_index.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/plan/from_costs.hpp"
#include "core/sensitivity/importance.hpp"
#include "core/sensitivity/traces.hpp"
#include "core/util/result.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs::cli {

struct SelectArgs {
    std::vector<std::string> include;  // patterns as `quant --tensor` (name, glob, re:REGEX)
    std::vector<std::string> exclude;
    bool vectors = false;              // also plan rank-0/1 tensors (biases, norms)
};
void add_select_options(CLI::App* sub, SelectArgs& a);

// Quantizable tensors (floating point, rank >= 2 unless --vectors, filtered by
// --include/--exclude) and the rest in `kept`, both in file order.
Result<std::vector<size_t>> plannable_tensors(const io::ModelIndex& m, const SelectArgs& a, std::vector<size_t>* kept);

struct SourceArgs {
    std::string imatrix;
    std::string traces;
    bool demo = false;
    uint64_t seed = 1;
    double tol = 0.05;
    int max_iter = 300;
    bool eigen = false;
    int threads = 0;
};
void add_source_options(CLI::App* sub, SourceArgs& a);

// The sensitivity data and the Importance built over it (which points into it).
struct LoadedSource {
    std::unique_ptr<sensitivity::TraceTable> traces;
    std::unique_ptr<io::Imatrix> imatrix;
    std::unique_ptr<nn::Model> demo_model;
    std::unique_ptr<nn::DigitsSplit> demo_data;
    std::optional<sensitivity::Importance> importance;
};
// `quantized_params` is what data-free shares are taken of. Demo traces show a
// progress line on a terminal.
Result<LoadedSource> load_source(const io::ModelIndex& m, const SourceArgs& a, uint64_t quantized_params);

// What `plan` and `sensitivity` start from: the plannable tensors (and the rest, kept)
// and the sensitivity source over their parameters.
struct PlanInputs {
    std::vector<size_t> plannable, kept;
    LoadedSource source;
};
// Prints "error: ..." and returns kUsage for a bad selection, kBadInput for an
// unreadable source; 0 when `out` is filled.
int select_and_load(const io::ModelIndex& m, const SelectArgs& sel, const SourceArgs& src, PlanInputs& out);

struct PlanArgs {
    std::optional<double> budget_bpw;
    std::optional<uint64_t> budget_bytes;
    std::vector<std::string> pins;     // PATTERN=LABEL
    std::vector<std::string> ties;
    bool tie_common = false;
    std::string format = "json";
    std::string out;
    std::string frontier;              // CSV of the Pareto frontier
    bool json = false;                 // print the summary as JSON
    // export details
    std::string llama_base;
    std::string safetensors_mode = "fake";
    bool fake_quant_f32 = false;
    bool desc_act = false;
};
void add_plan_options(CLI::App* sub, PlanArgs& a);
Result<plan::PlanRequest> plan_request(const PlanArgs& a);

// Plans `table`, exports it, prints the summary (table or JSON) and the frontier;
// with a demo model, also the measured test accuracy of the plan and of the
// uniform baselines. `model` may be null (exports that need weights then fail
// with a clear message). Returns the exit code.
int run_plan(const sensitivity::CostTable& table, const PlanArgs& a, const io::ModelIndex* model,
             const LoadedSource* source);

}  // namespace qs::cli
