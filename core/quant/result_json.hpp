// QuantResult as JSON (without the per-element buffers), the schema printed by
// `quantscope-cli quant --json` and `compare --json` (docs/cli-quant.md).
// Non-finite numbers are written as the strings "inf", "-inf", "nan".
#pragma once

#include "core/quant/result.hpp"

#include <nlohmann/json.hpp>

namespace qs::quant {

struct ResultJsonOptions {
    bool histograms = true;  // hist_orig / hist_deq / hist_err, code_hist, grid
    bool groups = false;     // per-group arrays (can be large: one entry per group)
};

nlohmann::json result_to_json(const QuantResult& r, const ResultJsonOptions& o = {});
// A double as JSON: a number, or "inf" / "-inf" / "nan".
nlohmann::json json_number(double v);

}  // namespace qs::quant
