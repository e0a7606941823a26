// AppState transitions through the Controller, with no GL: opening models
// (good and bad), selection, spec edits with undo/redo and drag coalescing,
// the result cache (going back is instant), cancellation and stale results
// under rapid edits, A/B pinning, heatmaps, the sweep, exports, settings.
#include "app/state/controller.hpp"
#include "app/state/spec_fields.hpp"
#include "core/quant/quantize.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;

const std::string kModel = test::fixture("gui/model.safetensors").string();

// A quantizer that counts calls, can be held at a gate, and honours cancellation.
// Its result encodes the spec: mse = 1 / bits.
struct FakeQuantizer {
    std::atomic<int> calls{0};
    std::atomic<int> completed{0};
    std::atomic<bool> hold{false};
    QuantizeFn fn() {
        return [this](const quant::TensorView& x, const quant::QuantSpec& s, const quant::QuantOptions& o,
                      const Progress& p) -> Result<quant::QuantResult> {
            ++calls;
            while (hold.load()) {
                if (!p.update(0)) return Error{"cancelled"};
                std::this_thread::sleep_for(1ms);
            }
            quant::QuantResult r;
            r.spec = s;
            r.tensor = std::string(x.name);
            r.numel = x.data.size();
            r.mse = 1.0 / s.bits;
            r.hist_orig.counts.assign(size_t(o.hist_bins), 1);
            r.group_mse = {1.0f, 3.0f, 2.0f};
            r.n_groups = 3;
            if (o.keep_dequantized) r.dequantized.assign(x.data.begin(), x.data.end());
            if (o.keep_codes) r.codes.assign(x.data.size(), 1);
            ++completed;
            return r;
        };
    }
};

ControllerOptions options(QuantizeFn q, std::filesystem::path config = {}) {
    ControllerOptions o;
    o.quantize = std::move(q);
    o.config_dir = std::move(config);
    return o;
}

// The frame loop in miniature: update until settled.
bool settle(Controller& c, std::chrono::milliseconds timeout = 10000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        c.update();
        if (c.settled()) {
            c.update();
            if (c.settled()) return true;
        }
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

quant::QuantSpec with_bits(quant::QuantSpec s, int bits) {
    s.bits = bits;
    return s;
}

TEST(Controller, OpensAModelAndSelectsItsFirstWeight) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_EQ(c.state().models.size(), 1u);
    EXPECT_EQ(c.state().models[0].state, OpenModel::State::Loading);
    ASSERT_TRUE(settle(c));
    const auto& m = c.state().models[0];
    ASSERT_EQ(m.state, OpenModel::State::Ready) << m.error;
    EXPECT_EQ(m.index->tensors.size(), 11u);
    ASSERT_TRUE(c.state().selection.valid());
    EXPECT_GE(c.state().selected_info()->shape.size(), 2u);
    // Selecting triggered a quantization of the default spec.
    EXPECT_EQ(c.state().a.status, JobStatus::Ready);
    ASSERT_TRUE(c.state().a.value);
    EXPECT_EQ(c.state().a.value->result->spec, quant::QuantSpec{});
}

TEST(Controller, BadFileIsAnErrorInTheAppNotACrash) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    test::TempDir tmp;
    const auto bad = tmp / "broken.safetensors";
    std::ofstream(bad) << "not a model";
    c.apply(intent::OpenFile{bad.string()});
    c.apply(intent::OpenFile{(tmp / "missing.gguf").string()});
    ASSERT_TRUE(settle(c));
    ASSERT_EQ(c.state().models.size(), 2u);
    for (const auto& m : c.state().models) {
        EXPECT_EQ(m.state, OpenModel::State::Failed);
        EXPECT_FALSE(m.error.empty());
    }
    EXPECT_EQ(c.state().messages.size(), 2u);
    EXPECT_FALSE(c.state().selection.valid());
    // Still usable.
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    EXPECT_TRUE(c.state().selection.valid());
}

TEST(Controller, OpeningTheSameFileTwiceShowsTheOpenOne) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().models.size(), 1u);
}

TEST(Controller, GoingBackToASpecIsACacheHit) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    const auto s8 = c.state().spec;
    c.apply(intent::SetSpec{with_bits(s8, 4)});
    EXPECT_EQ(c.state().a.status, JobStatus::Running);
    ASSERT_TRUE(settle(c));
    EXPECT_DOUBLE_EQ(c.state().a.value->result->mse, 0.25);
    const int calls = fq.calls;
    c.apply(intent::SetSpec{s8});
    // Answered during apply: no job, no frame to wait.
    EXPECT_EQ(c.state().a.status, JobStatus::Ready);
    EXPECT_DOUBLE_EQ(c.state().a.value->result->mse, 1.0 / 8);
    EXPECT_EQ(fq.calls, calls);
    EXPECT_EQ(c.state().stats.cache_hits, 1u);
    // The previous result is kept for metric deltas.
    ASSERT_TRUE(c.state().previous);
    EXPECT_DOUBLE_EQ(c.state().previous->result->mse, 0.25);
}

