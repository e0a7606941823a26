// The script runner; see script_runner.hpp.
#include "app/ui/script_runner.hpp"

#include "app/state/imatrix_panel.hpp"
#include "app/state/spec_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <numeric>

namespace qs::app {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

bool to_double(const std::string& s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "ctrl+shift+z" -> GLFW key code and modifiers. Returns -1 for an unknown key.
int parse_key(const std::string& combo, bool& ctrl, bool& shift, bool& alt) {
    ctrl = shift = alt = false;
    int key = -1;
    size_t start = 0;
    while (start <= combo.size()) {
        size_t e = combo.find('+', start);
        if (e == std::string::npos) e = combo.size();
        std::string part = combo.substr(start, e - start);
        start = e + 1;
        if (part == "ctrl") ctrl = true;
        else if (part == "shift") shift = true;
        else if (part == "alt") alt = true;
        else if (part.size() == 1 && std::isalnum(static_cast<unsigned char>(part[0]))) key = std::toupper(part[0]);
        else if (part == "equal" || part == "plus") key = '=';
        else if (part == "minus") key = '-';
        else if (part == "escape") key = 256;
        else if (part == "enter") key = 257;
        else if (part == "tab") key = 258;
        else return -1;
        if (e == combo.size()) break;
    }
    return key;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, size_t(std::ceil(p / 100.0 * double(v.size()))) - (p > 0 ? 1 : 0));
    return v[i];
}

std::optional<double> metric(const quant::QuantResult& r, const std::string& n) {
    if (n == "sqnr_db") return r.sqnr_db;
    if (n == "mse") return r.mse;
    if (n == "max_abs_err") return r.max_abs_err;
    if (n == "cosine") return r.cosine;
    if (n == "rel_fro_err") return r.rel_fro_err;
    if (n == "bits_per_weight") return r.bits_per_weight;
    if (n == "bytes") return double(r.bytes);
    if (n == "levels") return double(r.levels);
    if (n == "codes_used") return double(r.codes_used);
    if (n == "code_entropy_bits") return r.code_entropy_bits;
    if (n == "clipped_fraction") return r.clipped_fraction;
    if (n == "outliers_kept") return double(r.outliers_kept);
    if (n == "n_groups") return double(r.n_groups);
    return std::nullopt;
}

const char* status_name(JobStatus s) {
    switch (s) {
        case JobStatus::Empty: return "empty";
        case JobStatus::Running: return "running";
        case JobStatus::Ready: return "ready";
        case JobStatus::Failed: return "failed";
    }
    return "?";
}

}  // namespace

ScriptRunner::ScriptRunner(std::vector<ScriptAction> actions, std::filesystem::path base_dir)
    : actions_(std::move(actions)), base_(std::move(base_dir)) {
    action_start_ = last_frame_ = Clock::now();
    if (actions_.empty()) done_ = true;
}

void ScriptRunner::fail(const std::string& why) {
    const ScriptAction& a = actions_[std::min(pc_, actions_.size() - 1)];
    std::fprintf(stderr, "script:%d: %s: %s\n", a.line, a.verb.c_str(), why.c_str());
    failed_ = done_ = true;
}

void ScriptRunner::next() {
    ++pc_;
    step_ = 0;
    settled_frames_ = 0;
    action_start_ = Clock::now();
    if (pc_ >= actions_.size()) {
        done_ = true;
        std::fprintf(stderr, "script: %zu actions done\n", actions_.size());
    }
}

std::string ScriptRunner::resolve(const std::string& path) const {
    std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return path;
    const auto in_base = base_ / p;
    if (std::filesystem::exists(in_base, ec)) return in_base.string();
    return path;
}

void ScriptRunner::before_frame(ImGuiIO& io) {
    io.MousePos = mouse_;
    for (bool& b : io.MouseDown) b = false;
    io.MouseDown[0] = down_;
    io.MouseWheel = 0;
    for (bool& k : io.KeysDown) k = false;
    if (key_ >= 0 && key_ < int(IM_ARRAYSIZE(io.KeysDown))) io.KeysDown[key_] = true;
    io.KeyCtrl = ctrl_;
    io.KeyShift = shift_;
    io.KeyAlt = alt_;
    io.KeySuper = false;
}

