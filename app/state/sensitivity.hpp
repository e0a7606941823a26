// The Sensitivity window's state and its controller: picks the sensitivity
// source (demo Hessian traces, imatrix, traces JSON, data-free), computes the
// cost table on its own worker (progress, cancel), re-plans from the table on
// every budget or pin change (milliseconds, on the UI thread), measures the
// demo model's test accuracy at frontier points on the worker, and exports.
// Mirrors cli/plan_common.cpp. No GL, no ImGui: tests drive it directly.
#pragma once

#include "app/state/app_state.hpp"
#include "app/worker/worker.hpp"
#include "core/export/export.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/plan/from_costs.hpp"
#include "core/sensitivity/cost_table.hpp"
#include "core/sensitivity/traces.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qs::app {

enum class SensSource : uint8_t { Auto, Demo, Imatrix, TracesJson, DataFree };
const char* sens_source_label(SensSource s);

// What a Compute produced: everything re-planning and the accuracy job need.
struct SensComputed {
    ModelId model = 0;
    std::shared_ptr<const io::ModelIndex> index;
    sensitivity::CostTable table;
    std::shared_ptr<const sensitivity::TraceTable> traces;  // Hessian / JSON sources
    std::shared_ptr<const nn::Model> demo_model;            // demo models only
    std::shared_ptr<const nn::DigitsSplit> demo_data;
    uint64_t quantized_params = 0;
    double seconds = 0.0;
};

// Measured test accuracy (demo model) at sampled frontier points and baselines.
struct SensAccuracy {
    std::optional<double> float_acc;
    struct Point {
        double bpw = 0, cost = 0, accuracy = 0;
    };
    std::vector<Point> frontier;                   // sampled frontier points, smallest first
    std::vector<std::optional<double>> uniform;    // per candidate (same order as the table's)
};

struct SensPlanAccuracy {
    double budget_bpw = 0;
    double accuracy = 0;
};

struct SensState {
    // Inputs
    SensSource source = SensSource::Auto;
    std::string source_path;                       // imatrix / traces file
    std::string candidates = "int2:channel,int3:channel,int4:channel,int8:channel";
    uint64_t seed = 1;
    double tol = 0.05;
    int max_iter = 300;
    double budget_bpw = 4.5;
    std::map<std::string, std::string> pins;       // tensor name -> candidate label

    // Compute job
    JobStatus status = JobStatus::Empty;
    std::string error;
    std::string phase;                             // "Hessian traces", "cost table"
    Progress progress;
    std::shared_ptr<const SensComputed> computed;

    // Plan (re-made from `computed` on every budget/pin change)
    std::optional<plan::PlanOutcome> plan;
    std::optional<plan::Frontier> frontier;
    std::string plan_error;
    double min_bpw = 0, max_bpw = 16;              // the frontier's extent

    // Accuracy (demo models)
    Latest<SensAccuracy> accuracy;
    Latest<SensPlanAccuracy> plan_accuracy;

    // Export
    JobStatus export_status = JobStatus::Empty;
    std::string export_message;                    // "wrote PATH" or the error
    std::vector<std::string> export_warnings;

    // The source actually used / to be used (Auto resolved against the model).
    SensSource resolved_source(const io::ModelIndex* m) const;
    bool busy() const;
};

namespace sens {
struct SetSource { SensSource source; std::string path; };
struct SetCandidates { std::string text; };
struct SetHutchinson { uint64_t seed; double tol; int max_iter; };
struct Compute { ModelId model; };
struct Cancel {};
struct SetBudget { double bpw; };
struct Pin { std::string tensor; std::string label; };   // empty label = unpin
struct ClearPins {};
struct Export { exporter::ExportFormat format; std::string path; };
}  // namespace sens

using SensIntent = std::variant<sens::SetSource, sens::SetCandidates, sens::SetHutchinson, sens::Compute, sens::Cancel,
                                sens::SetBudget, sens::Pin, sens::ClearPins, sens::Export>;
using SensIntents = std::vector<SensIntent>;

// How many frontier points get their accuracy measured at most.
inline constexpr size_t kMaxAccuracyPoints = 24;

class SensitivityController {
public:
    SensitivityController();
    ~SensitivityController();
    SensitivityController(const SensitivityController&) = delete;
    SensitivityController& operator=(const SensitivityController&) = delete;

    const SensState& state() const { return s_; }
    // `app` gives the open models (Compute looks the model up there).
    void apply(const SensIntent& in, const AppState& app);
    void apply(const SensIntents& in, const AppState& app);
    // Delivers finished work; drops results for models that were closed. Never blocks.
    void update(const AppState& app);
    bool settled() const;
    void set_notify(std::function<void()> notify) { worker_.set_notify(std::move(notify)); }

private:
    void compute(ModelId model, const AppState& app);
    void replan(bool frontier_too);
    void start_accuracy();
    void start_plan_accuracy();
    void start_export(exporter::ExportFormat f, const std::string& path);
    plan::PlanRequest request() const;

    SensState s_;
    std::shared_ptr<std::atomic<int>> phase_;  // 0 traces, 1 cost table (set by the compute job)
    Worker worker_;  // last: destroyed first, so no job outlives what it points to
};

}  // namespace qs::app
