// Applying intents and reconciling AppState with the worker; see controller.hpp.
//
// [SECTION] construction
// [SECTION] intents
// [SECTION] models
// [SECTION] reconcile: analyses (A, B), heatmaps
// [SECTION] sweep, exports, settings
#include "app/state/controller.hpp"

#include "app/state/export_csv.hpp"
#include "app/state/spec_fields.hpp"
#include "core/io/open_model.hpp"
#include "core/util/atomic_write.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace qs::app {

// ---------------------------------------------------------------------------
// [SECTION] construction
// ---------------------------------------------------------------------------

Controller::Controller(ControllerOptions opts)
    : opts_(std::move(opts)),
      tensors_(opts_.tensor_cache_bytes),
      results_(opts_.result_cache_entries, opts_.result_cache_bytes),
      buffered_(16, opts_.buffer_cache_bytes / 2),
      pyramids_(8, opts_.buffer_cache_bytes / 4),
      heatmaps_(12, opts_.buffer_cache_bytes / 4),
      worker_(opts_.worker_threads) {
    if (!opts_.open_model) opts_.open_model = [](const std::filesystem::path& p) { return io::open_model(p); };
    s_.show.fill(true);
    s_.show[size_t(ViewId::Sweep)] = false;
    s_.show[size_t(ViewId::Messages)] = false;
    s_.show[size_t(ViewId::Sensitivity)] = false;
    s_.show[size_t(ViewId::Anomalies)] = false;
    s_.show[size_t(ViewId::SensCompare)] = false;
    if (!opts_.config_dir.empty()) {
        if (auto st = load_settings(opts_.config_dir, s_.settings); !st) post(Message::Level::Warning, st.message());
    }
}

Controller::~Controller() = default;

void Controller::post(Message::Level level, std::string text) {
    s_.messages.push_back({next_message_id_++, level, std::move(text)});
    if (s_.messages.size() > 100) s_.messages.erase(s_.messages.begin());
}

void Controller::restore_specs(const quant::QuantSpec& spec, const std::optional<quant::QuantSpec>& pinned) {
    s_.spec = spec;
    s_.pinned = pinned;
    s_.history = {};
    reconcile();
}

bool Controller::settled() const { return worker_.idle(); }

std::shared_ptr<const io::ModelIndex> Controller::model_index(ModelId id) const {
    const OpenModel* m = s_.find_model(id);
    return m ? m->index : nullptr;
}

// ---------------------------------------------------------------------------
// [SECTION] intents
// ---------------------------------------------------------------------------

void Controller::apply(const Intents& in) {
    for (const auto& i : in) apply_one(i);
    if (!in.empty()) reconcile();
}

void Controller::apply(const Intent& in) {
    apply_one(in);
    reconcile();
}

void Controller::set_spec(const quant::QuantSpec& spec, uint64_t gesture) {
    if (spec == s_.spec) return;
    s_.history.record(s_.spec, gesture);
    s_.spec = spec;
}

