// The Sensitivity window's controller; see sensitivity.hpp. The slow parts
// (Hessian traces, the cost table, accuracy measurements, exports) run on the
// controller's own worker; planning from a finished table runs here, inline.
#include "app/state/sensitivity.hpp"

#include "core/io/imatrix.hpp"
#include "core/sensitivity/candidates.hpp"
#include "core/sensitivity/demo.hpp"
#include "core/sensitivity/importance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace qs::app {

namespace {

enum : LaneId { kLaneCompute = 1, kLaneAccuracy, kLanePlanAccuracy, kLaneExport };

// Tensors the planner assigns a spec to, as `quantscope-cli plan` picks them by
// default (plan_common.cpp): decodable floating point, rank >= 2, non-empty.
void split_tensors(const io::ModelIndex& m, std::vector<size_t>& quantizable, std::vector<size_t>& kept) {
    for (size_t i = 0; i < m.tensors.size(); ++i) {
        const auto& t = m.tensors[i];
        const auto& info = io::dtype_info(t.dtype);
        if (info.is_float && info.decode && t.shape.size() >= 2 && t.numel() > 0) quantizable.push_back(i);
        else kept.push_back(i);
    }
}

std::string regex_escape(const std::string& s) {
    std::string o = "^";
    for (char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) o += '\\';
        o += c;
    }
    return o + "$";
}

std::map<std::string, quant::QuantSpec> specs_for(const sensitivity::CostTable& t, const std::vector<size_t>& choice) {
    std::map<std::string, quant::QuantSpec> s;
    for (size_t i = 0; i < t.tensors.size() && i < choice.size(); ++i)
        s.emplace(t.tensors[i].name, t.candidates[choice[i]].spec);
    return s;
}

}  // namespace

const char* sens_source_label(SensSource s) {
    switch (s) {
        case SensSource::Auto: return "automatic";
        case SensSource::Demo: return "Hessian traces (demo model)";
        case SensSource::Imatrix: return "llama.cpp imatrix file";
        case SensSource::TracesJson: return "traces JSON file";
        case SensSource::DataFree: return "data-free proxy";
    }
    return "?";
}

SensSource SensState::resolved_source(const io::ModelIndex* m) const {
    if (source != SensSource::Auto) return source;
    return m && nn::is_nn_model(*m) ? SensSource::Demo : SensSource::DataFree;
}

bool SensState::busy() const {
    return status == JobStatus::Running || accuracy.status == JobStatus::Running ||
           plan_accuracy.status == JobStatus::Running || export_status == JobStatus::Running;
}

SensitivityController::SensitivityController() : worker_(2) {}
SensitivityController::~SensitivityController() = default;

bool SensitivityController::settled() const { return worker_.idle(); }

void SensitivityController::apply(const SensIntents& in, const AppState& app) {
    for (const auto& i : in) apply(i, app);
}

void SensitivityController::apply(const SensIntent& in, const AppState& app) {
    std::visit(
        [&](const auto& i) {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, sens::SetSource>) {
                s_.source = i.source;
                s_.source_path = i.path;
            } else if constexpr (std::is_same_v<T, sens::SetCandidates>) {
                s_.candidates = i.text;
            } else if constexpr (std::is_same_v<T, sens::SetHutchinson>) {
                s_.seed = i.seed;
                s_.tol = std::clamp(i.tol, 1e-6, 1.0);
                s_.max_iter = std::clamp(i.max_iter, 1, 100000);
            } else if constexpr (std::is_same_v<T, sens::Compute>) {
                compute(i.model, app);
            } else if constexpr (std::is_same_v<T, sens::Cancel>) {
                worker_.cancel(kLaneCompute);
                if (s_.status == JobStatus::Running) {
                    s_.status = s_.computed ? JobStatus::Ready : JobStatus::Empty;
                    s_.error = "cancelled";
                }
            } else if constexpr (std::is_same_v<T, sens::SetBudget>) {
                if (std::isfinite(i.bpw) && i.bpw != s_.budget_bpw) {
                    s_.budget_bpw = i.bpw;
                    replan(false);
                }
            } else if constexpr (std::is_same_v<T, sens::Pin>) {
                if (i.label.empty()) s_.pins.erase(i.tensor);
                else s_.pins[i.tensor] = i.label;
                replan(true);
            } else if constexpr (std::is_same_v<T, sens::ClearPins>) {
                s_.pins.clear();
                replan(true);
            } else if constexpr (std::is_same_v<T, sens::Export>) {
                start_export(i.format, i.path);
            }
        },
        in);
}

