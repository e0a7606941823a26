// JSON for anomaly reports and thresholds (anomaly_json.hpp). Non-finite
// numbers (a NaN mean of an all-NaN tensor) become null: JSON has no NaN.
#include "core/analysis/anomaly_json.hpp"

#include "core/quant/spec_json.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace qs::analysis {
namespace {

using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// One table of the threshold fields, so to_json, from_json and the docs agree.
struct Field {
    const char* key;
    double AnomalyThresholds::* d = nullptr;
    uint64_t AnomalyThresholds::* u = nullptr;
};
constexpr Field kFields[] = {
    {"dead_channel_ratio", &AnomalyThresholds::dead_channel_ratio},
    {"excess_kurtosis", &AnomalyThresholds::excess_kurtosis},
    {"max_over_std", &AnomalyThresholds::max_over_std},
    {"saturation_tensor", &AnomalyThresholds::saturation_tensor},
    {"saturation_channel", &AnomalyThresholds::saturation_channel},
    {"unused_codes_tensor", &AnomalyThresholds::unused_codes_tensor},
    {"unused_codes_channel", &AnomalyThresholds::unused_codes_channel},
    {"min_samples_per_level", &AnomalyThresholds::min_samples_per_level},
    {"min_elements", nullptr, &AnomalyThresholds::min_elements},
    {"denormal_count", nullptr, &AnomalyThresholds::denormal_count},
    {"max_channels_listed", nullptr, &AnomalyThresholds::max_channels_listed},
};

}  // namespace

json thresholds_to_json(const AnomalyThresholds& t) {
    json j = json::object();
    for (const Field& f : kFields) {
        if (f.d) j[f.key] = t.*f.d;
        else j[f.key] = t.*f.u;
    }
    return j;
}

Result<AnomalyThresholds> thresholds_from_json(const json& j, const AnomalyThresholds& base) {
    if (!j.is_object()) return make_error("thresholds: expected a JSON object, got {}", j.type_name());
    AnomalyThresholds t = base;
    for (const auto& [key, v] : j.items()) {
        const Field* f = nullptr;
        for (const Field& c : kFields)
            if (key == c.key) f = &c;
        if (!f) return make_error("thresholds: unknown key '{}'", key);
        if (!v.is_number()) return make_error("thresholds: '{}' must be a number", key);
        const double x = v.get<double>();
        if (!std::isfinite(x) || x < 0) return make_error("thresholds: '{}' must be a finite number >= 0, got {}", key, x);
        if (f->d) {
            t.*f->d = x;
        } else {
            if (x != std::floor(x) || x > 1e15) return make_error("thresholds: '{}' must be a whole number, got {}", key, x);
            t.*f->u = uint64_t(x);
        }
    }
    return t;
}

Result<AnomalyThresholds> parse_thresholds(std::string_view text, const AnomalyThresholds& base) {
    std::string body(text);
    std::string what = "thresholds";
    if (!body.empty() && body.front() == '@') {
        const std::string path = body.substr(1);
        std::ifstream f(path, std::ios::binary);
        if (!f) return make_error("thresholds file '{}': cannot open", path);
        std::stringstream ss;
        ss << f.rdbuf();
        body = ss.str();
        what = "thresholds file '" + path + "'";
    }
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", what);
    auto t = thresholds_from_json(j, base);
    if (!t) return make_error("{}: {}", what, t.message());
    return t;
}

json anomaly_to_json(const Anomaly& a) {
    return json{{"kind", anomaly_kind_name(a.kind)},
                {"severity", severity_name(a.severity)},
                {"value", num(a.value)},
                {"threshold", num(a.threshold)},
                {"channels", a.channels},
                {"channel_count", a.channel_count},
                {"message", a.message}};
}

json tensor_report_to_json(const TensorReport& t) {
    const TensorStats& s = t.stats;
    json stats{{"numel", s.numel},
               {"finite", s.finite},
               {"nan", s.nan},
               {"pos_inf", s.pos_inf},
               {"neg_inf", s.neg_inf},
               {"denormals", s.denormals_counted ? json(s.denormals) : json(nullptr)},
               {"min", num(s.min)},
               {"max", num(s.max)},
               {"mean", num(s.mean)},
               {"std", num(s.std)},
               {"excess_kurtosis", num(s.excess_kurtosis)},
               {"max_over_std", num(s.max_over_std)},
               {"channels", s.channels},
               {"dead_channels", s.dead_channels},
               {"min_channel_std_ratio", num(s.min_channel_std_ratio)}};
    if (s.quantized) {
        stats["quant"] = json{{"saturated_fraction", num(s.saturated_fraction)},
                              {"worst_channel_saturation", num(s.worst_channel_saturation)},
                              {"worst_saturation_channel", s.worst_saturation_channel},
                              {"levels", s.levels},
                              {"unused_codes_fraction", num(s.unused_codes_fraction)},
                              {"worst_channel_unused", num(s.worst_channel_unused)},
                              {"worst_unused_channel", s.worst_unused_channel}};
    } else if (!s.quant_note.empty()) {
        stats["quant"] = json{{"skipped", s.quant_note}};
    }
    json flags = json::array();
    for (const auto& f : t.flags) flags.push_back(anomaly_to_json(f));
    const auto w = t.worst();
    return json{{"name", t.name},
                {"index", t.index},
                {"dtype", io::dtype_name(t.dtype)},
                {"shape", t.shape},
                {"severity", w ? json(severity_name(*w)) : json("clean")},
                {"flags", flags},
                {"stats", stats}};
}

json model_report_to_json(const ModelReport& r) {
    json tensors = json::array();
    for (const auto& t : r.tensors) tensors.push_back(tensor_report_to_json(t));
    json skipped = json::array();
    for (const auto& s : r.skipped) skipped.push_back(json{{"name", s.name}, {"reason", s.reason}});
    return json{{"file", r.path},
                {"format", r.format},
                {"spec", r.spec ? json(quant::to_text(*r.spec)) : json(nullptr)},
                {"thresholds", thresholds_to_json(r.thresholds)},
                {"summary",
                 {{"tensors_checked", r.tensors.size()},
                  {"tensors_skipped", r.skipped.size()},
                  {"tensors_flagged", r.flagged()},
                  {"errors", r.count(Severity::Error)},
                  {"warnings", r.count(Severity::Warning)},
                  {"infos", r.count(Severity::Info)}}},
                {"tensors", tensors},
                {"skipped", skipped}};
}

}  // namespace qs::analysis
