// QuantSpec <-> JSON (schema in docs/quantspec.md), and the one parser the CLI,
// plan files and the GUI's "paste a spec" box share: compact text, inline JSON,
// or "@file.json".
#pragma once

#include "core/quant/spec.hpp"

#include <nlohmann/json.hpp>

namespace qs::quant {

// Every field, by name; clip_lo/clip_hi are null when unset.
nlohmann::json spec_to_json(const QuantSpec& s);

// Accepts an object (missing fields take the scheme's defaults, unknown keys are
// an error) or a string in the compact text form.
Result<QuantSpec> spec_from_json(const nlohmann::json& j);

// "int4:sym:group=128", "{\"scheme\": \"nf4\"}" or "@path/to/spec.json".
// The result is validated.
Result<QuantSpec> parse_spec(std::string_view text);

}  // namespace qs::quant