TEST(Controller, RapidEditsCancelOlderJobsAndDropStaleResults) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    fq.hold = true;
    const auto base = c.state().spec;
    for (int bits : {7, 6, 5, 4, 3}) {
        c.apply(intent::SetSpec{with_bits(base, bits), /*gesture=*/42});
        c.update();
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_EQ(c.state().a.status, JobStatus::Running);
    fq.hold = false;
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().a.status, JobStatus::Ready);
    EXPECT_EQ(c.state().a.value->result->spec.bits, 3);
    // Older held jobs saw the cancellation instead of finishing.
    EXPECT_LT(fq.completed.load(), fq.calls.load());
    // The drag was one gesture: one undo step back to 8 bits.
    EXPECT_EQ(c.state().history.undo_depth(), 1u);
    c.apply(intent::Undo{});
    EXPECT_EQ(c.state().spec.bits, 8);
    c.apply(intent::Redo{});
    EXPECT_EQ(c.state().spec.bits, 3);
}

TEST(Controller, StaleButFinishedResultsAreCachedNotShown) {
    // A quantizer that ignores cancellation: the older job finishes after the newer request.
    std::atomic<bool> hold{false};
    std::atomic<int> calls{0};
    QuantizeFn q = [&](const quant::TensorView&, const quant::QuantSpec& s, const quant::QuantOptions&,
                       const Progress&) -> Result<quant::QuantResult> {
        ++calls;
        while (hold) std::this_thread::sleep_for(1ms);
        quant::QuantResult r;
        r.spec = s;
        r.mse = 1.0 / s.bits;
        return r;
    };
    Controller c(options(q));
    c.apply(intent::ShowView{ViewId::Heatmap, false});  // only the A lane calls the quantizer
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    const auto base = c.state().spec;
    hold = true;
    c.apply(intent::SetSpec{with_bits(base, 4)});
    std::this_thread::sleep_for(20ms);  // the 4-bit job is running
    c.apply(intent::SetSpec{with_bits(base, 2)});
    hold = false;
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().a.value->result->spec.bits, 2);
    EXPECT_GE(c.state().stats.stale_dropped, 1u);
    const int before = calls;
    c.apply(intent::SetSpec{with_bits(base, 4)});
    EXPECT_EQ(c.state().a.status, JobStatus::Ready);  // from the stale result, cached
    EXPECT_EQ(calls, before);
}

TEST(Controller, UndoRedoAndGestures) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    auto s = c.state().spec;
    c.apply(intent::SetSpec{with_bits(s, 6)});          // step 1
    c.apply(intent::SetSpec{with_bits(s, 5), 7});       // step 2 (gesture 7)
    c.apply(intent::SetSpec{with_bits(s, 4), 7});       //   same drag
    c.apply(intent::SetSpec{with_bits(s, 3), 8});       // step 3 (new gesture)
    EXPECT_EQ(c.state().history.undo_depth(), 3u);
    c.apply(intent::Undo{});
    EXPECT_EQ(c.state().spec.bits, 4);
    c.apply(intent::Undo{});
    EXPECT_EQ(c.state().spec.bits, 6);
    c.apply(intent::Undo{});
    EXPECT_EQ(c.state().spec.bits, 8);
    c.apply(intent::Undo{});  // nothing left: no change
    EXPECT_EQ(c.state().spec.bits, 8);
    c.apply(intent::Redo{});
    EXPECT_EQ(c.state().spec.bits, 6);
    c.apply(intent::SetSpec{with_bits(s, 2)});  // a new edit clears redo
    EXPECT_FALSE(c.state().history.can_redo());
    c.apply(intent::ApplyPreset{"int4 g128"});
    EXPECT_EQ(c.state().spec.bits, 4);
    EXPECT_EQ(c.state().spec.granularity, quant::Granularity::PerGroup);
    c.apply(intent::ApplyPreset{"no such preset"});
    ASSERT_FALSE(c.state().messages.empty());
}

TEST(Controller, ClipHandlesSetAManualClipAndNeverCross) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::SetClip{-0.5, 0.25, 1});
    EXPECT_EQ(c.state().spec.clip_lo, -0.5);
    EXPECT_EQ(c.state().spec.clip_hi, 0.25);
    c.apply(intent::SetClip{0.3, 0.25, 1});  // crossing: ignored
    EXPECT_EQ(c.state().spec.clip_lo, -0.5);
    c.apply(intent::SetClip{std::nullopt, std::nullopt, 0});  // back to calibration
    EXPECT_FALSE(c.state().spec.clip_lo.has_value());
    EXPECT_EQ(c.state().history.undo_depth(), 2u);
}

