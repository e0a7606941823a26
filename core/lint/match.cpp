// The three matchers (see match.hpp). Patterns of the form ^escaped-literal$ (what the
// exporters write, one per tensor) are compared as strings: same result, and it keeps a
// 700-tensor plan from costing half a million std::regex searches.
#include "core/lint/match.hpp"

#include "core/lint/py_regex.hpp"

#include <cctype>
#include <optional>
#include <regex>

namespace qs::lint {
namespace {

bool ends_with(std::string_view s, std::string_view suf) {
    return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A compiled pattern: a literal for exact compares, or a regex.
struct Compiled {
    std::optional<std::string> literal;
    std::optional<std::regex> re;
    bool anchored_start = false;  // Python re.match: the match must begin at position 0
    bool matches(const std::string& s) const {
        if (literal) return s == *literal;
        if (!re) return false;
        if (anchored_start) return std::regex_search(s, *re, std::regex_constants::match_continuous);
        return std::regex_search(s, *re);
    }
};

Result<Compiled> compile_ecma(const std::string& pattern, bool anchored_start) {
    Compiled c;
    c.anchored_start = anchored_start;
    std::string lit;
    if (exact_literal(pattern, &lit)) {
        c.literal = std::move(lit);
        return c;
    }
    auto re = compile_regex(pattern);
    if (!re) return re.error();
    c.re = std::move(*re);
    return c;
}

Result<Compiled> compile_python(const std::string& pattern) {
    auto ecma = python_to_ecmascript(pattern);
    if (!ecma) return ecma.error();
    return compile_ecma(*ecma, true);
}

bool embedding_like(std::string_view n) {
    for (std::string_view e : {"embed_tokens", "wte", "wpe", "embeddings"})
        if (n.find(e) != std::string_view::npos) return true;
    return false;
}

}  // namespace

bool llama_quantizable(const LintTensor& t) {
    const std::string_view n = t.name;
    if (!ends_with(n, "weight")) return false;
    if (!t.shape.empty() && t.shape.size() < 2) return false;
    for (std::string_view bad : {"_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d.weight"})
        if (n.find(bad) != std::string_view::npos) return false;
    return n != "position_embd.weight" && n != "token_types.weight";
}

bool linear_weight(const LintTensor& t) {
    return ends_with(t.name, ".weight") && t.name.size() > 7 && (t.shape.empty() || t.shape.size() == 2);
}

std::string module_of(std::string_view n) {
    if (!ends_with(n, ".weight") || n.size() <= 7) return "";
    return std::string(n.substr(0, n.size() - 7));
}

bool is_class_target(std::string_view t) {
    if (t.empty() || !std::isupper(static_cast<unsigned char>(t[0]))) return false;
    for (char c : t)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

Matches match_rules(const RuleSet& rs, std::span<const LintTensor> tensors, const MatchOptions& options) {
    const size_t nr = rs.rules.size(), nt = tensors.size();
    Matches m;
    m.by_rule.assign(nr, {});
    m.rule_error.assign(nr, "");
    m.winner.assign(nt, -1);
    m.subject.assign(nt, false);

    // Subjects and the string each tool matches against.
    std::vector<std::string> subject_name(nt);
    for (size_t t = 0; t < nt; ++t) {
        if (rs.tool == Tool::Llama) {
            m.subject[t] = llama_quantizable(tensors[t]);
            subject_name[t] = tensors[t].name;
        } else {
            m.subject[t] = linear_weight(tensors[t]);
            subject_name[t] = module_of(tensors[t].name);
        }
    }

    // Compile. Class targets (compressed-tensors) are resolved from names: "Linear" is every
    // linear weight that is not an embedding, "Embedding" every embedding.
    enum class Kind { Pattern, Exact, ClassLinear, ClassEmbedding, ClassUnknown };
    std::vector<Kind> kind(nr, Kind::Pattern);
    std::vector<std::optional<Compiled>> comp(nr);
    for (size_t r = 0; r < nr; ++r) {
        const Rule& rule = rs.rules[r];
        Result<Compiled> c = make_error("unreachable");
        switch (rs.tool) {
            case Tool::Llama:
                if (rule.forced) {
                    kind[r] = Kind::Exact;
                    continue;
                }
                c = compile_ecma(lower(rule.pattern), false);
                break;
            case Tool::GptqModel: c = compile_python(rule.pattern); break;
            case Tool::CompressedTensors:
                if (rule.pattern.substr(0, 3) == "re:") {
                    c = compile_python(rule.pattern.substr(3));
                } else if (is_class_target(rule.pattern)) {
                    kind[r] = rule.pattern == "Linear"      ? Kind::ClassLinear
                              : rule.pattern == "Embedding" ? Kind::ClassEmbedding
                                                            : Kind::ClassUnknown;
                    continue;
                } else {
                    kind[r] = Kind::Exact;
                    continue;
                }
                break;
        }
        if (!c) m.rule_error[r] = c.message();
        else comp[r] = std::move(*c);
    }

    auto rule_matches = [&](size_t r, size_t t) -> bool {
        const Rule& rule = rs.rules[r];
        const std::string& s = subject_name[t];
        switch (kind[r]) {
            case Kind::Pattern: return comp[r] && (rs.tool == Tool::Llama || !s.empty()) && comp[r]->matches(s);
            case Kind::Exact: return s == rule.pattern;  // llama forced: pattern holds the tensor name
            case Kind::ClassLinear: return m.subject[t] && !embedding_like(s);
            case Kind::ClassEmbedding: return m.subject[t] && embedding_like(s);
            case Kind::ClassUnknown: return false;
        }
        return false;
    };

    for (size_t t = 0; t < nt; ++t) {
        std::vector<size_t> hits;
        for (size_t r = 0; r < nr; ++r) {
            bool hit = false;
            try {
                hit = rule_matches(r, t);
            } catch (const std::regex_error& e) {
                // std::regex gives up on patterns that backtrack too much (error_complexity/_stack).
                m.rule_error[r] = std::string("matching gave up (pattern too complex for std::regex: ") + e.what() + ")";
                comp[r].reset();
            }
            if (hit) {
                m.by_rule[r].push_back(t);
                hits.push_back(r);
            }
        }
        if (!m.subject[t] || hits.empty()) continue;
        int win = -1;
        switch (rs.tool) {
            case Tool::Llama: {
                for (size_t r : hits)
                    if (rs.rules[r].forced) win = int(r);
                if (win < 0) win = int(options.llama == LlamaPrecedence::FirstMatch ? hits.front() : hits.back());
                break;
            }
            case Tool::GptqModel: win = int(hits.front()); break;
            case Tool::CompressedTensors: {
                // ignore entries beat targets; then exact > regex > class, config order within.
                int rank_best = 99;
                for (size_t r : hits) {
                    const int rank = rs.rules[r].skip ? 0
                                     : kind[r] == Kind::Exact ? 1
                                     : kind[r] == Kind::Pattern ? 2
                                                                : 3;
                    if (rank < rank_best) rank_best = rank, win = int(r);
                }
                break;
            }
        }
        m.winner[t] = win;
    }
    return m;
}

}  // namespace qs::lint
