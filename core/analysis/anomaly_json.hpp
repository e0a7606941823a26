// Anomaly reports and thresholds as JSON: the `check --json` output (schema in
// docs/anomalies.md) and the thresholds file `check --thresholds` reads
// (inline JSON or @file.json; any subset of the keys, unknown keys are errors).
#pragma once

#include "core/analysis/anomaly.hpp"

#include <nlohmann/json.hpp>

namespace qs::analysis {

nlohmann::json thresholds_to_json(const AnomalyThresholds& t);
// Keys missing from `j` keep the values of `base`.
Result<AnomalyThresholds> thresholds_from_json(const nlohmann::json& j, const AnomalyThresholds& base = {});
Result<AnomalyThresholds> parse_thresholds(std::string_view text, const AnomalyThresholds& base = {});

nlohmann::json anomaly_to_json(const Anomaly& a);
nlohmann::json tensor_report_to_json(const TensorReport& t);
nlohmann::json model_report_to_json(const ModelReport& r);

}  // namespace qs::analysis