void ScriptRunner::after_draw(const AppState& s, bool settled, const UiState& ui, Intents& out,
                              std::vector<CaptureRequest>& caps) {
    const double frame_ms = ms_since(last_frame_);
    last_frame_ = Clock::now();
    if (done_) return;
    const ScriptAction& a = actions_[pc_];
    const auto& v = a.verb;
    const double elapsed_s = ms_since(action_start_) / 1000.0;
    const bool loading = std::any_of(s.models.begin(), s.models.end(),
                                     [](const OpenModel& m) { return m.state == OpenModel::State::Loading; });

    if (v == "open") {
        out.push_back(intent::OpenFile{resolve(a.args[0])});
        next();
    } else if (v == "close") {
        if (s.shown_model) out.push_back(intent::CloseModel{s.shown_model});
        next();
    } else if (v == "select") {
        if (loading) {
            if (elapsed_s > 60) fail("models still loading after 60 s");
            return;
        }
        std::vector<const OpenModel*> order;
        if (const OpenModel* m = s.find_model(s.shown_model)) order.push_back(m);
        for (const auto& m : s.models) order.push_back(&m);
        for (const OpenModel* m : order) {
            if (!m->index) continue;
            const int64_t i = m->index->find(a.args[0]);
            if (i >= 0) {
                out.push_back(intent::SelectTensor{m->id, i});
                next();
                return;
            }
        }
        fail("no open model has a tensor '" + a.args[0] + "'");
    } else if (v == "spec") {
        quant::QuantSpec spec = s.spec;
        if (auto st = set_spec_field(spec, a.args[0], a.args[1]); !st) return fail(st.message());
        out.push_back(intent::SetSpec{spec});
        next();
    } else if (v == "preset") {
        out.push_back(intent::ApplyPreset{a.rest(0)});
        next();
    } else if (v == "clip") {
        if (a.args[0] == "auto") {
            out.push_back(intent::SetClip{std::nullopt, std::nullopt, 0});
        } else {
            double lo = 0, hi = 0;
            if (a.args.size() != 2 || !to_double(a.args[0], lo) || !to_double(a.args[1], hi))
                return fail("expected 'clip LO HI' or 'clip auto'");
            out.push_back(intent::SetClip{lo, hi, 0});
        }
        next();
    } else if (v == "drag_clip") {
        // Drags the histogram's clip handle with the mouse, like a user.
        if (!ui.hist.has_frame) {
            if (elapsed_s > 30) fail("the histogram is not drawn");
            return;
        }
        const PlotFrame& f = ui.hist.frame;
        if (step_ == 0) {
            double target = 0;
            if ((a.args[0] != "lo" && a.args[0] != "hi") || !to_double(a.args[1], target))
                return fail("expected 'drag_clip lo|hi VALUE'");
            const double from = a.args[0] == "lo" ? ui.hist.handle_lo : ui.hist.handle_hi;
            drag_from_ = std::clamp(f.x_px(from), f.rect.Min.x, f.rect.Max.x);
            drag_to_ = std::clamp(f.x_px(target), f.rect.Min.x, f.rect.Max.x);
            drag_y_ = f.rect.GetCenter().y;
            mouse_ = ImVec2(drag_from_, drag_y_);
            down_ = false;
        } else if (step_ == 1) {
            down_ = true;
        } else if (step_ <= 9) {
            const float t = float(step_ - 1) / 8.0f;
            mouse_ = ImVec2(drag_from_ + (drag_to_ - drag_from_) * t, drag_y_);
        } else if (step_ == 10) {
            down_ = false;
        } else {
            mouse_ = ImVec2(-FLT_MAX, -FLT_MAX);
            next();
            return;
        }
        ++step_;
    } else if (v == "undo" || v == "redo" || v == "pin" || v == "unpin" || v == "swap" || v == "cancel_sweep" ||
               v == "message_clear") {
        if (v == "undo") out.push_back(intent::Undo{});
        else if (v == "redo") out.push_back(intent::Redo{});
        else if (v == "pin") out.push_back(intent::PinCurrent{});
        else if (v == "unpin") out.push_back(intent::Unpin{});
        else if (v == "swap") out.push_back(intent::SwapPinned{});
        else if (v == "cancel_sweep") out.push_back(intent::CancelSweep{});
        else out.push_back(intent::ClearMessages{});
        next();
    } else if (v == "heatmap") {
        const std::string& k = a.args[0];
        if (k == "weights") out.push_back(intent::SetHeatmapKind{HeatmapKind::Weights});
        else if (k == "error") out.push_back(intent::SetHeatmapKind{HeatmapKind::AbsError});
        else if (k == "codes") out.push_back(intent::SetHeatmapKind{HeatmapKind::Codes});
        else return fail("expected weights, error or codes");
        next();
    } else if (v == "bins") {
        out.push_back(intent::SetHistBins{std::atoi(a.args[0].c_str())});
        next();
    } else if (v == "theme") {
        out.push_back(intent::SetTheme{a.args[0] == "light" ? Theme::Light : Theme::Dark});
        next();
    } else if (v == "scale") {
        double sc = 1;
        if (!to_double(a.args[0], sc)) return fail("expected a number");
        out.push_back(intent::SetUiScale{float(sc)});
        next();
    } else if (v == "show") {
        for (int i = 0; i < int(ViewId::Count); ++i)
            if (a.args[0] == view_name(ViewId(i))) {
                out.push_back(intent::ShowView{ViewId(i), a.args[1] == "on"});
                next();
                return;
            }
        fail("unknown view '" + a.args[0] + "'");
    } else if (v == "sweep") {
        out.push_back(intent::StartSweep{!(a.args.size() == 1 && a.args[0] == "all")});
        next();
    } else if (v == "key") {
        if (step_ == 0) {
            key_ = parse_key(a.args[0], ctrl_, shift_, alt_);
            if (key_ < 0) return fail("unknown key '" + a.args[0] + "'");
            ++step_;
        } else {
            key_ = -1;
            ctrl_ = shift_ = alt_ = false;
            next();
        }
    } else if (v == "mouse") {
        mouse_ = ImVec2(float(std::atof(a.args[0].c_str())), float(std::atof(a.args[1].c_str())));
        next();
    } else if (v == "click") {
        if (step_ == 0) mouse_ = ImVec2(float(std::atof(a.args[0].c_str())), float(std::atof(a.args[1].c_str())));
        else if (step_ == 1) down_ = true;
        else if (step_ == 2) down_ = false;
        if (++step_ > 3) next();
    } else if (v == "wait") {
        const double timeout = a.args.empty() ? 60.0 : std::atof(a.args[0].c_str());
        // Two settled frames: the last result was delivered and then drawn.
        settled_frames_ = (settled && !s.busy()) ? settled_frames_ + 1 : 0;
        if (settled_frames_ >= 2) next();
        else if (elapsed_s > timeout) fail(fmt::format("still busy after {} s", timeout));
    } else if (v == "frames") {
        if (++step_ >= std::atoi(a.args[0].c_str())) next();
    } else if (v == "screenshot") {
        caps.push_back({a.args[0], ViewId::Count, true});
        next();
    } else if (v == "export") {
        const std::string& what = a.args[0];
        if (what == "csv" && a.args.size() == 3) {
            const std::string& k = a.args[1];
            CsvExport e = k == "histogram" ? CsvExport::Histogram
                          : k == "groups"  ? CsvExport::Groups
                          : k == "metrics" ? CsvExport::Metrics
                                           : CsvExport::Sweep;
            out.push_back(intent::ExportCsv{e, a.args[2]});
        } else if (what == "png" && a.args.size() == 3) {
            ViewId view = ViewId::Count;
            for (int i = 0; i < int(ViewId::Count); ++i)
                if (a.args[1] == view_name(ViewId(i))) view = ViewId(i);
            if (view == ViewId::Count && a.args[1] != "window") return fail("unknown view '" + a.args[1] + "'");
            caps.push_back({a.args[2], view, false});
        } else if (what == "spec" && a.args.size() == 2) {
            out.push_back(intent::ExportSpecJson{a.args[1]});
        } else {
            return fail("expected 'export csv KIND PATH', 'export png VIEW PATH' or 'export spec PATH'");
        }
        next();
    } else if (v == "echo") {
        std::fprintf(stderr, "script:%d: %s\n", a.line, a.rest(0).c_str());
        next();
    } else if (v == "assert") {
        run_assert(a, s);
        if (!done_) next();
    } else if (v == "bench_bits") {
        bench(a, s, settled, out);
        bench_.frame_ms.push_back(frame_ms);
    } else if (v == "imatrix") {  // loads, then waits for the file and the selected tensor's figures
        if (!imx_) return fail("the Importance window is not available");
        if (step_ == 0) {
            imx_->load(resolve(a.args[0]));
            step_ = 1;
            return;
        }
        if (imx_->loading() || imx_->computing() || ++step_ < 4) return;
        if (!imx_->load_error().empty()) return fail(imx_->load_error());
        if (!imx_->error().empty()) return fail(imx_->error());
        std::fprintf(stderr, "script: imatrix %s: %zu tensors%s\n", a.args[0].c_str(),
                     imx_->imatrix() ? imx_->imatrix()->entries.size() : size_t(0),
                     imx_->stats() && imx_->stats()->a
                         ? (", weighted MSE " + std::to_string(imx_->stats()->a->weighted_mse) + " vs MSE " +
                            std::to_string(imx_->stats()->a->mse))
                               .c_str()
                         : "");
        next();
    } else if (v == "sens") {
        sens_action(a, s);
    } else if (v == "anomaly") {
        anomaly_action(a, s);
    } else if (v == "scmp") {
        sens_compare_action(a, s);
    } else if (v == "session") {
        session_action(a, s, ui);
    } else if (v == "file") {
        file_action(a);
    } else if (v == "quit") {
        done_ = true;
    } else {
        fail("not implemented");
    }
}