void SensitivityController::compute(ModelId model, const AppState& app) {
    const OpenModel* om = app.find_model(model);
    if (!om || !om->index) {
        s_.status = JobStatus::Failed;
        s_.error = "open a model first (File > Open)";
        return;
    }
    auto cands = sensitivity::parse_candidates(s_.candidates);
    if (!cands) {
        s_.status = JobStatus::Failed;
        s_.error = "candidates: " + cands.message();
        return;
    }
    const SensSource src = s_.resolved_source(om->index.get());
    if ((src == SensSource::Imatrix || src == SensSource::TracesJson) && s_.source_path.empty()) {
        s_.status = JobStatus::Failed;
        s_.error = std::string("choose the ") + sens_source_label(src) + " to read";
        return;
    }
    worker_.cancel(kLaneAccuracy);
    worker_.cancel(kLanePlanAccuracy);
    s_.status = JobStatus::Running;
    s_.error.clear();
    s_.phase = src == SensSource::Demo ? "Hessian traces" : "cost table";
    auto phase = std::make_shared<std::atomic<int>>(0);
    auto index = om->index;
    const std::string path = s_.source_path;
    const uint64_t seed = s_.seed;
    const double tol = s_.tol;
    const int max_iter = s_.max_iter;
    auto cand_list = std::make_shared<std::vector<sensitivity::CandidateSpec>>(std::move(*cands));
    Ticket t = worker_.submit<SensComputed>(
        kLaneCompute, "sensitivity",
        [=](const JobContext<SensComputed>& ctx) -> Result<std::shared_ptr<const SensComputed>> {
            const auto t0 = std::chrono::steady_clock::now();
            auto out = std::make_shared<SensComputed>();
            out->model = model;
            out->index = index;
            std::vector<size_t> quantizable, kept;
            split_tensors(*index, quantizable, kept);
            if (quantizable.empty()) return make_error("{}: no tensor to plan (floating point, 2-D or more)", index->path);
            for (size_t i : quantizable) out->quantized_params += index->tensors[i].numel();

            std::unique_ptr<io::Imatrix> imatrix;
            std::optional<sensitivity::Importance> importance;
            if (src == SensSource::Imatrix) {
                auto im = io::open_imatrix(path);
                if (!im) return im.error();
                imatrix = std::make_unique<io::Imatrix>(std::move(*im));
                importance = sensitivity::Importance::from_imatrix(*imatrix);
            } else if (src == SensSource::TracesJson) {
                auto tr = sensitivity::read_traces(path);
                if (!tr) return tr.error();
                out->traces = std::make_shared<const sensitivity::TraceTable>(std::move(*tr));
                importance = sensitivity::Importance::from_traces(*out->traces);
            } else if (src == SensSource::Demo) {
                if (!nn::is_nn_model(*index))
                    return make_error("{}: Hessian traces need a model quantscope can run (a demo model); "
                                      "choose an imatrix, a traces file or data-free",
                                      index->path);
                auto m = nn::load_model(*index);
                if (!m) return m.error();
                auto csv = nn::find_digits_near(index->path);
                if (!csv) return csv.error();
                auto split = nn::load_digits_split(*csv);
                if (!split) return split.error();
                auto dm = std::make_shared<const nn::Model>(std::move(*m));
                auto dd = std::make_shared<const nn::DigitsSplit>(std::move(*split));
                sensitivity::DemoTraceOptions o;
                o.trace.seed = seed;
                o.trace.rel_tol = tol;
                o.trace.max_iterations = max_iter;
                o.top_eigenvalue = true;
                o.eigen.seed = seed;
                o.threads = 1;  // the other worker thread stays free for the UI's jobs
                auto tr = sensitivity::demo_traces(*dm, dd->train, o, ctx.progress);
                if (!tr) return tr.error();
                tr->model = index->path;
                out->traces = std::make_shared<const sensitivity::TraceTable>(std::move(*tr));
                out->demo_model = dm;
                out->demo_data = dd;
                importance = sensitivity::Importance::from_traces(*out->traces, sensitivity::Source::HessianTrace);
            } else {
                importance = sensitivity::Importance::data_free(out->quantized_params);
            }
            phase->store(1);
            sensitivity::CostOptions co;
            co.threads = 1;
            auto table = sensitivity::compute_costs(*index, quantizable, kept, *cand_list, *importance, {}, co,
                                                    ctx.progress);
            if (!table) return table.error();
            out->table = std::move(*table);
            out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return std::shared_ptr<const SensComputed>(std::move(out));
        },
        [this](Result<std::shared_ptr<const SensComputed>> r) {
            if (!r) {
                s_.status = JobStatus::Failed;
                s_.error = r.message();
                return;
            }
            s_.status = JobStatus::Ready;
            s_.computed = std::move(*r);
            s_.accuracy = {};
            s_.plan_accuracy = {};
            // Keep pins that still name a tensor and a candidate of the new table.
            for (auto it = s_.pins.begin(); it != s_.pins.end();) {
                const auto& tb = s_.computed->table;
                const bool tensor = std::any_of(tb.tensors.begin(), tb.tensors.end(),
                                                [&](const auto& x) { return x.name == it->first; });
                const bool label = std::any_of(tb.candidates.begin(), tb.candidates.end(),
                                               [&](const auto& c) { return c.label == it->second; });
                it = tensor && label ? std::next(it) : s_.pins.erase(it);
            }
            replan(true);
        });
    s_.progress = t.progress;
    phase_ = phase;
}

