// AnomalyController (anomaly.hpp): the whole-model check as one worker job that
// walks the tensors in file order, publishes the report so far a few times a
// second, and ends with it sorted worst first. Mirrors cli/check.cpp.
#include "app/state/anomaly.hpp"

#include <chrono>

namespace qs::app {

namespace {
constexpr LaneId kLaneCheck = 1;
}

AnomalyController::AnomalyController() : worker_(1) {}
AnomalyController::~AnomalyController() = default;

bool AnomalyController::settled() const { return worker_.idle(); }

void AnomalyController::apply(const AnomalyIntents& in, const AppState& app) {
    for (const auto& i : in) apply(i, app);
}

void AnomalyController::apply(const AnomalyIntent& in, const AppState& app) {
    std::visit(
        [&](const auto& i) {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, anomaly::Compute>) {
                compute(i.model ? i.model : app.shown_model, app);
            } else if constexpr (std::is_same_v<T, anomaly::Cancel>) {
                worker_.cancel(kLaneCheck);
                if (s_.status == JobStatus::Running) {
                    s_.status = s_.report ? JobStatus::Ready : JobStatus::Empty;
                    s_.error = "cancelled";
                }
            } else if constexpr (std::is_same_v<T, anomaly::SetUseSpec>) {
                s_.use_spec = i.on;
            }
        },
        in);
}

void AnomalyController::take(std::shared_ptr<const analysis::ModelReport> r) {
    s_.report = std::move(r);
    std::fill(s_.badge.begin(), s_.badge.end(), int8_t(-1));
    for (const auto& t : s_.report->tensors)
        if (auto w = t.worst(); w && t.index < s_.badge.size()) s_.badge[t.index] = int8_t(*w);
}

void AnomalyController::compute(ModelId model, const AppState& app) {
    const OpenModel* om = app.find_model(model);
    if (!om || !om->index) {
        s_.status = JobStatus::Failed;
        s_.error = "open a model first (File > Open)";
        return;
    }
    analysis::ModelCheckOptions opts;
    if (s_.use_spec) opts.spec = app.spec;
    opts.thresholds = s_.thresholds;
    s_.model = model;
    s_.spec_text = opts.spec ? quant::to_text(*opts.spec) : "";
    s_.report.reset();
    s_.badge.assign(om->index->tensors.size(), int8_t(-1));
    s_.error.clear();
    s_.status = JobStatus::Running;
    auto index = om->index;
    Ticket t = worker_.submit<analysis::ModelReport>(
        kLaneCheck, "anomalies",
        [index, opts](const JobContext<analysis::ModelReport>& ctx)
            -> Result<std::shared_ptr<const analysis::ModelReport>> {
            analysis::ModelReport rep;
            rep.path = index->path;
            rep.format = index->format;
            rep.spec = opts.spec;
            rep.thresholds = opts.thresholds;
            const size_t n = index->tensors.size();
            ctx.progress.set_total(n);
            auto last = std::chrono::steady_clock::now();
            for (size_t i = 0; i < n; ++i) {
                if (!ctx.progress.update(i)) return make_error("cancelled");
                // Decoded without the app's cache: a whole-model pass must not evict what the user looks at.
                auto one = analysis::check_model_tensor(index, i, opts, ctx.progress);
                if (!one) return one.error();
                if (one->report) rep.tensors.push_back(std::move(*one->report));
                if (one->skipped) rep.skipped.push_back(std::move(*one->skipped));
                const auto now = std::chrono::steady_clock::now();
                if (now - last > std::chrono::milliseconds(250)) {
                    auto partial = std::make_shared<analysis::ModelReport>(rep);
                    analysis::sort_worst_first(partial->tensors);
                    ctx.publish(std::move(partial));
                    last = now;
                }
            }
            ctx.progress.update(n);
            analysis::sort_worst_first(rep.tensors);
            return std::make_shared<const analysis::ModelReport>(std::move(rep));
        },
        [this](Result<std::shared_ptr<const analysis::ModelReport>> r) {
            if (!r) {
                s_.status = JobStatus::Failed;
                s_.error = r.message();
                return;
            }
            take(std::move(*r));
            s_.status = JobStatus::Ready;
        },
        [this](std::shared_ptr<const analysis::ModelReport> partial) { take(std::move(partial)); });
    s_.progress = t.progress;
}

void AnomalyController::update(const AppState& app) {
    worker_.poll();
    if (s_.model && !app.find_model(s_.model)) {
        worker_.cancel(kLaneCheck);
        const bool use_spec = s_.use_spec;
        const auto th = s_.thresholds;
        s_ = AnomalyState{};
        s_.use_spec = use_spec;
        s_.thresholds = th;
    }
}

}  // namespace qs::app
