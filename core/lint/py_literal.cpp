// Python literal subset parser (see py_literal.hpp).
#include "core/lint/py_literal.hpp"

#include <cctype>

namespace qs::lint {
namespace {

struct P {
    std::string_view s;
    size_t& i;
    int depth = 0;

    void skip() {
        while (i < s.size()) {
            if (std::isspace(static_cast<unsigned char>(s[i]))) ++i;
            else if (s[i] == '#') {
                while (i < s.size() && s[i] != '\n') ++i;
            } else break;
        }
    }
    Error err(std::string_view what) { return make_error("{} at offset {}", what, i); }

    Result<std::string> str() {
        bool raw = false;
        if (s[i] == 'r' || s[i] == 'R') raw = true, ++i;
        const char q = s[i++];
        std::string out;
        while (i < s.size() && s[i] != q) {
            char c = s[i++];
            if (c == '\n') return err("line break in a string");
            if (c == '\\' && i < s.size()) {
                const char n = s[i++];
                if (raw) {
                    out += '\\', out += n;
                    continue;
                }
                switch (n) {
                    case 'n': out += '\n'; break;
                    case 't': out += '\t'; break;
                    case '\\': out += '\\'; break;
                    case '\'': out += '\''; break;
                    case '"': out += '"'; break;
                    default: out += '\\', out += n;  // Python keeps unknown escapes ("\." stays "\.")
                }
                continue;
            }
            out += c;
        }
        if (i >= s.size()) return err("unterminated string");
        ++i;
        return out;
    }

    Result<nlohmann::ordered_json> value() {
        skip();
        if (i >= s.size()) return err("unexpected end");
        const char c = s[i];
        if (c == '{') {
            if (++depth > 16) return err("nesting deeper than 16");
            ++i;
            nlohmann::ordered_json d = nlohmann::ordered_json::object();
            for (;;) {
                skip();
                if (i < s.size() && s[i] == '}') {
                    ++i;
                    break;
                }
                auto k = value();
                if (!k) return k.error();
                if (!k->is_string()) return err("dict key is not a string");
                skip();
                if (i >= s.size() || s[i] != ':') return err("expected ':'");
                ++i;
                auto v = value();
                if (!v) return v.error();
                d[k->get<std::string>()] = std::move(*v);
                skip();
                if (i < s.size() && s[i] == ',') ++i;
                else if (i < s.size() && s[i] == '}') continue;
                else return err("expected ',' or '}'");
            }
            --depth;
            return d;
        }
        if (c == '"' || c == '\'' || ((c == 'r' || c == 'R') && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\''))) {
            auto st = str();
            if (!st) return st.error();
            return nlohmann::ordered_json(*st);
        }
        if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
            size_t b = i++;
            while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e' || s[i] == '_'))
                ++i;
            std::string num(s.substr(b, i - b));
            std::erase(num, '_');
            try {
                if (num.find_first_of(".e") != std::string::npos) return nlohmann::ordered_json(std::stod(num));
                return nlohmann::ordered_json(std::stoll(num));
            } catch (...) {
                return err("bad number");
            }
        }
        for (auto [word, v] : {std::pair{"True", nlohmann::ordered_json(true)}, std::pair{"False", nlohmann::ordered_json(false)},
                               std::pair{"None", nlohmann::ordered_json(nullptr)}}) {
            const std::string_view w(word);
            if (s.substr(i, w.size()) == w) {
                i += w.size();
                return v;
            }
        }
        // A bare name (a variable such as `dynamic`): kept as null, callers resolve what they need.
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.')) ++i;
            return nlohmann::ordered_json(nullptr);
        }
        return err("unsupported Python syntax");
    }
};

}  // namespace

Result<nlohmann::ordered_json> parse_python_literal(std::string_view text, size_t& pos) {
    P p{text, pos};
    return p.value();
}

Result<nlohmann::ordered_json> python_assignment(std::string_view text, std::string_view name) {
    size_t at = 0;
    while ((at = text.find(name, at)) != std::string_view::npos) {
        const bool line_start = at == 0 || text[at - 1] == '\n';
        size_t j = at + name.size();
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
        if (line_start && j < text.size() && text[j] == '=' && (j + 1 >= text.size() || text[j + 1] != '=')) {
            ++j;
            return parse_python_literal(text, j);
        }
        at += name.size();
    }
    return make_error("no '{} = ...' assignment", name);
}

Result<nlohmann::ordered_json> python_call_kwargs(std::string_view text, std::string_view callee) {
    const size_t at = text.find(std::string(callee) + "(");
    if (at == std::string_view::npos) return make_error("no call to {}()", callee);
    size_t i = at + callee.size() + 1;
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (;;) {
        while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ',')) ++i;
        if (i >= text.size()) return make_error("{}(: unterminated call", callee);
        if (text[i] == ')') break;
        size_t b = i;
        while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
        const std::string kw(text.substr(b, i - b));
        while (i < text.size() && text[i] == ' ') ++i;
        if (kw.empty() || i >= text.size() || text[i] != '=') return make_error("{}(: only keyword arguments are read", callee);
        ++i;
        while (i < text.size() && text[i] == ' ') ++i;
        size_t save = i;
        const bool name = std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_';
        auto v = parse_python_literal(text, i);
        if (v && !(name && v->is_null() && text.substr(save, 4) != "None")) {
            out[kw] = std::move(*v);
            continue;
        }
        i = save;
        b = i;
        while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '.')) ++i;
        if (i == b) return make_error("{}(: cannot read the value of {}", callee, kw);
        if (auto a = python_assignment(text, text.substr(b, i - b))) out[kw] = std::move(*a);
    }
    return out;
}

}  // namespace qs::lint
