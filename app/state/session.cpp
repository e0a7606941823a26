// The session value: capture from the app's state, JSON out, defensive JSON in; see session.hpp.
#include "app/state/session.hpp"

#include "core/export/plan_json.hpp"
#include "core/quant/spec_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sys/stat.h>

namespace qs::app {

namespace {

constexpr std::array<SensSource, 5> kSources{SensSource::Auto, SensSource::Demo, SensSource::Imatrix,
                                             SensSource::TracesJson, SensSource::DataFree};

const char* heat_key(HeatmapKind k) {
    switch (k) {
        case HeatmapKind::Weights: return "weights";
        case HeatmapKind::AbsError: return "error";
        case HeatmapKind::Codes: return "codes";
    }
    return "weights";
}

// Reads fields of one object, collecting a warning for each one that is wrong.
struct Reader {
    const nlohmann::json& j;
    std::string where;
    std::vector<std::string>& warnings;

    const nlohmann::json* get(const char* key) const {
        auto it = j.find(key);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    }
    void warn(const char* key, const char* want) const {
        warnings.push_back(fmt::format("{}{}: expected {}, using the default", where, key, want));
    }
    void str(const char* key, std::string& out, size_t max_len = 1 << 20) const {
        const auto* v = get(key);
        if (!v) return;
        if (v->is_string() && v->get_ref<const std::string&>().size() <= max_len) out = v->get<std::string>();
        else warn(key, "a string");
    }
    void boolean(const char* key, bool& out) const {
        const auto* v = get(key);
        if (!v) return;
        if (v->is_boolean()) out = v->get<bool>();
        else warn(key, "true or false");
    }
    void number(const char* key, double& out, double lo, double hi) const {
        const auto* v = get(key);
        if (!v) return;
        if (v->is_number() && std::isfinite(v->get<double>()) && v->get<double>() >= lo && v->get<double>() <= hi)
            out = v->get<double>();
        else warn(key, fmt::format("a number in [{}, {}]", lo, hi).c_str());
    }
    template <class Int>
    void integer(const char* key, Int& out, Int lo, Int hi) const {
        const auto* v = get(key);
        if (!v) return;
        if (v->is_number_unsigned() && v->get<uint64_t>() <= uint64_t(hi) && (lo <= 0 || v->get<uint64_t>() >= uint64_t(lo)))
            out = Int(v->get<uint64_t>());
        else if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() >= int64_t(lo) && (v->get<int64_t>() < 0 || uint64_t(v->get<int64_t>()) <= uint64_t(hi)))
            out = Int(v->get<int64_t>());
        else warn(key, "an integer in range");
    }
};

std::optional<quant::QuantSpec> read_spec(const nlohmann::json& v, const std::string& what,
                                          std::vector<std::string>& warnings) {
    auto s = quant::spec_from_json(v);
    if (s) {
        if (auto st = quant::validate(*s); !st) s = st.error();
    }
    if (!s) {
        warnings.push_back(fmt::format("{}: {}; using the default", what, s.message()));
        return std::nullopt;
    }
    return *s;
}

}  // namespace

const char* sens_source_key(SensSource s) {
    switch (s) {
        case SensSource::Auto: return "auto";
        case SensSource::Demo: return "demo";
        case SensSource::Imatrix: return "imatrix";
        case SensSource::TracesJson: return "traces";
        case SensSource::DataFree: return "data-free";
    }
    return "auto";
}

std::optional<SessionFile> stat_session_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    SessionFile f;
    f.path = path;
    f.size = S_ISREG(st.st_mode) ? uint64_t(st.st_size) : 0;
    f.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return f;
}

// ---------------------------------------------------------------------------
// capture
// ---------------------------------------------------------------------------

Session capture_session(const AppState& app, const SensState& sens, const bool* learn_open, size_t n_learn,
                        const std::string& ini) {
    Session s;
    for (const auto& m : app.models) {
        if (m.state == OpenModel::State::Failed) continue;  // a failed open is not worth restoring
        SessionFile f;
        f.path = m.path;
        // The identity the model was opened with (not what is on disk now), so a file
        // changed underneath is reported at restore.
        if (m.index && !m.index->files.empty() && !m.index->files.front()->in_memory()) {
            const auto& mf = *m.index->files.front();
            f.size = mf.size();
        }
        if (auto now = stat_session_file(m.path); now && (f.size == 0 || f.size == now->size)) {
            f.size = now->size;
            f.mtime_ns = now->mtime_ns;
        }
        s.models.push_back(std::move(f));
    }
    if (const OpenModel* m = app.find_model(app.shown_model)) s.shown_model = m->path;
    if (const io::TensorInfo* t = app.selected_info()) {
        s.selected_model = app.find_model(app.selection.model)->path;
        s.selected_tensor = t->name;
    }
    s.spec = app.spec;
    s.pinned = app.pinned;
    s.heatmap_kind = app.heatmap_kind;
    s.show = app.show;
    for (size_t i = 0; i < n_learn && learn_open; ++i)
        if (learn_open[i]) s.lessons_open.push_back(int(i));
    s.sens.source = sens.source;
    s.sens.source_path = sens.source_path;
    s.sens.candidates = sens.candidates;
    s.sens.seed = sens.seed;
    s.sens.tol = sens.tol;
    s.sens.max_iter = sens.max_iter;
    s.sens.budget_bpw = sens.budget_bpw;
    s.sens.pins = sens.pins;
    if (sens.computed && sens.computed->index) s.sens.plan_model = sens.computed->index->path;
    s.imgui_ini = ini;
    return s;
}

