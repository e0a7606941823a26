// The "Compare sensitivity methods" window's state and controller: runs
// core/sensitivity/compare on its own worker (demo models: every method plus the
// measured effect and rank correlations; other models: data-free methods), with
// progress, the current phase, and cancel. No GL, no ImGui: tests drive it directly.
#pragma once

#include "app/state/app_state.hpp"
#include "app/worker/worker.hpp"
#include "core/sensitivity/compare.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace qs::app {

struct SensCompareComputed {
    ModelId model = 0;
    std::string model_path;
    sensitivity::CompareResult result;
    double seconds = 0.0;
};

struct SensCompareState {
    // Inputs
    std::string specs = "int2,int3,int4";   // candidate list (docs/quantspec.md), per-channel by default
    int max_probes = 100;                   // Hutchinson probes per tensor at most (the GUI's default is faster than the CLI's 300)
    int eigen_iterations = 50;              // power iterations per tensor at most
    bool eigen = true;
    bool fisher = true;
    uint64_t seed = 1;

    // Job
    JobStatus status = JobStatus::Empty;
    std::string error;
    std::string phase;                      // "Hessian traces", "Fisher (per-sample gradients)", ...
    Progress progress;
    std::shared_ptr<const SensCompareComputed> computed;

    bool busy() const { return status == JobStatus::Running; }
};

namespace scmp {
struct SetSpecs { std::string text; };
struct SetOptions { int max_probes; int eigen_iterations; bool eigen; bool fisher; };
struct Run { ModelId model; };
struct Cancel {};
}  // namespace scmp

using SensCompareIntent = std::variant<scmp::SetSpecs, scmp::SetOptions, scmp::Run, scmp::Cancel>;
using SensCompareIntents = std::vector<SensCompareIntent>;

class SensCompareController {
public:
    SensCompareController();
    ~SensCompareController();
    SensCompareController(const SensCompareController&) = delete;
    SensCompareController& operator=(const SensCompareController&) = delete;

    const SensCompareState& state() const { return s_; }
    void apply(const SensCompareIntent& in, const AppState& app);
    void apply(const SensCompareIntents& in, const AppState& app);
    // Delivers finished work and the phase text; drops results of closed models. Never blocks.
    void update(const AppState& app);
    bool settled() const { return !worker_ || worker_->idle(); }
    void set_notify(std::function<void()> notify) {
        if (worker_) worker_->set_notify(std::move(notify));
    }
    // Cancels and joins the worker, so no job calls `notify` after the app tore down
    // what it points to (the platform). Call before that; afterwards apply() ignores Run.
    void shutdown() { worker_.reset(); }

private:
    void run(ModelId model, const AppState& app);

    struct Phase {
        std::mutex mu;
        std::string text;
    };
    SensCompareState s_;
    std::shared_ptr<Phase> phase_;
    std::unique_ptr<Worker> worker_;  // last: destroyed first, so no job outlives what it points to
};

}  // namespace qs::app
