// QuantSpec fields by name, for the script language (`spec bits 4`), asserts
// and presets. Enum spellings and the compact text are core's (docs/quantspec.md:
// int, nf4, channel, group, minmax, nearest, fp32, ...); this file only maps field
// names to members and lists the enum values for the spec panel's combos.
#pragma once

#include "core/quant/spec.hpp"
#include "core/util/result.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::app {

// Every value of each enum, in the order the spec panel lists them.
inline constexpr quant::Scheme kAllSchemes[] = {quant::Scheme::Int,    quant::Scheme::Fp,     quant::Scheme::NF4,
                                                quant::Scheme::MX,     quant::Scheme::KMeans, quant::Scheme::Log2,
                                                quant::Scheme::Binary, quant::Scheme::Ternary};
inline constexpr quant::Granularity kAllGranularities[] = {quant::Granularity::PerTensor, quant::Granularity::PerChannel,
                                                           quant::Granularity::PerGroup, quant::Granularity::PerBlock};
inline constexpr quant::Calibration kAllCalibrations[] = {quant::Calibration::MinMax, quant::Calibration::Percentile,
                                                          quant::Calibration::MSE, quant::Calibration::KL,
                                                          quant::Calibration::ACIQ};
inline constexpr quant::Rounding kAllRoundings[] = {quant::Rounding::NearestEven, quant::Rounding::HalfAway,
                                                    quant::Rounding::Floor, quant::Rounding::Ceil,
                                                    quant::Rounding::Stochastic};
inline constexpr quant::OutlierMode kAllOutlierModes[] = {quant::OutlierMode::None, quant::OutlierMode::TopFraction,
                                                          quant::OutlierMode::Threshold};
inline constexpr quant::ScaleDType kAllScaleDTypes[] = {quant::ScaleDType::F32, quant::ScaleDType::F16,
                                                        quant::ScaleDType::BF16, quant::ScaleDType::E8M0};
inline constexpr quant::MxElement kAllMxElements[] = {quant::MxElement::FP8_E4M3, quant::MxElement::FP8_E5M2,
                                                      quant::MxElement::FP6_E3M2, quant::MxElement::FP6_E2M3,
                                                      quant::MxElement::FP4_E2M1, quant::MxElement::INT8};
inline constexpr quant::FpSpecials kAllFpSpecials[] = {quant::FpSpecials::IEEE, quant::FpSpecials::FN,
                                                       quant::FpSpecials::None};

// Sets one field from text: set_spec_field(s, "bits", "4"), ("granularity", "group"),
// ("clip", "-1.5,2"), ("clip", "auto"), or the whole spec: ("text", "int4:group=128").
// The message names the field and the accepted values.
Status set_spec_field(quant::QuantSpec& spec, std::string_view field, std::string_view value);
// Reads one field as text (for script asserts): "bits" -> "4".
Result<std::string> get_spec_field(const quant::QuantSpec& spec, std::string_view field);

// A short label: core's compact text ("int4:group=128", "nf4", "uint8:tensor").
std::string describe_spec(const quant::QuantSpec& spec);

struct Preset {
    const char* name;     // "int8 per-channel"
    const char* summary;  // one line for the tooltip
    quant::QuantSpec spec;
};
std::span<const Preset> presets();
const Preset* find_preset(std::string_view name);

}  // namespace qs::app
