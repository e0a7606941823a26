// Plan file reader/writer (see plan_json.hpp). Written with ordered_json so the
// file reads top-down: model and budget first, the per-tensor list, then totals.
#include "core/export/plan_json.hpp"

#include "core/quant/spec_json.hpp"
#include "core/util/atomic_write.hpp"
#include "core/util/checked.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace qs::exporter {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}
ordered_json opt_number(const std::optional<double>& v) { return v ? number(*v) : ordered_json(nullptr); }

// Reads a double written by number(): a JSON number or one of the three strings.
Result<double> get_number(const json& j, const std::string& where) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        const auto s = j.get<std::string>();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
        if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    }
    return make_error("{}: expected a number, got {}", where, j.dump());
}
Result<std::optional<double>> get_opt_number(const json& j, const std::string& where) {
    if (j.is_null()) return std::optional<double>{};
    auto v = get_number(j, where);
    if (!v) return v.error();
    return std::optional<double>(*v);
}
Result<std::string> get_string(const json& j, const std::string& where) {
    if (!j.is_string()) return make_error("{}: expected a string, got {}", where, j.type_name());
    return j.get<std::string>();
}
Result<bool> get_bool(const json& j, const std::string& where) {
    if (!j.is_boolean()) return make_error("{}: expected true or false, got {}", where, j.type_name());
    return j.get<bool>();
}
Result<uint64_t> get_u64(const json& j, const std::string& where) {
    if (!j.is_number_unsigned()) return make_error("{}: expected a non-negative integer, got {}", where, j.dump());
    return j.get<uint64_t>();
}

// Unknown keys are errors (a typo must not silently vanish), missing required keys too.
Status check_keys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed,
                  std::initializer_list<const char*> required) {
    if (!obj.is_object()) return make_error("{}: expected an object, got {}", where, obj.type_name());
    for (const auto& [k, v] : obj.items()) {
        bool ok = false;
        for (const char* a : allowed) ok = ok || k == a;
        if (!ok) return make_error("{}: unknown key '{}'", where, k);
    }
    for (const char* r : required)
        if (!obj.contains(r)) return make_error("{}: missing key '{}'", where, r);
    return {};
}