void Controller::apply_one(const Intent& in) {
    std::visit(
        [&](const auto& i) {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, intent::OpenFile>) {
                open_file(i.path);
            } else if constexpr (std::is_same_v<T, intent::CloseModel>) {
                close_model(i.model);
            } else if constexpr (std::is_same_v<T, intent::ShowModel>) {
                if (s_.find_model(i.model)) s_.shown_model = i.model;
            } else if constexpr (std::is_same_v<T, intent::SelectTensor>) {
                select(Selection{i.model, i.tensor});
            } else if constexpr (std::is_same_v<T, intent::SetSpec>) {
                set_spec(i.spec, i.gesture);
            } else if constexpr (std::is_same_v<T, intent::SetClip>) {
                quant::QuantSpec s = s_.spec;
                s.clip_lo = i.lo;
                s.clip_hi = i.hi;
                if (s.clip_lo && s.clip_hi && !(*s.clip_lo < *s.clip_hi)) return;  // handles never cross
                if ((s.clip_lo && !std::isfinite(*s.clip_lo)) || (s.clip_hi && !std::isfinite(*s.clip_hi))) return;
                set_spec(s, i.gesture);
            } else if constexpr (std::is_same_v<T, intent::ApplyPreset>) {
                if (const Preset* p = find_preset(i.name)) set_spec(p->spec, 0);
                else post(Message::Level::Error, "unknown preset '" + i.name + "'");
            } else if constexpr (std::is_same_v<T, intent::Undo>) {
                if (auto s = s_.history.undo(s_.spec)) s_.spec = *s;
            } else if constexpr (std::is_same_v<T, intent::Redo>) {
                if (auto s = s_.history.redo(s_.spec)) s_.spec = *s;
            } else if constexpr (std::is_same_v<T, intent::PinCurrent>) {
                s_.pinned = s_.spec;
            } else if constexpr (std::is_same_v<T, intent::Unpin>) {
                s_.pinned.reset();
            } else if constexpr (std::is_same_v<T, intent::SwapPinned>) {
                if (s_.pinned) {
                    const quant::QuantSpec b = *s_.pinned;
                    s_.pinned = s_.spec;
                    set_spec(b, 0);
                }
            } else if constexpr (std::is_same_v<T, intent::StartSweep>) {
                start_sweep(i.weights_only);
            } else if constexpr (std::is_same_v<T, intent::CancelSweep>) {
                if (s_.sweep.status == JobStatus::Running) {
                    worker_.cancel(kLaneSweep);
                    s_.sweep.status = JobStatus::Failed;
                    s_.sweep.error = "cancelled";
                }
            } else if constexpr (std::is_same_v<T, intent::SetHeatmapKind>) {
                s_.heatmap_kind = i.kind;
            } else if constexpr (std::is_same_v<T, intent::SetHistBins>) {
                s_.settings.hist_bins = std::clamp(i.bins, 16, 4096);
                save_settings_quietly();
            } else if constexpr (std::is_same_v<T, intent::SetUiScale>) {
                if (std::isfinite(i.scale)) {
                    s_.settings.ui_scale = std::clamp(i.scale, kMinUiScale, kMaxUiScale);
                    save_settings_quietly();
                }
            } else if constexpr (std::is_same_v<T, intent::SetTheme>) {
                s_.settings.theme = i.theme;
                save_settings_quietly();
            } else if constexpr (std::is_same_v<T, intent::ShowView>) {
                if (i.view != ViewId::Count) s_.show[size_t(i.view)] = i.show;
            } else if constexpr (std::is_same_v<T, intent::DismissMessage>) {
                std::erase_if(s_.messages, [&](const Message& m) { return m.id == i.id; });
            } else if constexpr (std::is_same_v<T, intent::ClearMessages>) {
                s_.messages.clear();
            } else if constexpr (std::is_same_v<T, intent::ClearRecent>) {
                s_.settings.recent.clear();
                save_settings_quietly();
            } else if constexpr (std::is_same_v<T, intent::ExportCsv>) {
                export_csv(i.what, i.path);
            } else if constexpr (std::is_same_v<T, intent::ExportSpecJson>) {
                export_spec_json(i.path);
            } else {
                // ExportPng, ResetLayout, Quit: the GUI layer's business.
            }
        },
        in);
}

void Controller::select(Selection sel) {
    const OpenModel* m = s_.find_model(sel.model);
    if (!m || !m->index || sel.tensor < 0 || sel.tensor >= int64_t(m->index->tensors.size())) return;
    if (sel == s_.selection) return;
    s_.selection = sel;
    s_.shown_model = sel.model;
    // A different tensor: old results would be misleading, not just stale.
    s_.a = {};
    s_.b = {};
    s_.heat_a = {};
    s_.heat_b = {};
    s_.previous.reset();
}

// ---------------------------------------------------------------------------
// [SECTION] models
// ---------------------------------------------------------------------------