nlohmann::json capture_last_plan(const SensState& sens) {
    if (!sens.plan) return nullptr;
    return nlohmann::json::parse(exporter::plan_to_json(sens.plan->doc).dump());
}

// ---------------------------------------------------------------------------
// JSON out
// ---------------------------------------------------------------------------

nlohmann::ordered_json session_to_json(const Session& s, const std::string& saved_at) {
    nlohmann::ordered_json j;
    j["quantscope_session"] = kSessionVersion;
    if (!saved_at.empty()) j["saved_at"] = saved_at;
    j["models"] = nlohmann::ordered_json::array();
    for (const auto& m : s.models) j["models"].push_back({{"path", m.path}, {"size", m.size}, {"mtime_ns", m.mtime_ns}});
    j["shown_model"] = s.shown_model;
    j["selection"] = {{"model", s.selected_model}, {"tensor", s.selected_tensor}};
    j["spec"] = nlohmann::ordered_json::parse(quant::spec_to_json(s.spec).dump());
    j["pinned"] = s.pinned ? nlohmann::ordered_json::parse(quant::spec_to_json(*s.pinned).dump()) : nullptr;
    j["heatmap"] = heat_key(s.heatmap_kind);
    nlohmann::ordered_json w = nlohmann::ordered_json::object();
    for (int v = 0; v < int(ViewId::Count); ++v) w[view_name(ViewId(v))] = s.show[size_t(v)];
    j["windows"] = w;
    j["lessons_open"] = s.lessons_open;
    nlohmann::ordered_json se;
    se["source"] = sens_source_key(s.sens.source);
    se["source_path"] = s.sens.source_path;
    se["candidates"] = s.sens.candidates;
    se["seed"] = s.sens.seed;
    se["tol"] = s.sens.tol;
    se["max_iter"] = s.sens.max_iter;
    se["budget_bpw"] = s.sens.budget_bpw;
    se["pins"] = nlohmann::ordered_json::object();
    for (const auto& [t, l] : s.sens.pins) se["pins"][t] = l;
    se["plan_model"] = s.sens.plan_model;
    se["last_plan"] = nlohmann::ordered_json::parse(s.last_plan.dump());
    j["sensitivity"] = se;
    j["imgui_ini"] = s.imgui_ini;
    return j;
}

