// The Sensitivity window's controller with no GL: compute on the worker (demo
// Hessian traces and data-free), live re-planning from the budget, pins, the
// measured accuracy of frontier points, cancel, export read back, and a model
// closed underneath. Plans are checked against plan_from_costs on the same table.
#include "app/state/controller.hpp"
#include "app/state/sensitivity.hpp"
#include "core/export/plan_json.hpp"
#include "core/quant/quantize.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;

const std::string kDemo = (test::source_dir() / "assets/demo/mlp.safetensors").string();

struct Rig {
    Controller ctl{[] {
        ControllerOptions o;
        o.quantize = quant::quantize;
        return o;
    }()};
    SensitivityController sens;

    // Generous: CI runs tests in parallel on 2 shared cores.
    bool settle(std::chrono::milliseconds timeout = 170000ms) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            ctl.update();
            sens.update(ctl.state());
            if (ctl.settled() && sens.settled()) {
                ctl.update();
                sens.update(ctl.state());
                if (ctl.settled() && sens.settled()) return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }
    ModelId open(const std::string& path) {
        ctl.apply(intent::OpenFile{path});
        EXPECT_TRUE(settle());
        return ctl.state().models.back().id;
    }
    void apply(const SensIntent& i) { sens.apply(i, ctl.state()); }
};

TEST(Sensitivity, DemoModelComputesTracesPlansAndMeasures) {
    Rig r;
    const ModelId m = r.open(kDemo);
    r.apply(sens::SetHutchinson{1, 0.2, 40});  // fewer probes than the GUI's default: a fast test
    r.apply(sens::Compute{m});
    EXPECT_EQ(r.sens.state().status, JobStatus::Running);
    ASSERT_TRUE(r.settle());
    const SensState& s = r.sens.state();
    ASSERT_EQ(s.status, JobStatus::Ready) << s.error;
    ASSERT_TRUE(s.computed);
    EXPECT_EQ(s.computed->table.source, sensitivity::Source::HessianTrace);
    ASSERT_EQ(s.computed->table.tensors.size(), 3u);  // fc1, fc2, fc3 weights; biases kept
    for (const auto& t : s.computed->table.tensors) {
        EXPECT_GT(t.score, 0.0) << t.name;
        EXPECT_GE(t.score_se, 0.0) << t.name;
    }
    ASSERT_TRUE(s.plan && s.frontier);
    // Accuracy of frontier points and baselines, bounded.
    ASSERT_EQ(s.accuracy.status, JobStatus::Ready) << s.accuracy.error;
    const auto& acc = *s.accuracy.value;
    EXPECT_GE(acc.frontier.size(), 2u);
    EXPECT_LE(acc.frontier.size(), kMaxAccuracyPoints);
    ASSERT_TRUE(acc.float_acc);
    EXPECT_NEAR(*acc.float_acc, 0.9805, 0.001);  // docs/demo-model.md: 352/359
    ASSERT_EQ(acc.uniform.size(), 4u);
    ASSERT_TRUE(acc.uniform[3]);                // int8 per channel keeps the accuracy
    EXPECT_GT(*acc.uniform[3], 0.97);

    // The plan is exactly what plan_from_costs gives on the same table.
    for (double b : {2.5, 3.5, 6.0}) {
        r.apply(sens::SetBudget{b});
        plan::PlanRequest req;
        req.budget_bpw = r.sens.state().budget_bpw;
        auto ref = plan::plan_from_costs(s.computed->table, req);
        ASSERT_TRUE(ref) << ref.message();
        ASSERT_TRUE(s.plan);
        EXPECT_LE(s.plan->doc.avg_bpw(), r.sens.state().budget_bpw + 1e-9);
        EXPECT_DOUBLE_EQ(s.plan->doc.total_predicted_cost, ref->doc.total_predicted_cost);
    }
    ASSERT_TRUE(r.settle());
    ASSERT_TRUE(s.plan_accuracy.value);
    EXPECT_NEAR(s.plan_accuracy.value->budget_bpw, s.plan->doc.avg_bpw(), 1e-12);

    // A pin forces the layer and the rest re-plans around it.
    r.apply(sens::SetBudget{3.0});
    r.apply(sens::Pin{"fc1.weight", "int8:channel"});
    for (const auto& t : s.plan->doc.tensors)
        if (t.name == "fc1.weight") {
            EXPECT_EQ(t.label, "int8:channel");
            EXPECT_TRUE(t.pinned);
        }
    r.apply(sens::Pin{"fc1.weight", ""});
    EXPECT_TRUE(s.pins.empty());
    for (const auto& t : s.plan->doc.tensors) EXPECT_FALSE(t.pinned);
}

TEST(Sensitivity, DataFreeExportReadsBack) {
    Rig r;
    const ModelId m = r.open(kDemo);
    r.apply(sens::SetSource{SensSource::DataFree, ""});
    r.apply(sens::SetCandidates{"int2:channel,int4:channel,int8:channel"});
    r.apply(sens::Compute{m});
    ASSERT_TRUE(r.settle());
    const SensState& s = r.sens.state();
    ASSERT_EQ(s.status, JobStatus::Ready) << s.error;
    EXPECT_EQ(s.computed->table.source, sensitivity::Source::DataFree);
    EXPECT_FALSE(s.computed->demo_model);  // no traces, no accuracy job
    EXPECT_EQ(s.accuracy.status, JobStatus::Empty);
    r.apply(sens::SetBudget{4.5});
    test::TempDir dir;
    r.apply(sens::Export{exporter::ExportFormat::Json, (dir / "plan.json").string()});
    ASSERT_TRUE(r.settle());
    ASSERT_EQ(s.export_status, JobStatus::Ready) << s.export_message;
    auto back = exporter::read_plan_json(dir / "plan.json");
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(back->sensitivity_source, "data-free");
    EXPECT_DOUBLE_EQ(back->total_predicted_cost, s.plan->doc.total_predicted_cost);
    EXPECT_EQ(back->tensors.size(), s.plan->doc.tensors.size());

    // Bad candidates fail with the parser's message, keeping the old result.
    r.apply(sens::SetCandidates{"int4:nonsense"});
    r.apply(sens::Compute{m});
    EXPECT_EQ(s.status, JobStatus::Failed);
    EXPECT_NE(s.error.find("candidates"), std::string::npos);
    EXPECT_TRUE(s.computed);

    // Closing the model drops what was computed on it.
    r.ctl.apply(intent::CloseModel{m});
    ASSERT_TRUE(r.settle());
    EXPECT_FALSE(s.computed);
    EXPECT_FALSE(s.plan);
}

TEST(Sensitivity, CancelStopsTheCompute) {
    Rig r;
    const ModelId m = r.open(kDemo);
    r.apply(sens::SetHutchinson{1, 1e-6, 100000});  // would run for a long time
    r.apply(sens::Compute{m});
    std::this_thread::sleep_for(50ms);
    r.sens.update(r.ctl.state());
    r.apply(sens::Cancel{});
    ASSERT_TRUE(r.settle(20000ms));
    EXPECT_NE(r.sens.state().status, JobStatus::Running);
    EXPECT_FALSE(r.sens.state().computed);
    EXPECT_EQ(r.sens.state().error, "cancelled");
}

}  // namespace
}  // namespace qs::app
