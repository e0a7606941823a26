// The Anomalies window's state and controller: checks every tensor of the shown
// model (core/analysis/anomaly.hpp) on its own worker thread, one tensor at a
// time, publishing the report so far as it goes (progress, cancel), and keeps
// a per-tensor badge the model browser draws. No GL, no ImGui.
#pragma once

#include "app/state/app_state.hpp"
#include "app/worker/worker.hpp"
#include "core/analysis/anomaly.hpp"

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace qs::app {

struct AnomalyState {
    bool use_spec = true;                                    // saturation/unused codes under the current spec
    analysis::AnomalyThresholds thresholds;
    JobStatus status = JobStatus::Empty;
    std::string error;
    Progress progress;
    ModelId model = 0;                                       // the model the report is about
    std::string spec_text;                                   // the spec it used ("" = none)
    std::shared_ptr<const analysis::ModelReport> report;     // worst first; partial while running
    std::vector<int8_t> badge;                               // per tensor of `model`: -1 clean/unchecked, else Severity

    bool busy() const { return status == JobStatus::Running; }
    // Severity of tensor `t` of model `m`, or -1.
    int badge_of(ModelId m, int64_t t) const {
        return m == model && t >= 0 && size_t(t) < badge.size() ? badge[size_t(t)] : -1;
    }
};

namespace anomaly {
struct Compute { ModelId model; };   // 0 = the shown model
struct Cancel {};
struct SetUseSpec { bool on; };
}  // namespace anomaly
using AnomalyIntent = std::variant<anomaly::Compute, anomaly::Cancel, anomaly::SetUseSpec>;
using AnomalyIntents = std::vector<AnomalyIntent>;

class AnomalyController {
public:
    AnomalyController();
    ~AnomalyController();
    AnomalyController(const AnomalyController&) = delete;
    AnomalyController& operator=(const AnomalyController&) = delete;

    const AnomalyState& state() const { return s_; }
    void apply(const AnomalyIntent& in, const AppState& app);
    void apply(const AnomalyIntents& in, const AppState& app);
    // Delivers finished work; forgets the report of a closed model. Never blocks.
    void update(const AppState& app);
    bool settled() const;
    void set_notify(std::function<void()> notify) { worker_.set_notify(std::move(notify)); }

private:
    void compute(ModelId model, const AppState& app);
    void take(std::shared_ptr<const analysis::ModelReport> r);

    AnomalyState s_;
    Worker worker_;  // last: destroyed first, so no job outlives what it points to
};

}  // namespace qs::app