TEST(Controller, PinnedSpecIsComputedAsB) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    c.apply(intent::PinCurrent{});
    c.apply(intent::SetSpec{with_bits(c.state().spec, 2)});
    ASSERT_TRUE(settle(c));
    ASSERT_TRUE(c.state().pinned);
    ASSERT_EQ(c.state().b.status, JobStatus::Ready);
    EXPECT_EQ(c.state().b.value->result->spec.bits, 8);
    EXPECT_EQ(c.state().a.value->result->spec.bits, 2);
    c.apply(intent::SwapPinned{});
    EXPECT_EQ(c.state().spec.bits, 8);
    EXPECT_EQ(c.state().pinned->bits, 2);
    c.apply(intent::Unpin{});
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().b.status, JobStatus::Empty);
}

TEST(Controller, SelectingAnotherTensorResetsResults) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    const auto& idx = *c.state().models[0].index;
    const int64_t lm = idx.find("lm_head.weight");
    ASSERT_GE(lm, 0);
    c.apply(intent::SelectTensor{c.state().models[0].id, lm});
    EXPECT_EQ(c.state().selection.tensor, lm);
    EXPECT_FALSE(c.state().previous);
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().a.value->result->tensor, "lm_head.weight");
    // Out of range: ignored.
    c.apply(intent::SelectTensor{c.state().models[0].id, 999});
    EXPECT_EQ(c.state().selection.tensor, lm);
}

TEST(Controller, ClosingAModelClearsItsSelection) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    // Settle between the opens: the two loads race on the worker, and which one gets
    // selected is not what this test is about.
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    c.apply(intent::OpenFile{test::fixture("safetensors/tiny.safetensors").string()});
    ASSERT_TRUE(settle(c));
    ASSERT_EQ(c.state().models.size(), 2u);
    const ModelId first = c.state().models[0].id;
    ASSERT_EQ(c.state().selection.model, first);
    c.apply(intent::CloseModel{first});
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().models.size(), 1u);
    EXPECT_FALSE(c.state().selection.valid());
    EXPECT_EQ(c.state().a.status, JobStatus::Empty);
    EXPECT_EQ(c.state().shown_model, c.state().models[0].id);
    EXPECT_EQ(c.cached_results(), 0u);
}

TEST(Controller, HeatmapsWithCoreQuantize) {
    Controller c(options(quant::quantize));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    ASSERT_EQ(c.state().heat_a.status, JobStatus::Ready) << c.state().heat_a.error;
    const auto& h = *c.state().heat_a.value;
    EXPECT_EQ(h.kind, HeatmapKind::Weights);
    const auto* info = c.state().selected_info();
    EXPECT_EQ(h.size.rows * h.size.cols, int64_t(info->numel()));
    ASSERT_TRUE(h.result);
    EXPECT_EQ(h.result->dequantized.size(), info->numel());
    for (auto kind : {HeatmapKind::AbsError, HeatmapKind::Codes}) {
        c.apply(intent::SetHeatmapKind{kind});
        ASSERT_TRUE(settle(c));
        ASSERT_EQ(c.state().heat_a.status, JobStatus::Ready) << c.state().heat_a.error;
        EXPECT_EQ(c.state().heat_a.value->kind, kind);
    }
    // The |error| map's largest value is the result's max_abs_err.
    c.apply(intent::SetHeatmapKind{HeatmapKind::AbsError});
    ASSERT_TRUE(settle(c));
    const auto& e = *c.state().heat_a.value;
    EXPECT_NEAR(e.pyramid->vmax, c.state().a.value->result->max_abs_err, 1e-6);
}

TEST(Controller, HiddenViewsComputeNothing) {
    FakeQuantizer fq;
    Controller c(options(fq.fn()));
    for (auto v : {ViewId::Histogram, ViewId::Error, ViewId::Metrics, ViewId::Spec, ViewId::Heatmap})
        c.apply(intent::ShowView{v, false});
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(fq.calls, 0);
    EXPECT_EQ(c.state().a.status, JobStatus::Empty);
}