plan::PlanRequest SensitivityController::request() const {
    plan::PlanRequest r;
    r.budget_bpw = s_.budget_bpw;
    for (const auto& [name, label] : s_.pins) r.pins.push_back({regex_escape(name), label});
    return r;
}

void SensitivityController::replan(bool frontier_too) {
    if (!s_.computed) return;
    const auto& table = s_.computed->table;
    const double params = double(s_.computed->quantized_params);
    if (frontier_too) {
        plan::PlanRequest fr = request();
        fr.budget_bpw.reset();
        auto f = plan::frontier_from_costs(table, fr);
        if (f && !f->points.empty() && params > 0) {
            s_.frontier = std::move(*f);
            s_.min_bpw = s_.frontier->points.front().bits / params;
            s_.max_bpw = s_.frontier->points.back().bits / params;
        } else {
            s_.frontier.reset();
        }
        start_accuracy();
    }
    // The slider stays inside what some plan can reach.
    if (s_.frontier) s_.budget_bpw = std::clamp(s_.budget_bpw, s_.min_bpw, s_.max_bpw);
    auto out = plan::plan_from_costs(table, request());
    if (!out) {
        s_.plan.reset();
        s_.plan_error = out.message();
        return;
    }
    s_.plan_error.clear();
    s_.plan = std::move(*out);
    s_.plan->doc.model = s_.computed->index ? s_.computed->index->path : table.model;
    start_plan_accuracy();
}

void SensitivityController::start_accuracy() {
    if (!s_.computed || !s_.computed->demo_model || !s_.frontier) {
        worker_.cancel(kLaneAccuracy);
        s_.accuracy = {};
        return;
    }
    auto c = s_.computed;
    auto fr = std::make_shared<const plan::Frontier>(*s_.frontier);
    Ticket t = worker_.submit<SensAccuracy>(
        kLaneAccuracy, "accuracy",
        [c, fr](const JobContext<SensAccuracy>& ctx) -> Result<std::shared_ptr<const SensAccuracy>> {
            auto out = std::make_shared<SensAccuracy>();
            const auto& table = c->table;
            const auto& test = c->demo_data->test;
            const double params = double(c->quantized_params);
            const size_t n = fr->points.size();
            std::vector<size_t> pick;
            if (n <= kMaxAccuracyPoints) {
                for (size_t k = 0; k < n; ++k) pick.push_back(k);
            } else {
                for (size_t j = 0; j < kMaxAccuracyPoints; ++j)
                    pick.push_back(size_t(std::llround(double(j) * double(n - 1) / double(kMaxAccuracyPoints - 1))));
                pick.erase(std::unique(pick.begin(), pick.end()), pick.end());
            }
            const uint64_t total = pick.size() + table.candidates.size() + 1;
            ctx.progress.set_total(total);
            uint64_t done = 0;
            auto fl = sensitivity::evaluate_quantized(*c->demo_model, test, {}, 1);
            if (!fl) return fl.error();
            out->float_acc = fl->accuracy;
            if (!ctx.progress.update(++done)) return make_error("cancelled");
            for (size_t k : pick) {
                auto r = sensitivity::evaluate_quantized(*c->demo_model, test, specs_for(table, fr->choice_at(k)), 1);
                if (!r) return r.error();
                out->frontier.push_back({fr->points[k].bits / params, fr->points[k].cost, r->accuracy});
                if (!ctx.progress.update(++done)) return make_error("cancelled");
            }
            for (size_t u = 0; u < table.candidates.size(); ++u) {
                std::map<std::string, quant::QuantSpec> s;
                bool ok = true;
                for (const auto& tc : table.tensors) {
                    if (u >= tc.costs.size() || !tc.costs[u].feasible) ok = false;
                    s.emplace(tc.name, table.candidates[u].spec);
                }
                std::optional<double> acc;
                if (ok) {
                    auto r = sensitivity::evaluate_quantized(*c->demo_model, test, s, 1);
                    if (r) acc = r->accuracy;
                }
                out->uniform.push_back(acc);
                if (!ctx.progress.update(++done)) return make_error("cancelled");
            }
            return std::shared_ptr<const SensAccuracy>(std::move(out));
        },
        [this](Result<std::shared_ptr<const SensAccuracy>> r) {
            if (!r) {
                s_.accuracy.status = JobStatus::Failed;
                s_.accuracy.error = r.message();
                return;
            }
            s_.accuracy.status = JobStatus::Ready;
            s_.accuracy.value = std::move(*r);
        });
    s_.accuracy.status = JobStatus::Running;
    s_.accuracy.progress = t.progress;
}

