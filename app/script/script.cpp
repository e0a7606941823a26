// Parsing the --script language; see script.hpp.
#include "app/script/script.hpp"

#include <array>
#include <cstdlib>

namespace qs::app {

namespace {

struct VerbSpec {
    std::string_view verb;
    int min_args;
    int max_args;  // -1: any
};

constexpr auto kVerbs = std::to_array<VerbSpec>({  // sized by its contents: adding a verb is one line
    {"open", 1, 1},      {"select", 1, 1},    {"close", 0, 0},       {"spec", 2, 2},       {"preset", 1, -1},
    {"clip", 1, 2},      {"drag_clip", 2, 2}, {"undo", 0, 0},        {"redo", 0, 0},       {"pin", 0, 0},
    {"unpin", 0, 0},     {"swap", 0, 0},      {"heatmap", 1, 1},     {"bins", 1, 1},       {"theme", 1, 1},
    {"scale", 1, 1},     {"show", 2, 2},      {"sweep", 0, 1},       {"cancel_sweep", 0, 0}, {"key", 1, 1},
    {"mouse", 2, 2},     {"click", 2, 2},     {"wait", 0, 1},        {"frames", 1, 1},     {"screenshot", 1, 1},
    {"export", 2, 3},    {"echo", 0, -1},     {"assert", 2, -1},     {"bench_bits", 3, 3}, {"quit", 0, 0},
    {"message_clear", 0, 0}, {"sens", 1, -1}, {"anomaly", 1, -1}, {"scmp", 1, -1},
    {"session", 1, 4},   {"file", 2, 3},  // app/ui/script_session.cpp
    {"imatrix", 1, 1},
});

Result<std::string> expand(std::string_view s, const ScriptVars& vars, int line, std::string_view src) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
            const size_t end = s.find('}', i + 2);
            if (end == std::string_view::npos) return make_error("{}:{}: unterminated ${{", src, line);
            const std::string name(s.substr(i + 2, end - i - 2));
            if (auto it = vars.find(name); it != vars.end()) out += it->second;
            else if (const char* e = std::getenv(name.c_str())) out += e;
            else return make_error("{}:{}: ${{{}}} is not set (pass --var {}=VALUE)", src, line, name, name);
            i = end;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::string ScriptAction::rest(size_t from) const {
    std::string o;
    for (size_t i = from; i < args.size(); ++i) o += (i > from ? " " : "") + args[i];
    return o;
}

Result<bool> compare_numbers(double l, std::string_view op, double r) {
    if (op == "==") return l == r;
    if (op == "!=") return l != r;
    if (op == "<") return l < r;
    if (op == "<=") return l <= r;
    if (op == ">") return l > r;
    if (op == ">=") return l >= r;
    return make_error("unknown comparison '{}' (use == != < <= > >=)", op);
}

Result<std::vector<ScriptAction>> parse_script(std::string_view text, const ScriptVars& vars, std::string_view src) {
    std::vector<ScriptAction> out;
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        std::vector<std::string> tokens;
        std::string cur;
        bool in_quotes = false, has = false;
        for (size_t i = 0; i <= line.size(); ++i) {
            const char c = i < line.size() ? line[i] : '\0';
            if (c == '\0' || (!in_quotes && (c == ' ' || c == '\t' || c == '\r' || c == '#'))) {
                if (has) {
                    auto e = expand(cur, vars, line_no, src);
                    if (!e) return e.error();
                    tokens.push_back(std::move(*e));
                }
                cur.clear();
                has = false;
                if (c == '#') break;
            } else if (c == '"') {
                in_quotes = !in_quotes;
                has = true;
            } else {
                cur += c;
                has = true;
            }
        }
        if (in_quotes) return make_error("{}:{}: unterminated quote", src, line_no);
        if (tokens.empty()) continue;
        ScriptAction a;
        a.line = line_no;
        a.verb = tokens[0];
        a.args.assign(tokens.begin() + 1, tokens.end());
        const VerbSpec* spec = nullptr;
        for (const auto& v : kVerbs)
            if (v.verb == a.verb) spec = &v;
        if (!spec) return make_error("{}:{}: unknown action '{}'", src, line_no, a.verb);
        const int n = int(a.args.size());
        if (n < spec->min_args || (spec->max_args >= 0 && n > spec->max_args))
            return make_error("{}:{}: '{}' takes {} argument(s), got {}", src, line_no, a.verb,
                              spec->max_args < 0 ? std::to_string(spec->min_args) + "+"
                              : spec->min_args == spec->max_args
                                  ? std::to_string(spec->min_args)
                                  : std::to_string(spec->min_args) + "-" + std::to_string(spec->max_args),
                              n);
        out.push_back(std::move(a));
        if (eol == text.size()) break;
    }
    return out;
}

}  // namespace qs::app
