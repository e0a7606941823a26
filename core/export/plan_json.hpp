// The quantscope plan file: PlanDocument <-> JSON ("quantscope_plan": 1, schema in
// docs/plan.md). The plan file is the source of truth; every other export is a pure
// function of it. plan_from_json(plan_to_json(p)) == p exactly (doubles are written
// with round-trip precision; non-finite numbers as the strings "inf", "-inf", "nan").
#pragma once

#include "core/export/plan_document.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace qs::exporter {

inline constexpr int kPlanSchemaVersion = 1;

nlohmann::ordered_json plan_to_json(const PlanDocument& plan);
// Validates as it reads: version, types, unknown keys, shapes, specs (valid for the
// tensor's shape), unique tensor names. `source` names the file in messages.
Result<PlanDocument> plan_from_json(const nlohmann::json& j, const std::string& source = "plan");

// Pretty-printed JSON text (2-space indent, trailing newline).
std::string plan_json_text(const PlanDocument& plan);
Status write_plan_json(const PlanDocument& plan, const std::filesystem::path& out);
// Reads and validates a plan file (size-capped at 256 MiB).
Result<PlanDocument> read_plan_json(const std::filesystem::path& path);

bool operator==(const PlannedTensor& a, const PlannedTensor& b);
bool operator==(const PlanDocument& a, const PlanDocument& b);

}  // namespace qs::exporter