std::string session_json_text(const Session& s, const std::string& saved_at) {
    // Replace, not throw, on invalid UTF-8 (a path from a foreign file system).
    return session_to_json(s, saved_at).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

// ---------------------------------------------------------------------------
// JSON in
// ---------------------------------------------------------------------------

Result<SessionLoad> parse_session(std::string_view text, const std::string& source) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error("{}: not valid JSON (a damaged session file)", source);
    if (!j.is_object()) return make_error("{}: not a quantscope session (expected a JSON object)", source);
    auto ver = j.find("quantscope_session");
    if (ver == j.end() || !ver->is_number_integer() || ver->get<int64_t>() < 1)
        return make_error("{}: not a quantscope session (no \"quantscope_session\" version)", source);
    SessionLoad out;
    auto& w = out.warnings;
    Session& s = out.session;
    if (ver->get<int64_t>() > kSessionVersion)
        w.push_back(fmt::format("{}: written by a newer quantscope (session version {}, this one reads {}); "
                                "restoring what this version understands",
                                source, ver->get<int64_t>(), kSessionVersion));
    const Reader top{j, "", w};
    top.str("saved_at", out.saved_at, 64);

    if (const auto* ms = top.get("models")) {
        if (!ms->is_array()) top.warn("models", "a list");
        else
            for (const auto& m : *ms) {
                if (s.models.size() >= kMaxSessionModels) {
                    w.push_back(fmt::format("models: more than {}; the rest are left out", kMaxSessionModels));
                    break;
                }
                if (!m.is_object() || !m.contains("path") || !m["path"].is_string() || m["path"].get<std::string>().empty()) {
                    w.push_back("models: an entry without a path was left out");
                    continue;
                }
                SessionFile f;
                const Reader r{m, "models[].", w};
                r.str("path", f.path, 4096);
                r.integer<uint64_t>("size", f.size, 0, UINT64_MAX);
                r.integer<int64_t>("mtime_ns", f.mtime_ns, INT64_MIN, INT64_MAX);
                s.models.push_back(std::move(f));
            }
    }
    top.str("shown_model", s.shown_model, 4096);
    if (const auto* sel = top.get("selection")) {
        if (!sel->is_object()) top.warn("selection", "an object");
        else {
            const Reader r{*sel, "selection.", w};
            r.str("model", s.selected_model, 4096);
            r.str("tensor", s.selected_tensor, 4096);
        }
    }
    if (const auto* v = top.get("spec"))
        if (auto sp = read_spec(*v, "spec", w)) s.spec = *sp;
    if (const auto* v = top.get("pinned")) s.pinned = read_spec(*v, "pinned", w);
    if (const auto* v = top.get("heatmap")) {
        const std::string k = v->is_string() ? v->get<std::string>() : "";
        if (k == "weights") s.heatmap_kind = HeatmapKind::Weights;
        else if (k == "error") s.heatmap_kind = HeatmapKind::AbsError;
        else if (k == "codes") s.heatmap_kind = HeatmapKind::Codes;
        else top.warn("heatmap", "weights, error or codes");
    }
    // Windows: the app's defaults (Controller's constructor), overridden by name.
    s.show.fill(true);
    s.show[size_t(ViewId::Sweep)] = s.show[size_t(ViewId::Messages)] = s.show[size_t(ViewId::Sensitivity)] = false;
    if (const auto* ws = top.get("windows")) {
        if (!ws->is_object()) top.warn("windows", "an object");
        else {
            const Reader r{*ws, "windows.", w};
            for (int v = 0; v < int(ViewId::Count); ++v) r.boolean(view_name(ViewId(v)), s.show[size_t(v)]);
        }
    }
    if (const auto* ls = top.get("lessons_open")) {
        if (!ls->is_array()) top.warn("lessons_open", "a list");
        else
            for (const auto& x : *ls)
                if (x.is_number_integer() && x.get<int64_t>() >= 0 && x.get<int64_t>() < int64_t(kMaxSessionLessons))
                    s.lessons_open.push_back(int(x.get<int64_t>()));
                else w.push_back("lessons_open: an entry that is not a lesson number was left out");
    }
    if (const auto* se = top.get("sensitivity")) {
        if (!se->is_object()) top.warn("sensitivity", "an object");
        else {
            const Reader r{*se, "sensitivity.", w};
            if (const auto* v = r.get("source")) {
                bool found = false;
                for (SensSource k : kSources)
                    if (v->is_string() && v->get<std::string>() == sens_source_key(k)) {
                        s.sens.source = k;
                        found = true;
                    }
                if (!found) r.warn("source", "auto, demo, imatrix, traces or data-free");
            }
            r.str("source_path", s.sens.source_path, 4096);
            r.str("candidates", s.sens.candidates, 4096);
            r.integer<uint64_t>("seed", s.sens.seed, 0, UINT64_MAX);
            r.number("tol", s.sens.tol, 1e-6, 1.0);
            r.integer<int>("max_iter", s.sens.max_iter, 1, 100000);
            r.number("budget_bpw", s.sens.budget_bpw, 0.0, 64.0);
            if (const auto* ps = r.get("pins")) {
                if (!ps->is_object()) r.warn("pins", "an object");
                else
                    for (const auto& [t, l] : ps->items()) {
                        if (s.sens.pins.size() >= kMaxSessionPins) break;
                        if (l.is_string() && !t.empty()) s.sens.pins[t] = l.get<std::string>();
                        else w.push_back("sensitivity.pins: an entry that is not \"tensor\": \"label\" was left out");
                    }
            }
            r.str("plan_model", s.sens.plan_model, 4096);
            if (const auto* p = r.get("last_plan")) {
                // Kept only when it is a valid plan: it is what a user would export.
                if (auto doc = exporter::plan_from_json(*p, source + ": sensitivity.last_plan"); doc)
                    s.last_plan = *p;
                else w.push_back(doc.message() + "; left out");
            }
        }
    }
    top.str("imgui_ini", s.imgui_ini, 4 << 20);
    return out;
}

}  // namespace qs::app
