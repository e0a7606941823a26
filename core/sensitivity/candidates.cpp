// Candidate list parsing: split on commas, re-attach the numeric tail of a
// `clip=LO,HI` option, expand gN, and defer to quant::parse_spec_text.
#include "core/sensitivity/candidates.hpp"

#include <cctype>
#include <set>

namespace qs::sensitivity {
namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// A piece that cannot start a spec: it begins like a number ("-1.5", ".3", "2e-3").
bool is_numeric_tail(std::string_view s) {
    return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' || s[0] == '.');
}

}  // namespace

Result<quant::QuantSpec> parse_candidate(std::string_view text) {
    text = trim(text);
    std::string expanded;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(':', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view part = text.substr(start, end - start);
        if (!expanded.empty()) expanded += ':';
        if (start > 0 && part.size() > 1 && part[0] == 'g' && all_digits(part.substr(1)))
            expanded += "group=" + std::string(part.substr(1));
        else
            expanded += part;
        start = end + 1;
    }
    auto spec = quant::parse_spec_text(expanded);
    if (!spec) return make_error("candidate '{}': {}", text, spec.error().message);
    return spec;
}

Result<std::vector<CandidateSpec>> parse_candidates(std::string_view list) {
    std::vector<std::string> pieces;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        std::string_view piece = trim(list.substr(start, end - start));
        if (!pieces.empty() && is_numeric_tail(piece))
            pieces.back() += "," + std::string(piece);
        else
            pieces.emplace_back(piece);
        start = end + 1;
    }
    std::vector<CandidateSpec> out;
    std::set<std::string> seen;
    for (const auto& p : pieces) {
        if (p.empty()) return make_error("candidate list '{}': empty entry", list);
        auto spec = parse_candidate(p);
        if (!spec) return spec.error();
        if (!seen.insert(p).second) return make_error("candidate list: '{}' given twice", p);
        out.push_back({p, std::move(*spec)});
    }
    if (out.empty()) return make_error("candidate list is empty");
    return out;
}

}  // namespace qs::sensitivity
