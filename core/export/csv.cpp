// Plan as CSV (see csv.hpp). Numbers are written with round-trip precision ({}).
#include "core/export/csv.hpp"

#include "core/quant/spec.hpp"

#include <fmt/format.h>

namespace qs::exporter {

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string plan_csv_text(const PlanDocument& plan) {
    std::string out =
        "tensor,shape,params,source_dtype,quantized,label,spec,bits_per_weight,predicted_cost,sensitivity,"
        "pinned,mse,sqnr_db\r\n";
    for (const auto& t : plan.tensors) {
        uint64_t params = 1;
        std::string shape;
        for (size_t i = 0; i < t.shape.size(); ++i) {
            params *= uint64_t(t.shape[i]);
            shape += (i ? "x" : "") + std::to_string(t.shape[i]);
        }
        const auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); };
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n", csv_field(t.name), shape, params,
                           csv_field(t.source_dtype), t.quantized ? "yes" : "no", csv_field(t.label),
                           t.quantized ? csv_field(quant::to_text(t.spec)) : std::string(), t.bits_per_weight,
                           t.predicted_cost, t.sensitivity, t.pinned ? "yes" : "no", opt(t.mse), opt(t.sqnr_db));
    }
    return out;
}

}  // namespace qs::exporter
