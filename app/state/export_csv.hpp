// The CSV behind each plot, as shown: histogram bins (original, dequantized,
// error; and B when pinned), per-group parameters and errors, the metrics
// table, the whole-model sweep. Plain RFC 4180 text, '.' decimals, full precision.
#pragma once

#include "app/worker/sweep.hpp"
#include "core/quant/result.hpp"

#include <string>

namespace qs::app {

std::string histogram_csv(const quant::QuantResult& a, const quant::QuantResult* b);
std::string groups_csv(const quant::QuantResult& a);
std::string metrics_csv(const quant::QuantResult& a, const quant::QuantResult* b);
std::string sweep_csv(const SweepTable& t);
// Quotes a field when it holds a comma, quote or newline.
std::string csv_field(std::string_view s);

}  // namespace qs::app
