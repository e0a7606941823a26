// The per-tensor table of a plan as CSV (RFC 4180: comma separated, CRLF line
// ends, fields with a comma, quote, CR or LF quoted, quotes doubled). One header
// row, then one row per tensor in plan order. Columns are listed in docs/plan.md.
#pragma once

#include "core/export/plan_document.hpp"

#include <string>
#include <string_view>

namespace qs::exporter {

std::string csv_field(std::string_view s);  // quoted only when needed
std::string plan_csv_text(const PlanDocument& plan);

}  // namespace qs::exporter
