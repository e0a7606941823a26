// A reader for the Python literals GPTQModel users write their `dynamic` overrides in:
// dicts of strings (plain or r-prefixed, ' or ") to dicts of ints, floats, True/False/None
// and strings, with comments and trailing commas (a bare variable name reads as null). Hand-written because no packaged
// library parses Python literals from C++; nothing is evaluated.
#pragma once
#include "core/util/result.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

namespace qs::lint {

// Parses the literal starting at text[pos] (skipping whitespace and comments); on
// success `pos` is just past it. Depth is limited to 16.
Result<nlohmann::ordered_json> parse_python_literal(std::string_view text, size_t& pos);

// The literal assigned to `name` at the start of a line ("name = {...}"), or an error.
Result<nlohmann::ordered_json> python_assignment(std::string_view text, std::string_view name);

// Keyword arguments `kw=<literal or identifier>` inside the first call `callee(...)`;
// identifiers are resolved with `python_assignment` when possible, else skipped.
Result<nlohmann::ordered_json> python_call_kwargs(std::string_view text, std::string_view callee);

}  // namespace qs::lint
