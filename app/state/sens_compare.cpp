// The sensitivity-comparison controller; see sens_compare.hpp.
#include "app/state/sens_compare.hpp"

#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/sensitivity/candidates.hpp"

#include <algorithm>
#include <chrono>

namespace qs::app {

namespace {
constexpr LaneId kLaneCompare = 1;

// As the Sensitivity window picks them: decodable floating point, rank >= 2, non-empty.
std::vector<size_t> quantizable_tensors(const io::ModelIndex& m) {
    std::vector<size_t> q;
    for (size_t i = 0; i < m.tensors.size(); ++i) {
        const auto& t = m.tensors[i];
        const auto& info = io::dtype_info(t.dtype);
        if (info.is_float && info.decode && t.shape.size() >= 2 && t.numel() > 0) q.push_back(i);
    }
    return q;
}
}  // namespace

SensCompareController::SensCompareController() : worker_(std::make_unique<Worker>(1)) {}
SensCompareController::~SensCompareController() = default;

void SensCompareController::apply(const SensCompareIntents& in, const AppState& app) {
    for (const auto& i : in) apply(i, app);
}

void SensCompareController::apply(const SensCompareIntent& in, const AppState& app) {
    std::visit(
        [&](const auto& i) {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, scmp::SetSpecs>) {
                s_.specs = i.text;
            } else if constexpr (std::is_same_v<T, scmp::SetOptions>) {
                s_.max_probes = std::clamp(i.max_probes, 2, 100000);
                s_.eigen_iterations = std::clamp(i.eigen_iterations, 2, 100000);
                s_.eigen = i.eigen;
                s_.fisher = i.fisher;
            } else if constexpr (std::is_same_v<T, scmp::Run>) {
                run(i.model, app);
            } else if constexpr (std::is_same_v<T, scmp::Cancel>) {
                if (worker_) worker_->cancel(kLaneCompare);
                if (s_.status == JobStatus::Running) {
                    s_.status = s_.computed ? JobStatus::Ready : JobStatus::Empty;
                    s_.error = "cancelled";
                }
            }
        },
        in);
}

void SensCompareController::run(ModelId model, const AppState& app) {
    if (!worker_) return;
    const OpenModel* om = app.find_model(model);
    if (!om || !om->index) {
        s_.status = JobStatus::Failed;
        s_.error = "open a model first (File > Open)";
        return;
    }
    auto cands = sensitivity::parse_candidates(s_.specs);
    if (!cands) {
        s_.status = JobStatus::Failed;
        s_.error = "specs: " + cands.message();
        return;
    }
    sensitivity::CompareOptions o;
    o.specs = std::move(*cands);
    o.trace.seed = s_.seed;
    o.trace.max_iterations = s_.max_probes;
    o.trace.min_iterations = std::min(o.trace.min_iterations, s_.max_probes);
    o.eigen = s_.eigen;
    o.eigen_opts.seed = s_.seed;
    o.eigen_opts.max_iterations = s_.eigen_iterations;
    o.fisher = s_.fisher;
    o.threads = 1;  // the explorer's and the Sensitivity window's workers keep the other core
    auto phase = std::make_shared<Phase>();
    o.on_phase = [phase](std::string_view p) {
        std::lock_guard lock(phase->mu);
        phase->text = std::string(p);
    };
    s_.status = JobStatus::Running;
    s_.error.clear();
    s_.phase = "starting";
    auto index = om->index;
    Ticket t = worker_->submit<SensCompareComputed>(
        kLaneCompare, "compare sensitivity methods",
        [=](const JobContext<SensCompareComputed>& ctx) -> Result<std::shared_ptr<const SensCompareComputed>> {
            const auto t0 = std::chrono::steady_clock::now();
            auto out = std::make_shared<SensCompareComputed>();
            out->model = model;
            out->model_path = index->path;
            if (nn::is_nn_model(*index)) {
                auto m = nn::load_model(*index);
                if (!m) return m.error();
                auto csv = nn::find_digits_near(index->path);
                if (!csv) return csv.error();
                auto split = nn::load_digits_split(*csv);
                if (!split) return split.error();
                auto r = sensitivity::compare_demo(*m, *split, o, ctx.progress);
                if (!r) return r.error();
                out->result = std::move(*r);
            } else {
                const auto q = quantizable_tensors(*index);
                if (q.empty()) return make_error("{}: no tensor to compare (floating point, 2-D or more)", index->path);
                auto r = sensitivity::compare_data_free(*index, q, o, nullptr, ctx.progress);
                if (!r) return r.error();
                out->result = std::move(*r);
            }
            out->result.model = index->path;
            out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return std::shared_ptr<const SensCompareComputed>(std::move(out));
        },
        [this](Result<std::shared_ptr<const SensCompareComputed>> r) {
            if (!r) {
                s_.status = JobStatus::Failed;
                s_.error = r.message();
                return;
            }
            s_.status = JobStatus::Ready;
            s_.computed = std::move(*r);
        });
    s_.progress = t.progress;
    phase_ = phase;
}

void SensCompareController::update(const AppState& app) {
    if (!worker_) return;
    worker_->poll();
    if (phase_ && s_.status == JobStatus::Running) {
        std::lock_guard lock(phase_->mu);
        if (!phase_->text.empty()) s_.phase = phase_->text;
    }
    if (s_.computed && !app.find_model(s_.computed->model)) {
        worker_->cancel(kLaneCompare);
        SensCompareState keep = s_;
        s_ = SensCompareState{};
        s_.specs = keep.specs;
        s_.max_probes = keep.max_probes;
        s_.eigen_iterations = keep.eigen_iterations;
        s_.eigen = keep.eigen;
        s_.fisher = keep.fisher;
    }
}

}  // namespace qs::app