void ScriptRunner::run_assert(const ScriptAction& a, const AppState& s) {
    const std::string& what = a.args[0];
    auto cmp_num = [&](double lhs, const std::string& op, const std::string& rhs_text) {
        double rhs = 0;
        if (!to_double(rhs_text, rhs)) return fail("'" + rhs_text + "' is not a number");
        auto r = compare_numbers(lhs, op, rhs);
        if (!r) return fail(r.message());
        if (!*r) fail(fmt::format("{} is {}, expected {} {}", a.rest(0), lhs, op, rhs_text));
    };
    if (what == "spec" && a.args.size() == 4) {
        auto got = get_spec_field(s.spec, a.args[1]);
        if (!got) return fail(got.message());
        double l = 0, r = 0;
        if (to_double(*got, l) && to_double(a.args[3], r)) return cmp_num(l, a.args[2], a.args[3]);
        const bool eq = *got == a.args[3];
        if ((a.args[2] == "==" && !eq) || (a.args[2] == "!=" && eq) || (a.args[2] != "==" && a.args[2] != "!="))
            fail(fmt::format("spec {} is '{}', expected {} '{}'", a.args[1], *got, a.args[2], a.args[3]));
    } else if (what == "tensor" && a.args.size() == 3) {
        const io::TensorInfo* t = s.selected_info();
        const std::string name = t ? t->name : "(none)";
        if ((name == a.args[2]) != (a.args[1] == "==")) fail("the selected tensor is '" + name + "'");
    } else if ((what == "metric" || what == "metric_b") && a.args.size() == 4) {
        const auto& slot = what == "metric" ? s.a : s.b;
        if (!slot.value) return fail(std::string("no result (") + status_name(slot.status) + ") " + slot.error);
        auto m = metric(*slot.value->result, a.args[1]);
        if (!m) return fail("unknown metric '" + a.args[1] + "'");
        cmp_num(*m, a.args[2], a.args[3]);
    } else if (what == "status" && a.args.size() == 4) {
        const std::string& w = a.args[1];
        const JobStatus st = w == "a" ? s.a.status : w == "b" ? s.b.status : w == "heat" ? s.heat_a.status : s.sweep.status;
        if ((status_name(st) == a.args[3]) != (a.args[2] == "=="))
            fail(fmt::format("status of {} is {}{}", w, status_name(st),
                             w == "a" ? " " + s.a.error : w == "heat" ? " " + s.heat_a.error : ""));
    } else if (what == "models" && a.args.size() == 3) {
        cmp_num(double(std::count_if(s.models.begin(), s.models.end(),
                                     [](const OpenModel& m) { return m.state == OpenModel::State::Ready; })),
                a.args[1], a.args[2]);
    } else if (what == "failed_models" && a.args.size() == 3) {
        cmp_num(double(std::count_if(s.models.begin(), s.models.end(),
                                     [](const OpenModel& m) { return m.state == OpenModel::State::Failed; })),
                a.args[1], a.args[2]);
    } else if (what == "sweep_rows" && a.args.size() == 3) {
        cmp_num(s.sweep.value ? double(s.sweep.value->rows.size()) : 0.0, a.args[1], a.args[2]);
    } else if (what == "message") {
        const std::string text = a.rest(1);
        const bool found = std::any_of(s.messages.begin(), s.messages.end(),
                                       [&](const Message& m) { return m.text.find(text) != std::string::npos; });
        if (!found) fail("no message contains '" + text + "'");
    } else if (what == "ui_scale" && a.args.size() == 3) {
        cmp_num(s.settings.ui_scale, a.args[1], a.args[2]);
    } else if (what == "undo_depth" && a.args.size() == 3) {
        cmp_num(double(s.history.undo_depth()), a.args[1], a.args[2]);
    } else if (what == "theme" && a.args.size() == 3) {
        const std::string t = s.settings.theme == Theme::Light ? "light" : "dark";
        if ((t == a.args[2]) != (a.args[1] == "==")) fail("theme is " + t);
    } else if (what == "pinned" && a.args.size() == 3) {
        const std::string p = s.pinned ? "true" : "false";
        if ((p == a.args[2]) != (a.args[1] == "==")) fail("pinned is " + p);
    } else {
        fail("unknown assertion (see app/script/script.hpp)");
    }
}

