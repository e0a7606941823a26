// Python -> ECMAScript pattern check and rewrite (see py_regex.hpp). Hand-written: no
// packaged library translates Python regex syntax, and the check only needs a scan.
#include "core/lint/py_regex.hpp"

#include <algorithm>
#include <cctype>

namespace qs::lint {

Result<std::string> python_to_ecmascript(std::string_view p) {
    std::string out;
    bool in_class = false;
    for (size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\') {
            if (i + 1 >= p.size()) return make_error("pattern ends with a lone backslash");
            const char n = p[i + 1];
            if (!in_class && n == 'A') out += '^';
            else if (!in_class && n == 'Z') out += '$';
            else out += p.substr(i, 2);
            ++i;
            continue;
        }
        if (in_class) {
            if (c == ']') in_class = false;
            out += c;
            continue;
        }
        if (c == '[') {
            in_class = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal in Python, but ends an empty class in ECMAScript.
            size_t j = i + 1;
            if (j < p.size() && p[j] == '^') out += '^', ++j;
            if (j < p.size() && p[j] == ']') out += "\\]", ++j;
            i = j - 1;
            continue;
        }
        if (c == '{' && i + 1 < p.size() && p[i + 1] == ',')
            return make_error("'{{,n}}' quantifiers are Python-only; write '{{0,n}}'");
        if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
            const std::string_view rest = p.substr(i + 2);
            auto has = [&](std::string_view s) { return rest.substr(0, s.size()) == s; };
            if (has("P<") || has("P="))
                return make_error("Python named groups '(?P<name>...)' / '(?P=name)' are not supported; use a plain group");
            if (has("<=") || has("<!"))
                return make_error("lookbehind '(?<=...)' / '(?<!...)' is not supported by std::regex");
            if (has("<")) return make_error("named groups '(?<name>...)' are not supported");
            if (has("#")) return make_error("comments '(?#...)' are not supported");
            if (has(">")) return make_error("atomic groups '(?>...)' are not supported");
            if (!rest.empty() && std::string_view("aiLmsux-").find(rest[0]) != std::string_view::npos)
                return make_error("inline flags '(?{}...)' are not supported", rest[0]);
            if (!(has(":") || has("=") || has("!")))
                return make_error("unknown group extension '(?{}'", rest.substr(0, 1));
        }
        out += c;
    }
    return out;
}

Result<std::regex> compile_regex(const std::string& ecmascript) {
    // libstdc++ compiles a{n,m} by copying the atom m times, so nested counted repeats
    // multiply; refuse before building an automaton of millions of states.
    double product = 1;
    for (size_t i = 0; i < ecmascript.size(); ++i) {
        if (ecmascript[i] == '\\') {
            ++i;
            continue;
        }
        if (ecmascript[i] != '{') continue;
        size_t j = i + 1;
        double bound = 0;
        while (j < ecmascript.size() && (std::isdigit(static_cast<unsigned char>(ecmascript[j])) || ecmascript[j] == ',')) {
            if (ecmascript[j] == ',') bound = 0;
            else bound = bound * 10 + (ecmascript[j] - '0');
            ++j;
        }
        product *= std::max(1.0, bound);
        if (product > 10000) return make_error("counted repeats {{n,m}} multiply to more than 10000 copies");
    }
    try {
        return std::regex(ecmascript, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return make_error("not a valid regular expression ({})", e.what());
    }
}

bool exact_literal(std::string_view p, std::string* literal) {
    if (p.size() < 2 || p.front() != '^' || p.back() != '$') return false;
    if (p.size() >= 3 && p[p.size() - 2] == '\\') {
        // "\$" at the end: count the backslashes before '$'.
        size_t n = 0;
        for (size_t i = p.size() - 2; i > 0 && p[i] == '\\'; --i) ++n;
        if (n % 2 == 1) return false;
    }
    constexpr std::string_view kMeta = "\\^$.|?*+()[]{}";
    std::string lit;
    for (size_t i = 1; i + 1 < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\') {
            if (i + 2 >= p.size() || kMeta.find(p[i + 1]) == std::string_view::npos) return false;
            lit += p[++i];
        } else if (kMeta.find(c) != std::string_view::npos) {
            return false;
        } else {
            lit += c;
        }
    }
    *literal = std::move(lit);
    return true;
}

}  // namespace qs::lint