void Controller::open_file(const std::string& path_in) {
    std::error_code ec;
    std::string path = std::filesystem::absolute(path_in, ec).lexically_normal().string();
    if (ec) path = path_in;
    for (const auto& m : s_.models)
        if (m.path == path && m.state != OpenModel::State::Failed) {
            s_.shown_model = m.id;
            return;
        }
    std::erase_if(s_.models, [&](const OpenModel& m) { return m.path == path; });  // retry a failed open
    OpenModel m;
    m.id = next_model_id_++;
    m.path = path;
    const ModelId id = m.id;
    s_.models.push_back(m);
    if (s_.shown_model == 0) s_.shown_model = id;
    auto open = opts_.open_model;
    auto t0 = std::chrono::steady_clock::now();
    worker_.submit<io::ModelIndex>(
        kLaneOpen + id, "open " + std::filesystem::path(path).filename().string(),
        [open, path](const JobContext<io::ModelIndex>&) -> Result<std::shared_ptr<const io::ModelIndex>> {
            auto r = open(path);
            if (!r) return r.error();
            return std::make_shared<const io::ModelIndex>(std::move(*r));
        },
        [this, id, t0](Result<std::shared_ptr<const io::ModelIndex>> r) {
            auto it = std::find_if(s_.models.begin(), s_.models.end(), [&](const OpenModel& m) { return m.id == id; });
            if (it == s_.models.end()) return;
            it->open_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (!r) {
                it->state = OpenModel::State::Failed;
                it->error = r.message();
                post(Message::Level::Error, r.message());
                return;
            }
            it->state = OpenModel::State::Ready;
            it->index = *r;
            push_recent(s_.settings.recent, it->path);
            save_settings_quietly();
            if (!s_.selection.valid()) {
                // First weight-like tensor (rank >= 2, floating point), else the first one.
                const auto& ts = it->index->tensors;
                int64_t pick = ts.empty() ? -1 : 0;
                for (size_t k = 0; k < ts.size(); ++k)
                    if (ts[k].shape.size() >= 2 && io::dtype_info(ts[k].dtype).is_float) {
                        pick = int64_t(k);
                        break;
                    }
                if (pick >= 0) select(Selection{id, pick});
            }
            s_.shown_model = id;
        });
}

void Controller::close_model(ModelId id) {
    worker_.cancel(kLaneOpen + id);
    std::erase_if(s_.models, [&](const OpenModel& m) { return m.id == id; });
    if (s_.selection.model == id) {
        s_.selection = {};
        s_.a = {};
        s_.b = {};
        s_.heat_a = {};
        s_.heat_b = {};
        s_.previous.reset();
    }
    if (s_.sweep_model == id) {
        worker_.cancel(kLaneSweep);
        s_.sweep = {};
        s_.sweep_model = 0;
    }
    if (s_.shown_model == id) s_.shown_model = s_.models.empty() ? 0 : s_.models.front().id;
    results_.erase_if([&](const ResultKey& k) { return k.model == id; });
    buffered_.erase_if([&](const ResultKey& k) { return k.model == id; });
    heatmaps_.erase_if([&](const HeatKey& k) { return k.result.model == id; });
    pyramids_.erase_if([&](const TensorKey& k) { return k.model == id; });
}

// ---------------------------------------------------------------------------
// [SECTION] reconcile: analyses (A, B), heatmaps
// ---------------------------------------------------------------------------

void Controller::update() {
    worker_.poll();
    reconcile();
}

std::optional<ResultKey> Controller::want_result(const std::optional<quant::QuantSpec>& spec, bool buffers) const {
    const io::TensorInfo* info = s_.selected_info();
    if (!spec || !info || info->numel() == 0) return std::nullopt;
    return ResultKey{s_.selection.model, s_.selection.tensor, *spec, s_.settings.hist_bins,
                     buffers && info->numel() <= opts_.max_buffer_elements};
}

void Controller::reconcile() {
    const bool need = s_.show[size_t(ViewId::Histogram)] || s_.show[size_t(ViewId::Error)] ||
                      s_.show[size_t(ViewId::Metrics)] || s_.show[size_t(ViewId::Spec)];
    reconcile_analysis(kLaneA, need ? want_result(s_.spec, false) : std::nullopt, req_a_, s_.a, true);
    reconcile_analysis(kLaneB, need ? want_result(s_.pinned, false) : std::nullopt, req_b_, s_.b, false);
    const bool heat = s_.show[size_t(ViewId::Heatmap)];
    reconcile_heatmap(kLaneHeatA, heat ? std::optional(s_.spec) : std::nullopt, req_heat_a_, s_.heat_a);
    reconcile_heatmap(kLaneHeatB, heat ? s_.pinned : std::nullopt, req_heat_b_, s_.heat_b);
}

void Controller::deliver_a(std::shared_ptr<const Analysis> v) {
    if (s_.a.value && s_.a.value != v) s_.previous = s_.a.value;
    s_.a.value = std::move(v);
    s_.a.status = JobStatus::Ready;
    s_.a.error.clear();
    s_.stats.last_request_to_result_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a_requested_at_).count();
    s_.stats.last_quantize_ms = s_.a.value->quantize_ms;
}

