// QuantSpec fields by name, for the spec panel's labels, the script language
// (`spec bits 4`) and presets. Enum spellings follow docs/quantspec.md where it
// names them (int, fp, nf4, mx, per-channel, minmax, ...).
#pragma once

#include "core/quant/spec.hpp"
#include "core/util/result.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

const char* scheme_name(quant::Scheme s);
const char* granularity_name(quant::Granularity g);
const char* calibration_name(quant::Calibration c);
const char* rounding_name(quant::Rounding r);
const char* outlier_name(quant::OutlierMode o);
const char* scale_dtype_name(quant::ScaleDType d);
const char* mx_element_name(quant::MxElement e);
const char* fp_specials_name(quant::FpSpecials s);

// Sets one field from text: set_spec_field(s, "bits", "4"), ("granularity", "per-group"),
// ("clip", "-1.5,2"), ("clip", "auto"). The message names the field and the accepted values.
Status set_spec_field(quant::QuantSpec& spec, std::string_view field, std::string_view value);
// Reads one field as text (for script asserts): "bits" -> "4".
Result<std::string> get_spec_field(const quant::QuantSpec& spec, std::string_view field);

// A short human label: "int4 sym g128 minmax", "fp8 e4m3 per-channel", "nf4 g64".
std::string describe_spec(const quant::QuantSpec& spec);

struct Preset {
    const char* name;     // "int8 per-channel"
    const char* summary;  // one line for the tooltip
    quant::QuantSpec spec;
};
std::span<const Preset> presets();
const Preset* find_preset(std::string_view name);

}  // namespace qs::app
