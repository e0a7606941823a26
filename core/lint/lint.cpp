// Lint checks over a tool's matches (see lint.hpp).
#include "core/lint/lint.hpp"

#include "core/plan/from_costs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

namespace qs::lint {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The block index in "blk.N." / "layers.N." / "h.N." ("" when none).
std::string layer_number(std::string_view n) {
    for (std::string_view p : {"blk.", "layers.", "h."}) {
        size_t at = 0;
        while ((at = n.find(p, at)) != std::string_view::npos) {
            if (at == 0 || n[at - 1] == '.') {
                size_t e = at + p.size(), b = e;
                while (e < n.size() && std::isdigit(static_cast<unsigned char>(n[e]))) ++e;
                if (e > b) return std::string(n.substr(b, e - b));
            }
            at += p.size();
        }
    }
    return "";
}

// Maximal digit runs in a pattern (outside escapes such as \d).
std::set<std::string> digit_runs(std::string_view p) {
    std::set<std::string> out;
    for (size_t i = 0; i < p.size();) {
        if (p[i] == '\\') {
            i += 2;
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(p[i]))) {
            size_t e = i;
            while (e < p.size() && std::isdigit(static_cast<unsigned char>(p[e]))) ++e;
            out.insert(std::string(p.substr(i, e - i)));
            i = e;
        } else {
            ++i;
        }
    }
    return out;
}

std::string list_names(const std::vector<std::string>& names, size_t max = 3) {
    std::string out;
    for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > max) out += fmt::format(" and {} more", names.size() - max);
    return out;
}

}  // namespace

int64_t ggml_type_block(std::string_view type) {
    const std::string t = lower(type);
    for (std::string_view f : {"f32", "f16", "bf16"})
        if (t == f) return 1;
    for (std::string_view q : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "iq4_nl", "mxfp4"})
        if (t == q) return 32;
    for (std::string_view k : {"q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs",
                               "iq3_s", "iq1_s", "iq1_m", "iq4_xs", "tq1_0", "tq2_0"})
        if (t == k) return 256;
    return 0;
}

std::string LintReport::effective(size_t t) const {
    if (t >= matches.winner.size() || !matches.subject[t]) return "";
    const int w = matches.winner[t];
    return w >= 0 ? rules.rules[size_t(w)].assigns : rules.default_assigns;
}

