// Candidate specs for mixed-precision planning, as the user types them:
// "int2:g64,int3:g64,int4:g128,int8". Each label is a QuantSpec compact text
// (docs/quantspec.md) plus the short option gN = group=N; the label the user
// typed is kept for tables and exports.
#pragma once
#include "core/quant/spec.hpp"
#include "core/util/result.hpp"
#include <string>
#include <string_view>
#include <vector>

namespace qs::sensitivity {

struct CandidateSpec {
    std::string label;     // as typed, e.g. "int4:g128"
    quant::QuantSpec spec;
};

// One spec text with the gN alias expanded; the error names the text.
Result<quant::QuantSpec> parse_candidate(std::string_view text);

// A comma-separated list. Commas inside a spec's own `clip=LO,HI` are kept with
// it. Errors on an empty list, a bad spec or a duplicated label.
Result<std::vector<CandidateSpec>> parse_candidates(std::string_view list);

}  // namespace qs::sensitivity
