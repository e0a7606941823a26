// Python `re` patterns run with std::regex (ECMAScript). The two agree on the subset
// used for module names (literals, escapes, classes, groups, alternation, quantifiers,
// lookahead, backreferences); what only Python has is rejected with a message instead of
// being mis-matched. \A and \Z are rewritten to ^ and $ (the same outside multiline mode).
#pragma once
#include "core/util/result.hpp"

#include <regex>
#include <string>
#include <string_view>

namespace qs::lint {

// The ECMAScript spelling of a Python pattern, or an error naming the unsupported
// construct: named groups (?P<n>..) (?P=n), lookbehind (?<= (?<!, inline flags (?i) ...,
// comments (?#..), atomic groups (?>..), {,n} quantifiers.
Result<std::string> python_to_ecmascript(std::string_view pattern);

// Compiles an ECMAScript pattern; the error carries std::regex's reason.
Result<std::regex> compile_regex(const std::string& ecmascript);

// When `pattern` is "^" + escaped literal + "$", the literal (for a fast exact compare).
bool exact_literal(std::string_view pattern, std::string* literal);

}  // namespace qs::lint