LintReport lint(RuleSet rules, std::vector<LintTensor> tensors, const LintOptions& options) {
    LintReport rep;
    rep.matches = match_rules(rules, tensors, options.match);
    rep.rules = std::move(rules);
    rep.tensors = std::move(tensors);
    const RuleSet& rs = rep.rules;
    const Matches& m = rep.matches;
    const auto& T = rep.tensors;
    std::vector<Finding> f = rs.findings;
    auto add = [&](Severity s, std::string code, std::string pattern, std::vector<std::string> names,
                   std::string msg) { f.push_back({s, std::move(code), std::move(pattern), std::move(names), std::move(msg)}); };
    auto names_of = [&](const std::vector<size_t>& idx) {
        std::vector<std::string> out;
        for (size_t i : idx) out.push_back(T[i].name);
        return out;
    };
    const std::string tool(tool_name(rs.tool));
    auto key_of = [&](size_t t) {
        const int w = m.winner[t];
        return w >= 0 ? rs.rules[size_t(w)].key : rs.default_key;
    };

    // Per rule: cannot compile, matches nothing, matches only tensors the tool ignores, never wins.
    std::vector<size_t> wins(rs.rules.size(), 0);
    for (size_t t = 0; t < T.size(); ++t)
        if (m.winner[t] >= 0) ++wins[size_t(m.winner[t])];
    for (size_t r = 0; r < rs.rules.size(); ++r) {
        const Rule& rule = rs.rules[r];
        const std::string where = rule.origin.empty() ? std::string() : " (" + rule.origin + ")";
        if (!m.rule_error[r].empty()) {
            add(Severity::Error, "bad-regex", rule.pattern, {},
                fmt::format("{}: pattern '{}'{}: {}", tool, rule.pattern, where, m.rule_error[r]));
            continue;
        }
        if (rs.tool == Tool::Llama && !rule.forced) {
            for (std::string_view esc : {"\\D", "\\S", "\\W", "\\B"})
                if (rule.pattern.find(esc) != std::string::npos)
                    add(Severity::Warning, "lowercased-escape", rule.pattern, {},
                        fmt::format("llama: pattern '{}'{}: llama-quantize lower-cases patterns, so '{}' becomes '{}' "
                                    "and means the opposite",
                                    rule.pattern, where, esc, lower(esc)));
        }
        std::vector<size_t> subj;
        for (size_t t : m.by_rule[r])
            if (m.subject[t]) subj.push_back(t);
        if (m.by_rule[r].empty()) {
            if (rs.tool == Tool::CompressedTensors && is_class_target(rule.pattern) && rule.pattern != "Linear" &&
                rule.pattern != "Embedding") {
                add(Severity::Info, "class-target", rule.pattern, {},
                    fmt::format("compressed-tensors: target '{}'{} is a module class name; quantscope cannot tell "
                                "module classes from tensor names, so its matches are not shown",
                                rule.pattern, where));
                continue;
            }
            std::string hint;
            if (rs.tool == Tool::CompressedTensors && rule.pattern.substr(0, 3) != "re:" &&
                rule.pattern.find_first_of("*\\[](|+?^$") != std::string::npos)
                hint = "; compressed-tensors compares a target without 're:' literally, and this looks like a regex "
                       "(write 're:" + rule.pattern + "')";
            else if (rs.tool == Tool::GptqModel || (rs.tool == Tool::CompressedTensors && rule.pattern.substr(0, 3) == "re:"))
                hint = "; re.match anchors at the start of the module path (no '.weight'), so a pattern must start "
                       "with the full prefix such as 'model.layers.' or with '.*'";
            add(Severity::Error, hint.find("literally") != std::string::npos ? "bare-regex" : "no-match", rule.pattern,
                {}, fmt::format("{}: pattern '{}'{} matches no tensor{}", tool, rule.pattern, where, hint));
            continue;
        }
        if (subj.empty()) {
            add(Severity::Warning, "not-quantized", rule.pattern, names_of(m.by_rule[r]),
                fmt::format("{}: pattern '{}'{} matches only tensors {} never quantizes ({})", tool, rule.pattern,
                            where, tool, list_names(names_of(m.by_rule[r]))));
            continue;
        }
        if (wins[r] == 0) {
            add(Severity::Warning, "shadowed", rule.pattern, names_of(subj),
                fmt::format("{}: pattern '{}'{} never applies: every tensor it matches is taken by another rule "
                            "first ({})",
                            tool, rule.pattern, where, list_names(names_of(subj))));
        }
        // Unescaped layer numbers: "blk.1." also matches blk.10 .. blk.19.
        if (!rule.forced) {
            std::set<std::string> layers;
            for (size_t t : subj) {
                std::string l = layer_number(T[t].name);
                if (!l.empty()) layers.insert(l);
            }
            for (const auto& d : digit_runs(rule.pattern)) {
                if (!layers.count(d)) continue;
                std::vector<std::string> longer;
                for (const auto& l : layers)
                    if (l != d && l.substr(0, d.size()) == d) longer.push_back(l);
                if (!longer.empty())
                    add(Severity::Warning, "layer-prefix", rule.pattern, {},
                        fmt::format("{}: pattern '{}'{} names layer {} but also matches layer{} {}: escape the dot "
                                    "and end the number ('\\.{}\\.')",
                                    tool, rule.pattern, where, d, longer.size() > 1 ? "s" : "", list_names(longer, 6), d));
            }
        }
    }

    // Tensors matched by several rules assigning different specs, grouped by the rule set.
    std::map<std::vector<size_t>, std::vector<size_t>> conflicts;
    for (size_t t = 0; t < T.size(); ++t) {
        if (!m.subject[t]) continue;
        std::vector<size_t> hits;
        std::set<std::string> keys;
        for (size_t r = 0; r < rs.rules.size(); ++r)
            if (std::binary_search(m.by_rule[r].begin(), m.by_rule[r].end(), t)) hits.push_back(r), keys.insert(rs.rules[r].key);
        if (keys.size() > 1) conflicts[hits].push_back(t);
    }
    for (const auto& [hits, ts] : conflicts) {
        auto shown = [&](const Rule& r) { return r.forced ? r.origin : r.pattern; };
        std::string pats;
        for (size_t r : hits) pats += fmt::format("{}'{}' -> {}", pats.empty() ? "" : ", ", shown(rs.rules[r]), rs.rules[r].assigns);
        const Rule& w = rs.rules[size_t(m.winner[ts.front()])];
        std::string why;
        if (w.forced)
            why = fmt::format("; {} beats every pattern", w.origin);
        else if (rs.tool == Tool::Llama)
            why = fmt::format("; current llama.cpp takes the first match ('{}'), its first --tensor-type releases took "
                              "the last ('{}')",
                              rs.rules[hits.front()].pattern, rs.rules[hits.back()].pattern);
        add(Severity::Warning, "conflict", w.pattern, names_of(ts),
            fmt::format("{}: {} tensor{} ({}) matched by {}; '{}' applies{}", tool, ts.size(), ts.size() > 1 ? "s" : "",
                        list_names(names_of(ts)), pats, shown(w), why));
    }

    // Tied groups split across specs. vLLM fuses q/k/v and gate/up into one kernel
    // (an error for GPTQModel / compressed-tensors checkpoints); llama.cpp does not.
    std::vector<std::string> ties = options.ties;
    if (options.default_ties)
        for (auto& s : plan::common_tie_patterns()) ties.push_back(s);
    for (const auto& tp : ties) {
        std::regex re;
        try {
            re = std::regex(tp, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            add(Severity::Error, "bad-regex", tp, {}, fmt::format("tie pattern '{}' is not a valid regular expression", tp));
            continue;
        }
        std::map<std::string, std::vector<size_t>> groups;
        for (size_t t = 0; t < T.size(); ++t) {
            if (!m.subject[t]) continue;
            std::smatch sm;
            try {
                if (!std::regex_search(T[t].name, sm, re)) continue;
            } catch (const std::regex_error&) {
                continue;  // too complex for std::regex: the tensor is left out of this tie
            }
            std::string k;
            for (size_t g = 1; g < sm.size(); ++g) k += sm[g].str() + '\x1f';
            groups[k].push_back(t);
        }
        // One finding per tie pattern: the first split group as the example, all members listed.
        size_t split = 0;
        std::string example;
        std::vector<std::string> all;
        for (const auto& [k, members] : groups) {
            std::set<std::string> keys;
            for (size_t t : members) keys.insert(key_of(t));
            if (keys.size() < 2) continue;
            if (split++ == 0)
                for (size_t t : members)
                    example += fmt::format("{}{} -> {}", example.empty() ? "" : ", ", T[t].name, rep.effective(t));
            for (size_t t : members) all.push_back(T[t].name);
        }
        if (split == 0) continue;
        const bool fused = rs.tool != Tool::Llama;
        add(fused ? Severity::Error : Severity::Warning, "tied-split", "", all,
            fmt::format("{}: {} tied group{} get{} different specs, e.g. ({}){}", tool, split, split > 1 ? "s" : "",
                        split > 1 ? "" : "s", example,
                        fused ? "; vLLM fuses them into one kernel and needs one spec"
                              : "; llama.cpp accepts it, but the plan meant them to share one"));
    }

    // Row length vs the block of the type / group size.
    std::map<size_t, std::vector<size_t>> bad_rows;  // rule -> tensors
    for (size_t t = 0; t < T.size(); ++t) {
        const int w = m.winner[t];
        if (w < 0 || T[t].shape.empty()) continue;
        const Rule& rule = rs.rules[size_t(w)];
        if (rule.skip || rule.block <= 1) continue;
        if (T[t].shape.back() % rule.block != 0) bad_rows[size_t(w)].push_back(t);
    }
    for (const auto& [r, ts] : bad_rows) {
        const Rule& rule = rs.rules[r];
        const int64_t row = T[ts.front()].shape.back();
        if (rs.tool == Tool::Llama)
            add(Severity::Error, "row-block", rule.pattern, names_of(ts),
                fmt::format("llama: {} ({} per row) is not a multiple of {}'s block of {}: llama-quantize silently "
                            "falls back to another type",
                            list_names(names_of(ts)), row, rule.assigns, rule.block));
        else
            add(Severity::Warning, "row-block", rule.pattern, names_of(ts),
                fmt::format("{}: {} has {} input features, not a multiple of group size {}", tool, list_names(names_of(ts)),
                            row, rule.block));
    }

    std::stable_sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    for (const auto& x : f) {
        if (x.severity == Severity::Error) ++rep.errors;
        else if (x.severity == Severity::Warning) ++rep.warnings;
        else ++rep.infos;
    }
    rep.findings = std::move(f);
    return rep;
}

}  // namespace qs::lint