bool same_double(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
bool same_opt(const std::optional<double>& a, const std::optional<double>& b) {
    return a.has_value() == b.has_value() && (!a || same_double(*a, *b));
}

Result<PlannedTensor> tensor_from_json(const json& j, const std::string& where) {
    QS_TRY(check_keys(j, where,
                      {"name", "shape", "source_dtype", "quantized", "spec", "label", "bits_per_weight",
                       "predicted_cost", "sensitivity", "pinned", "mse", "sqnr_db"},
                      {"name", "shape", "quantized", "spec"}));
    PlannedTensor t;
    auto name = get_string(j["name"], where + ".name");
    if (!name) return name.error();
    t.name = *name;
    if (t.name.empty()) return make_error("{}: empty tensor name", where);
    const std::string w = fmt::format("{} ('{}')", where, t.name);
    if (!j["shape"].is_array() || j["shape"].size() > 8)
        return make_error("{}.shape: expected an array of at most 8 dimensions", w);
    for (const auto& d : j["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
            return make_error("{}.shape: dimensions must be non-negative integers, got {}", w, d.dump());
        t.shape.push_back(d.get<int64_t>());
    }
    if (!checked_numel(t.shape)) return make_error("{}.shape: element count overflows", w);
    if (j.contains("source_dtype")) {
        auto s = get_string(j["source_dtype"], w + ".source_dtype");
        if (!s) return s.error();
        t.source_dtype = *s;
    }
    auto q = get_bool(j["quantized"], w + ".quantized");
    if (!q) return q.error();
    t.quantized = *q;
    auto spec = quant::spec_from_json(j["spec"]);
    if (!spec) return make_error("{}.spec: {}", w, spec.message());
    t.spec = *spec;
    if (t.quantized) {
        auto ok = quant::validate(t.spec, t.shape);
        if (!ok) return make_error("{}.spec: {}", w, ok.message());
    }
    if (j.contains("label")) {
        auto s = get_string(j["label"], w + ".label");
        if (!s) return s.error();
        t.label = *s;
    }
    auto num = [&](const char* key, double& dst) -> Status {
        if (!j.contains(key)) return {};
        auto v = get_number(j[key], fmt::format("{}.{}", w, key));
        if (!v) return v.error();
        dst = *v;
        return {};
    };
    QS_TRY(num("bits_per_weight", t.bits_per_weight));
    QS_TRY(num("predicted_cost", t.predicted_cost));
    QS_TRY(num("sensitivity", t.sensitivity));
    if (j.contains("pinned")) {
        auto p = get_bool(j["pinned"], w + ".pinned");
        if (!p) return p.error();
        t.pinned = *p;
    }
    for (auto [key, dst] : {std::pair{"mse", &t.mse}, std::pair{"sqnr_db", &t.sqnr_db}}) {
        if (!j.contains(key)) continue;
        auto v = get_opt_number(j[key], fmt::format("{}.{}", w, key));
        if (!v) return v.error();
        *dst = *v;
    }
    return t;
}

}  // namespace

ordered_json plan_to_json(const PlanDocument& p) {
    ordered_json j;
    j["quantscope_plan"] = kPlanSchemaVersion;
    j["model"] = p.model;
    j["sensitivity_source"] = p.sensitivity_source;
    j["budget"] = {{"bpw", opt_number(p.budget_bpw)},
                   {"bytes", p.budget_bytes ? ordered_json(*p.budget_bytes) : ordered_json(nullptr)}};
    j["candidates"] = p.candidates;
    j["optimal"] = p.optimal;
    ordered_json ts = ordered_json::array();
    for (const auto& t : p.tensors) {
        ordered_json e;
        e["name"] = t.name;
        e["shape"] = t.shape;
        e["source_dtype"] = t.source_dtype;
        e["quantized"] = t.quantized;
        e["label"] = t.label;
        e["spec"] = ordered_json::parse(quant::spec_to_json(t.spec).dump());
        e["bits_per_weight"] = number(t.bits_per_weight);
        e["predicted_cost"] = number(t.predicted_cost);
        e["sensitivity"] = number(t.sensitivity);
        e["pinned"] = t.pinned;
        e["mse"] = opt_number(t.mse);
        e["sqnr_db"] = opt_number(t.sqnr_db);
        ts.push_back(std::move(e));
    }
    j["tensors"] = std::move(ts);
    j["totals"] = {{"quantized_params", p.quantized_params},
                   {"quantized_bits", number(p.quantized_bits)},
                   {"avg_bpw", number(p.avg_bpw())},
                   {"predicted_cost", number(p.total_predicted_cost)}};
    return j;
}

Result<PlanDocument> plan_from_json(const json& j, const std::string& source) {
    if (!j.is_object()) return make_error("{}: a plan file is a JSON object", source);
    if (!j.contains("quantscope_plan"))
        return make_error("{}: not a quantscope plan (no \"quantscope_plan\" version key)", source);
    if (!j["quantscope_plan"].is_number_integer() || j["quantscope_plan"].get<int64_t>() != kPlanSchemaVersion)
        return make_error("{}: plan schema version {} is not supported (this build reads version {})", source,
                          j["quantscope_plan"].dump(), kPlanSchemaVersion);
    QS_TRY(check_keys(j, source,
                      {"quantscope_plan", "model", "sensitivity_source", "budget", "candidates", "optimal", "tensors",
                       "totals"},
                      {"model", "tensors"}));
    PlanDocument p;
    auto model = get_string(j["model"], source + ": model");
    if (!model) return model.error();
    p.model = *model;
    if (j.contains("sensitivity_source")) {
        auto s = get_string(j["sensitivity_source"], source + ": sensitivity_source");
        if (!s) return s.error();
        p.sensitivity_source = *s;
    }
    if (j.contains("budget")) {
        const json& b = j["budget"];
        QS_TRY(check_keys(b, source + ": budget", {"bpw", "bytes"}, {}));
        if (b.contains("bpw")) {
            auto v = get_opt_number(b["bpw"], source + ": budget.bpw");
            if (!v) return v.error();
            p.budget_bpw = *v;
        }
        if (b.contains("bytes") && !b["bytes"].is_null()) {
            auto v = get_u64(b["bytes"], source + ": budget.bytes");
            if (!v) return v.error();
            p.budget_bytes = *v;
        }
    }
    if (j.contains("candidates")) {
        if (!j["candidates"].is_array()) return make_error("{}: candidates: expected an array", source);
        for (const auto& c : j["candidates"]) {
            auto s = get_string(c, source + ": candidates[]");
            if (!s) return s.error();
            p.candidates.push_back(*s);
        }
    }
    if (j.contains("optimal")) {
        auto o = get_bool(j["optimal"], source + ": optimal");
        if (!o) return o.error();
        p.optimal = *o;
    }
    if (!j["tensors"].is_array()) return make_error("{}: tensors: expected an array", source);
    std::set<std::string> names;
    for (size_t i = 0; i < j["tensors"].size(); ++i) {
        auto t = tensor_from_json(j["tensors"][i], fmt::format("{}: tensors[{}]", source, i));
        if (!t) return t.error();
        if (!names.insert(t->name).second) return make_error("{}: tensor '{}' is listed twice", source, t->name);
        p.tensors.push_back(std::move(*t));
    }
    if (j.contains("totals")) {
        const json& t = j["totals"];
        const std::string w = source + ": totals";
        QS_TRY(check_keys(t, w, {"quantized_params", "quantized_bits", "avg_bpw", "predicted_cost"}, {}));
        if (t.contains("quantized_params")) {
            auto v = get_u64(t["quantized_params"], w + ".quantized_params");
            if (!v) return v.error();
            p.quantized_params = *v;
        }
        if (t.contains("quantized_bits")) {
            auto v = get_number(t["quantized_bits"], w + ".quantized_bits");
            if (!v) return v.error();
            p.quantized_bits = *v;
        }
        if (t.contains("predicted_cost")) {
            auto v = get_number(t["predicted_cost"], w + ".predicted_cost");
            if (!v) return v.error();
            p.total_predicted_cost = *v;
        }
        // avg_bpw is derived (quantized_bits / quantized_params); written for readers, not read.
    }
    return p;
}

std::string plan_json_text(const PlanDocument& plan) { return plan_to_json(plan).dump(2) + "\n"; }

Status write_plan_json(const PlanDocument& plan, const std::filesystem::path& out) {
    return write_file_atomic(out, plan_json_text(plan));
}

Result<PlanDocument> read_plan_json(const std::filesystem::path& path) {
    const std::string src = path.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return make_error("{}: cannot read: {}", src, ec.message());
    if (size > (uint64_t(256) << 20)) return make_error("{}: {} bytes is too large for a plan file", src, size);
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}: cannot open", src);
    std::stringstream ss;
    ss << in.rdbuf();
    json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", src);
    return plan_from_json(j, src);
}

bool operator==(const PlannedTensor& a, const PlannedTensor& b) {
    return a.name == b.name && a.shape == b.shape && a.source_dtype == b.source_dtype && a.quantized == b.quantized &&
           a.spec == b.spec && a.label == b.label && same_double(a.bits_per_weight, b.bits_per_weight) &&
           same_double(a.predicted_cost, b.predicted_cost) && same_double(a.sensitivity, b.sensitivity) &&
           a.pinned == b.pinned && same_opt(a.mse, b.mse) && same_opt(a.sqnr_db, b.sqnr_db);
}

bool operator==(const PlanDocument& a, const PlanDocument& b) {
    return a.model == b.model && a.sensitivity_source == b.sensitivity_source && same_opt(a.budget_bpw, b.budget_bpw) &&
           a.budget_bytes == b.budget_bytes && a.candidates == b.candidates && a.tensors == b.tensors &&
           a.optimal == b.optimal && same_double(a.total_predicted_cost, b.total_predicted_cost) &&
           a.quantized_params == b.quantized_params && same_double(a.quantized_bits, b.quantized_bits);
}

}  // namespace qs::exporter