TEST(Controller, SweepRunsOverEveryWeightAndCanBeCancelled) {
    Controller c(options(quant::quantize));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    c.apply(intent::StartSweep{true});
    EXPECT_EQ(c.state().sweep.status, JobStatus::Running);
    ASSERT_TRUE(settle(c));
    ASSERT_EQ(c.state().sweep.status, JobStatus::Ready) << c.state().sweep.error;
    const auto& t = *c.state().sweep.value;
    EXPECT_TRUE(t.complete);
    EXPECT_EQ(t.rows.size(), 8u);  // 2-D tensors: embed, 3x q_proj, 3x up_proj, lm_head
    for (const auto& r : t.rows) {
        EXPECT_TRUE(r.ok) << r.name << ": " << r.error;
        EXPECT_GT(r.sqnr_db, 20.0) << r.name;  // int8 per-channel
    }

    FakeQuantizer fq;
    fq.hold = true;
    Controller c2(options(fq.fn()));
    c2.apply(intent::ShowView{ViewId::Heatmap, false});
    c2.apply(intent::OpenFile{kModel});
    for (int i = 0; i < 2000 && !(c2.state().models.size() == 1 && c2.state().models[0].index); ++i) {
        c2.update();
        std::this_thread::sleep_for(1ms);
    }
    c2.apply(intent::StartSweep{false});
    std::this_thread::sleep_for(20ms);
    c2.apply(intent::CancelSweep{});
    EXPECT_EQ(c2.state().sweep.status, JobStatus::Failed);
    EXPECT_EQ(c2.state().sweep.error, "cancelled");
    fq.hold = false;
    ASSERT_TRUE(settle(c2));
    EXPECT_EQ(c2.state().sweep.status, JobStatus::Failed);  // the cancelled job's end is stale
}

TEST(Controller, ExportsWriteFilesAndReportErrors) {
    Controller c(options(quant::quantize));
    test::TempDir tmp;
    c.apply(intent::ExportCsv{CsvExport::Histogram, (tmp / "h.csv").string()});
    ASSERT_EQ(c.state().messages.size(), 1u);  // nothing to export yet
    EXPECT_EQ(c.state().messages[0].level, Message::Level::Warning);
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    c.apply(intent::ExportCsv{CsvExport::Histogram, (tmp / "h.csv").string()});
    c.apply(intent::ExportCsv{CsvExport::Groups, (tmp / "g.csv").string()});
    c.apply(intent::ExportCsv{CsvExport::Metrics, (tmp / "no_such_dir" / "m.csv").string()});
    std::ifstream h(tmp / "h.csv");
    std::string first;
    std::getline(h, first);
    EXPECT_EQ(first, "series,bin,lo,hi,count");
    std::ifstream g(tmp / "g.csv");
    std::stringstream gs;
    gs << g.rdbuf();
    const std::string gtext = gs.str();
    const auto n_lines = std::count(gtext.begin(), gtext.end(), '\n');
    EXPECT_EQ(uint64_t(n_lines), c.state().a.value->result->n_groups + 1);
    EXPECT_EQ(c.state().messages.back().level, Message::Level::Error);
}

TEST(Controller, SettingsAndRecentFilesPersist) {
    test::TempDir cfg;
    {
        FakeQuantizer fq;
        Controller c(options(fq.fn(), cfg.path()));
        c.apply(intent::OpenFile{kModel});
        ASSERT_TRUE(settle(c));
        c.apply(intent::SetUiScale{1.75f});
        c.apply(intent::SetTheme{Theme::Light});
        c.apply(intent::SetUiScale{99.0f});  // clamped
    }
    FakeQuantizer fq;
    Controller c(options(fq.fn(), cfg.path()));
    EXPECT_FLOAT_EQ(c.state().settings.ui_scale, kMaxUiScale);
    EXPECT_EQ(c.state().settings.theme, Theme::Light);
    ASSERT_EQ(c.state().settings.recent.size(), 1u);
    EXPECT_EQ(c.state().settings.recent[0], std::filesystem::path(kModel).lexically_normal().string());
    // A broken settings file: defaults and a warning.
    std::ofstream(cfg / "settings.json") << "{broken";
    Controller c3(options(fq.fn(), cfg.path()));
    EXPECT_FLOAT_EQ(c3.state().settings.ui_scale, 1.0f);
    ASSERT_EQ(c3.state().messages.size(), 1u);
}

TEST(Controller, QuantizerErrorsShowAsFailedState) {
    QuantizeFn q = [](const quant::TensorView&, const quant::QuantSpec&, const quant::QuantOptions&,
                      const Progress&) -> Result<quant::QuantResult> { return Error{"group_size 100 does not divide 64"}; };
    Controller c(options(q));
    c.apply(intent::OpenFile{kModel});
    ASSERT_TRUE(settle(c));
    EXPECT_EQ(c.state().a.status, JobStatus::Failed);
    EXPECT_EQ(c.state().a.error, "group_size 100 does not divide 64");
    EXPECT_FALSE(c.state().a.value);
}

}  // namespace
}  // namespace qs::app