// bench_bits FROM TO ROUNDS
//   phase 0: drag the bits slider one step per frame, ROUNDS times over FROM..TO..FROM (frame time while moving)
//   phase 1: wait until settled
//   phase 2: move a clip handle to a new value (always a cache miss) and wait for the result, 20 times
//            (latency from the intent to the first frame that draws the result)
void ScriptRunner::bench(const ScriptAction& a, const AppState& s, bool settled, Intents& out) {
    Bench& b = bench_;
    if (step_ == 0) {
        b = Bench{};
        const int from = std::atoi(a.args[0].c_str()), to = std::atoi(a.args[1].c_str());
        const int rounds = std::max(1, std::atoi(a.args[2].c_str()));
        for (int r = 0; r < rounds; ++r) {
            for (int x = from; x != to; x += (to > from ? 1 : -1)) b.seq.push_back(x);
            for (int x = to; x != from; x += (to > from ? -1 : 1)) b.seq.push_back(x);
        }
        b.seq.push_back(from);
        b.gesture = (uint64_t(3) << 62) | 1;
        step_ = 1;
        b.frame_ms.clear();
        return;
    }
    if (!s.a.value) return fail("select a tensor first");
    if (b.phase == 0) {
        if (b.i < b.seq.size()) {
            quant::QuantSpec spec = s.spec;
            spec.bits = b.seq[b.i++];
            out.push_back(intent::SetSpec{spec, b.gesture});
            return;
        }
        b.phase = 1;
        return;
    }
    if (b.phase == 1) {
        settled_frames_ = settled ? settled_frames_ + 1 : 0;
        if (settled_frames_ >= 2) {
            b.phase = 2;
            b.i = 0;
            b.clip_hi = s.a.value->result->clip_hi;
        }
        return;
    }
    // phase 2: latency, one clip move at a time
    const quant::QuantResult& r = *s.a.value->result;
    if (b.frames_waited == 0) {
        if (b.i >= 20) {
            auto summary = [](const std::vector<double>& v) {
                return fmt::format("{{\"n\": {}, \"p50\": {:.2f}, \"p95\": {:.2f}, \"max\": {:.2f}, \"mean\": {:.2f}}}",
                                   v.size(), percentile(v, 50), percentile(v, 95),
                                   v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()),
                                   v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()));
            };
            std::vector<double> drag_frames(b.frame_ms.begin() + 1,
                                            b.frame_ms.begin() + long(std::min(b.frame_ms.size(), b.seq.size() + 1)));
            std::printf("bench_bits: {\"tensor\": \"%s\", \"numel\": %llu, \"drag_frame_ms\": %s, "
                        "\"all_frame_ms\": %s, \"clip_latency_ms\": %s, \"clip_latency_frames\": %s, "
                        "\"quantize_ms\": %s}\n",
                        r.tensor.c_str(), (unsigned long long)r.numel, summary(drag_frames).c_str(),
                        summary(b.frame_ms).c_str(), summary(b.latency_ms).c_str(), summary(b.latency_frames).c_str(),
                        summary(b.quantize_ms).c_str());
            std::fflush(stdout);
            next();
            return;
        }
        quant::QuantSpec spec = s.spec;
        const double lo = r.clip_lo;
        spec.clip_lo = lo;
        spec.clip_hi = b.clip_hi * (0.6 + 0.02 * double(b.i));
        if (!(*spec.clip_hi > lo)) spec.clip_hi = lo + 1.0;
        out.push_back(intent::SetSpec{spec, 0});
        b.requested = Clock::now();
        b.frames_waited = 1;
        return;
    }
    // Waiting: the result for the requested spec is in the state, so this frame drew it.
    if (s.a.status == JobStatus::Ready && r.spec == s.spec) {
        b.latency_ms.push_back(ms_since(b.requested));
        b.latency_frames.push_back(double(b.frames_waited));
        b.quantize_ms.push_back(s.a.value->quantize_ms);
        b.frames_waited = 0;
        ++b.i;
        return;
    }
    if (++b.frames_waited > 5000) fail("no result after 5000 frames");
}

}  // namespace qs::app
