// The Anomalies window's controller with no GL: the whole-model check on its
// worker, badges per tensor, the spec switch, cancel, and a model closed underneath.
#include "app/state/anomaly.hpp"
#include "app/state/controller.hpp"
#include "core/quant/quantize.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;

struct AnomRig {
    Controller ctl{[] {
        ControllerOptions o;
        o.quantize = quant::quantize;
        return o;
    }()};
    AnomalyController anom;

    bool settle(std::chrono::milliseconds timeout = 120000ms) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            ctl.update();
            anom.update(ctl.state());
            if (ctl.settled() && anom.settled()) {
                ctl.update();
                anom.update(ctl.state());
                if (ctl.settled() && anom.settled()) return true;
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
};

const std::string kFixture = test::fixture("anomaly/anomaly.safetensors").string();

TEST(AnomalyState, ChecksTheModelAndSetsBadges) {
    AnomRig r;
    const ModelId m = r.open(kFixture);
    EXPECT_EQ(r.anom.state().status, JobStatus::Empty);
    r.anom.apply(anomaly::Compute{m}, r.ctl.state());
    EXPECT_EQ(r.anom.state().status, JobStatus::Running);
    ASSERT_TRUE(r.settle());
    const AnomalyState& s = r.anom.state();
    ASSERT_EQ(s.status, JobStatus::Ready) << s.error;
    ASSERT_TRUE(s.report);
    EXPECT_EQ(s.report->tensors.size(), 5u);
    EXPECT_EQ(s.report->count(analysis::Severity::Error), 3u);
    EXPECT_EQ(s.spec_text, quant::to_text(r.ctl.state().spec));
    const auto& idx = *r.ctl.state().models.back().index;
    EXPECT_EQ(s.badge_of(m, idx.find("nan_inf.f32")), int(analysis::Severity::Error));
    EXPECT_EQ(s.badge_of(m, idx.find("denorm_only.f32")), int(analysis::Severity::Info));
    EXPECT_EQ(s.badge_of(m, idx.find("clean.weight")), -1);
    EXPECT_EQ(s.badge_of(m, idx.find("ids")), -1);
    EXPECT_EQ(s.badge_of(m + 1, idx.find("nan_inf.f32")), -1);

    r.anom.apply(anomaly::SetUseSpec{false}, r.ctl.state());
    r.anom.apply(anomaly::Compute{0}, r.ctl.state());  // 0 = the shown model
    ASSERT_TRUE(r.settle());
    EXPECT_EQ(r.anom.state().status, JobStatus::Ready);
    EXPECT_EQ(r.anom.state().spec_text, "");
    EXPECT_FALSE(r.anom.state().report->spec.has_value());

    // Closing the model forgets its report.
    r.ctl.apply(intent::CloseModel{m});
    ASSERT_TRUE(r.settle());
    EXPECT_EQ(r.anom.state().status, JobStatus::Empty);
    EXPECT_FALSE(r.anom.state().report);
    EXPECT_FALSE(r.anom.state().use_spec);  // the user's choice survives
}

TEST(AnomalyState, CancelAndNoModel) {
    AnomRig r;
    r.anom.apply(anomaly::Compute{0}, r.ctl.state());
    EXPECT_EQ(r.anom.state().status, JobStatus::Failed);
    const ModelId m = r.open(kFixture);
    r.anom.apply(anomaly::Compute{m}, r.ctl.state());
    r.anom.apply(anomaly::Cancel{}, r.ctl.state());
    EXPECT_NE(r.anom.state().status, JobStatus::Running);
    ASSERT_TRUE(r.settle());
    EXPECT_NE(r.anom.state().status, JobStatus::Failed);
}

}  // namespace
}  // namespace qs::app