void SensitivityController::start_plan_accuracy() {
    if (!s_.computed || !s_.computed->demo_model || !s_.plan) return;
    auto c = s_.computed;
    std::map<std::string, quant::QuantSpec> specs;
    for (const auto& t : s_.plan->doc.tensors)
        if (t.quantized) specs.emplace(t.name, t.spec);
    const double bpw = s_.plan->doc.avg_bpw();
    Ticket t = worker_.submit<SensPlanAccuracy>(
        kLanePlanAccuracy, "plan accuracy",
        [c, specs, bpw](const JobContext<SensPlanAccuracy>&) -> Result<std::shared_ptr<const SensPlanAccuracy>> {
            auto r = sensitivity::evaluate_quantized(*c->demo_model, c->demo_data->test, specs, 1);
            if (!r) return r.error();
            return std::make_shared<const SensPlanAccuracy>(SensPlanAccuracy{bpw, r->accuracy});
        },
        [this](Result<std::shared_ptr<const SensPlanAccuracy>> r) {
            if (!r) {
                s_.plan_accuracy.status = JobStatus::Failed;
                s_.plan_accuracy.error = r.message();
                return;
            }
            s_.plan_accuracy.status = JobStatus::Ready;
            s_.plan_accuracy.value = std::move(*r);
        });
    s_.plan_accuracy.status = JobStatus::Running;
    s_.plan_accuracy.progress = t.progress;
}

void SensitivityController::start_export(exporter::ExportFormat f, const std::string& path) {
    s_.export_warnings.clear();
    if (!s_.plan || !s_.computed) {
        s_.export_status = JobStatus::Failed;
        s_.export_message = "nothing to export: compute a plan first";
        return;
    }
    if (path.empty()) {
        s_.export_status = JobStatus::Failed;
        s_.export_message = "give a path to write";
        return;
    }
    auto doc = std::make_shared<const exporter::PlanDocument>(s_.plan->doc);
    auto index = s_.computed->index;
    struct Written {
        std::vector<std::string> warnings;
    };
    worker_.submit<Written>(
        kLaneExport, "export",
        [doc, index, f, path](const JobContext<Written>& ctx) -> Result<std::shared_ptr<const Written>> {
            exporter::ExportOptions eo;
            eo.model = index.get();
            eo.threads = 1;
            eo.progress = ctx.progress;
            auto w = std::make_shared<Written>();
            if (auto st = exporter::export_plan(*doc, f, path, eo, &w->warnings); !st) return st.error();
            return std::shared_ptr<const Written>(std::move(w));
        },
        [this, f, path](Result<std::shared_ptr<const Written>> r) {
            if (!r) {
                s_.export_status = JobStatus::Failed;
                s_.export_message = r.message();
                return;
            }
            s_.export_status = JobStatus::Ready;
            s_.export_message = fmt::format("wrote {} ({})", path, exporter::export_format_name(f));
            s_.export_warnings = (*r)->warnings;
        });
    s_.export_status = JobStatus::Running;
    s_.export_message = "writing " + path + "...";
}

void SensitivityController::update(const AppState& app) {
    worker_.poll();
    if (phase_ && s_.status == JobStatus::Running)
        if (phase_->load() == 1) s_.phase = "cost table";
    // A closed model takes its results with it.
    if (s_.computed && !app.find_model(s_.computed->model)) {
        worker_.cancel(kLaneCompute);
        worker_.cancel(kLaneAccuracy);
        worker_.cancel(kLanePlanAccuracy);
        const SensState keep = s_;
        s_ = SensState{};
        s_.source = keep.source;
        s_.source_path = keep.source_path;
        s_.candidates = keep.candidates;
        s_.budget_bpw = keep.budget_bpw;
    }
}

}  // namespace qs::app