void Controller::reconcile_analysis(LaneId lane, const std::optional<ResultKey>& want,
                                    std::optional<ResultKey>& requested, Latest<Analysis>& slot, bool is_a) {
    if (want == requested) return;
    requested = want;
    if (is_a) a_requested_at_ = std::chrono::steady_clock::now();
    if (!want) {
        worker_.cancel(lane);
        slot = {};
        return;
    }
    if (auto hit = results_.get(*want)) {
        worker_.cancel(lane);
        if (is_a) {
            ++s_.stats.cache_hits;
            deliver_a(hit);
        } else {
            slot.value = hit;
            slot.status = JobStatus::Ready;
            slot.error.clear();
        }
        return;
    }
    auto model = model_index(want->model);
    if (!model) return;
    const ResultKey key = *want;
    quant::QuantOptions qopts;
    qopts.hist_bins = key.hist_bins;
    qopts.tensor_key = tensor_cache_key(uint64_t(key.model), key.tensor);
    auto quantize = opts_.quantize;
    io::TensorCache* tensors = &tensors_;
    if (is_a) ++s_.stats.requests;
    const std::string name = std::string(is_a ? "quantize " : "quantize (B) ") + model->tensors[size_t(key.tensor)].name;
    Ticket t = worker_.submit<Analysis>(
        lane, name,
        [model, key, qopts, quantize, tensors](const JobContext<Analysis>& ctx) -> Result<std::shared_ptr<const Analysis>> {
            auto tensor = tensors->get(model, size_t(key.tensor), ctx.progress);
            if (!tensor) return tensor.error();
            return analyze(**tensor, key.spec, qopts, quantize, ctx.progress);
        },
        [this, key, is_a, &slot](Result<std::shared_ptr<const Analysis>> r) {
            if (!r) {
                slot.status = JobStatus::Failed;
                slot.error = r.message();
                slot.value.reset();
                return;
            }
            results_.put(key, *r, (*r)->approx_bytes());
            if (is_a) {
                ++s_.stats.delivered;
                deliver_a(*r);
            } else {
                slot.value = *r;
                slot.status = JobStatus::Ready;
                slot.error.clear();
            }
        },
        {},
        [this, key, is_a](Result<std::shared_ptr<const Analysis>> r) {
            // Stale but valid: not shown, but going back to this spec will be instant.
            if (is_a) ++s_.stats.stale_dropped;
            results_.put(key, *r, (*r)->approx_bytes());
        });
    slot.status = JobStatus::Running;
    slot.progress = t.progress;
    slot.error.clear();
}

void Controller::reconcile_heatmap(LaneId lane, const std::optional<quant::QuantSpec>& spec,
                                   std::optional<HeatKey>& requested, Latest<HeatmapBundle>& slot) {
    std::optional<HeatKey> want;
    if (auto rk = want_result(spec, true)) want = HeatKey{*rk, s_.heatmap_kind};
    if (want == requested) return;
    requested = want;
    if (!want) {
        worker_.cancel(lane);
        slot = {};
        return;
    }
    if (want->kind != HeatmapKind::Weights && !want->result.buffers) {
        worker_.cancel(lane);
        slot = {};
        slot.status = JobStatus::Failed;
        slot.error = "this tensor is too large to keep its dequantized values and codes; the " +
                     std::string(heatmap_kind_name(want->kind)) + " heatmap is available up to " +
                     std::to_string(opts_.max_buffer_elements) + " elements";
        return;
    }
    if (auto hit = heatmaps_.get(*want)) {
        worker_.cancel(lane);
        slot.value = hit;
        slot.status = JobStatus::Ready;
        slot.error.clear();
        return;
    }
    auto model = model_index(want->result.model);
    if (!model) return;
    const HeatKey key = *want;
    const TensorKey tkey{key.result.model, key.result.tensor};
    auto cached_result = key.result.buffers ? buffered_.get(key.result) : nullptr;
    auto cached_pyramid = pyramids_.get(tkey);
    quant::QuantOptions qopts;
    qopts.hist_bins = key.result.hist_bins;
    qopts.keep_dequantized = qopts.keep_codes = key.result.buffers;
    qopts.tensor_key = tensor_cache_key(uint64_t(key.result.model), key.result.tensor);
    auto quantize = opts_.quantize;
    io::TensorCache* tensors = &tensors_;
    Ticket t = worker_.submit<HeatmapBundle>(
        lane, std::string("heatmap ") + heatmap_kind_name(key.kind),
        [model, key, qopts, quantize, tensors, cached_result, cached_pyramid](
            const JobContext<HeatmapBundle>& ctx) -> Result<std::shared_ptr<const HeatmapBundle>> {
            auto tensor = tensors->get(model, size_t(key.result.tensor), ctx.progress);
            if (!tensor) return tensor.error();
            std::shared_ptr<const quant::QuantResult> result = cached_result;
            if (!result && key.result.buffers) {
                const io::FloatTensor& t = **tensor;
                auto r = quantize(quant::TensorView{t.data, t.shape, t.name}, key.result.spec, qopts, ctx.progress);
                // A failed quantization still leaves a weights heatmap to draw.
                if (r) result = std::make_shared<const quant::QuantResult>(std::move(*r));
                else if (key.kind != HeatmapKind::Weights) return r.error();
            }
            if (ctx.progress.cancelled()) return Error{"cancelled"};
            return build_heatmap(key.kind, *tensor, result, cached_pyramid, ctx.progress);
        },
        [this, key, tkey, &slot](Result<std::shared_ptr<const HeatmapBundle>> r) {
            if (!r) {
                slot.status = JobStatus::Failed;
                slot.error = r.message();
                slot.value.reset();
                return;
            }
            const auto& b = *r;
            heatmaps_.put(key, b, b->approx_bytes());
            if (b->result && key.result.buffers)
                buffered_.put(key.result, b->result, (b->result->dequantized.size() + b->result->codes.size()) * 4);
            if (b->kind == HeatmapKind::Weights) pyramids_.put(tkey, b->pyramid, b->pyramid->approx_bytes());
            slot.value = b;
            slot.status = JobStatus::Ready;
            slot.error.clear();
        });
    slot.status = JobStatus::Running;
    slot.progress = t.progress;
    slot.error.clear();
}

