// AIMET export: quantization encodings JSON, version 1.0.0, for the integer specs
// AIMET can express (per-tensor, per-channel on axis 0, per-block along the input
// axis of 2-D weights). Scales and offsets come from quantizing the actual weights,
// so the model must be open. AIMET's convention: x = scale * (q + offset),
// q in [0, 2^bw - 1]; symmetric => offset = -2^(bw-1).
#pragma once

#include "core/export/export.hpp"
#include "core/quant/result.hpp"

#include <nlohmann/json.hpp>
#include <optional>

namespace qs::exporter {

// One param_encodings entry from a quantization result (nullopt + a reason in *why
// when AIMET cannot express the spec).
std::optional<nlohmann::ordered_json> aimet_param_encoding(const PlannedTensor& t, const quant::QuantResult& r,
                                                           std::string* why);
// Whether the spec is expressible at all (checked before spending time quantizing).
bool aimet_supports(const PlannedTensor& t, std::string* why);

Result<nlohmann::ordered_json> aimet_encodings(const PlanDocument& plan, const ExportOptions& options,
                                               std::vector<std::string>* warnings);

}  // namespace qs::exporter