// ---------------------------------------------------------------------------
// [SECTION] sweep, exports, settings
// ---------------------------------------------------------------------------

void Controller::start_sweep(bool weights_only) {
    const ModelId id = s_.selection.valid() ? s_.selection.model : s_.shown_model;
    auto model = model_index(id);
    if (!model) {
        post(Message::Level::Warning, "open a model first: the sweep runs the spec over its tensors");
        return;
    }
    s_.sweep_model = id;
    s_.show[size_t(ViewId::Sweep)] = true;
    auto quantize = opts_.quantize;
    const quant::QuantSpec spec = s_.spec;
    Ticket t = worker_.submit<SweepTable>(
        kLaneSweep, "whole-model sweep",
        [model, spec, weights_only, quantize](const JobContext<SweepTable>& ctx) {
            return run_sweep(model, spec, weights_only, quantize, ctx);
        },
        [this](Result<std::shared_ptr<const SweepTable>> r) {
            if (!r) {
                s_.sweep.status = JobStatus::Failed;
                s_.sweep.error = r.message();
                return;
            }
            s_.sweep.value = *r;
            s_.sweep.status = JobStatus::Ready;
            s_.sweep.error.clear();
        },
        [this](std::shared_ptr<const SweepTable> partial) { s_.sweep.value = std::move(partial); });
    s_.sweep.status = JobStatus::Running;
    s_.sweep.value.reset();
    s_.sweep.error.clear();
    s_.sweep.progress = t.progress;
}

void Controller::export_csv(CsvExport what, const std::string& path) {
    std::string text;
    const quant::QuantResult* a = s_.a.value ? s_.a.value->result.get() : nullptr;
    const quant::QuantResult* b = (s_.pinned && s_.b.value) ? s_.b.value->result.get() : nullptr;
    switch (what) {
        case CsvExport::Histogram:
        case CsvExport::Groups:
        case CsvExport::Metrics:
            if (!a) {
                post(Message::Level::Warning, "nothing to export yet: no result for the selected tensor");
                return;
            }
            text = what == CsvExport::Histogram ? histogram_csv(*a, b)
                   : what == CsvExport::Groups  ? groups_csv(*a)
                                                : metrics_csv(*a, b);
            break;
        case CsvExport::Sweep:
            if (!s_.sweep.value) {
                post(Message::Level::Warning, "nothing to export yet: run the whole-model sweep first");
                return;
            }
            text = sweep_csv(*s_.sweep.value);
            break;
    }
    if (auto st = write_file_atomic(path, text); !st) post(Message::Level::Error, st.message());
    else post(Message::Level::Info, "wrote " + path);
}

void Controller::export_spec_json(const std::string& path) {
    (void)path;
    post(Message::Level::Warning, "spec JSON export needs core's spec serialisation (not on main yet)");
}

void Controller::save_settings_quietly() {
    if (opts_.config_dir.empty()) return;
    if (auto st = save_settings(opts_.config_dir, s_.settings); !st) post(Message::Level::Warning, st.message());
}

}  // namespace qs::app
