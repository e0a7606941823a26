// Override-file readers and plan -> rules (see read_rules.hpp).
#include "core/lint/read_rules.hpp"

#include "core/export/compressed_tensors.hpp"
#include "core/export/gptqmodel.hpp"
#include "core/export/llama.hpp"
#include "core/export/plan_json.hpp"
#include "core/lint/lint.hpp"
#include "core/lint/py_literal.hpp"
#include "core/util/read_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>

namespace qs::lint {
namespace {

constexpr size_t kMaxRules = 200000;
constexpr size_t kMaxPattern = 2000;  // std::regex recurses; keep patterns far from stack limits
constexpr uint64_t kMaxFile = uint64_t(64) << 20;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string clip(std::string_view s) {
    return s.size() > 60 ? std::string(s.substr(0, 57)) + "..." : std::string(s);
}

Status check_pattern(const std::string& source, const std::string& where, std::string_view p) {
    if (p.size() > kMaxPattern)
        return make_error("{}: {}: pattern is {} characters long (limit {})", source, where, p.size(), kMaxPattern);
    return {};
}

// One PATTERN=TYPE token (llama-quantize splits at the first '=').
Status add_llama_token(RuleSet& rs, std::string_view tok, const std::string& where) {
    const size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == tok.size())
        return make_error("{}: {} '{}': expected PATTERN=TYPE", rs.source, where, clip(tok));
    if (rs.rules.size() >= kMaxRules) return make_error("{}: more than {} rules", rs.source, kMaxRules);
    Rule r;
    r.pattern = std::string(tok.substr(0, eq));
    QS_TRY(check_pattern(rs.source, where, r.pattern));
    r.assigns = std::string(tok.substr(eq + 1));
    r.key = lower(r.assigns);
    r.block = ggml_type_block(r.assigns);
    r.origin = where;
    if (r.block == 0) {
        const std::string l = lower(r.assigns);
        const bool ftype = l.size() > 2 && (l.ends_with("_m") || l.ends_with("_s") || l.ends_with("_l") || l.ends_with("_moe"));
        rs.findings.push_back({Severity::Error, "unknown-type", r.pattern, {},
                               fmt::format("llama: {}: '{}' is not a ggml type{}; llama-quantize stops with an error",
                                           where, r.assigns,
                                           ftype ? " (it is a file type; --tensor-type takes a tensor type such as q4_K)"
                                                 : "")});
    }
    rs.rules.push_back(std::move(r));
    return {};
}

std::vector<std::string_view> split_ws(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        size_t b = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > b) out.push_back(text.substr(b, i - b));
    }
    return out;
}

// POSIX-shell words: quotes, backslashes, line continuations, comments; ; & | end a command.
Result<std::vector<std::string>> shell_words(std::string_view s, const std::string& source) {
    std::vector<std::string> words;
    std::string cur;
    bool have = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 < s.size() && s[i + 1] == '\n') {
                ++i;
                continue;
            }
            if (i + 1 < s.size()) cur += s[++i], have = true;
            continue;
        }
        if (c == '\'') {
            const size_t e = s.find('\'', i + 1);
            if (e == std::string_view::npos) return make_error("{}: unterminated single quote", source);
            cur += s.substr(i + 1, e - i - 1), have = true, i = e;
            continue;
        }
        if (c == '"') {
            size_t j = i + 1;
            for (; j < s.size() && s[j] != '"'; ++j) {
                if (s[j] == '\\' && j + 1 < s.size() && std::string_view("\"\\$`").find(s[j + 1]) != std::string_view::npos)
                    ++j;
                else if (s[j] == '\\' && j + 1 < s.size() && s[j + 1] == '\n') {
                    ++j;
                    continue;
                }
                cur += s[j];
            }
            if (j >= s.size()) return make_error("{}: unterminated double quote", source);
            have = true, i = j;
            continue;
        }
        if (c == '#' && !have) {
            while (i < s.size() && s[i] != '\n') ++i;
            --i;
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c)) || c == ';' || c == '&' || c == '|') {
            if (have) words.push_back(std::move(cur)), cur.clear(), have = false;
            if (c == '\n' || c == ';' || c == '&' || c == '|') words.emplace_back(";");
            continue;
        }
        cur += c, have = true;
    }
    if (have) words.push_back(std::move(cur));
    return words;
}

bool is_ftype_name(std::string_view t) {
    static const char* const kF[] = {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q2_k_s", "q3_k_s", "q3_k_m",
                                     "q3_k_l", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k", "iq2_xxs", "iq2_xs",
                                     "iq2_s", "iq2_m", "iq3_xs", "iq3_xxs", "iq3_s", "iq3_m", "iq1_s", "iq1_m", "iq4_nl",
                                     "iq4_xs", "tq1_0", "tq2_0", "mxfp4_moe", "f16", "bf16", "f32", "copy", "q3_k",
                                     "q4_k", "q5_k"};
    const std::string l = lower(t);
    for (const char* f : kF)
        if (l == f) return true;
    return false;
}

std::string gptq_desc(const nlohmann::ordered_json& cfg) {
    std::string out;
    for (auto it = cfg.begin(); it != cfg.end(); ++it) out += fmt::format("{}{}={}", out.empty() ? "" : " ", it.key(), it.value().dump());
    return out;
}

Result<nlohmann::ordered_json> parse_json(std::string_view text, const std::string& source) {
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return make_error("{}: not valid JSON ({})", source, e.what());
    }
}

// The object holding the quantization settings: config.json's quantization_config, or the file itself.
const nlohmann::ordered_json& quant_section(const nlohmann::ordered_json& j) {
    if (j.contains("quantization_config") && j["quantization_config"].is_object()) return j["quantization_config"];
    return j;
}

}  // namespace

Result<RuleSet> read_llama_tensor_types(std::string_view text, const std::string& source) {
    RuleSet rs;
    rs.tool = Tool::Llama;
    rs.source = source;
    rs.default_assigns = "base type mix";
    rs.default_key = "(ftype default)";
    size_t n = 0;
    for (auto tok : split_ws(text)) QS_TRY(add_llama_token(rs, tok, fmt::format("token {}", ++n)));
    return rs;
}

Result<RuleSet> read_llama_command(std::string_view text, const std::string& source, const std::filesystem::path& base_dir) {
    auto words = shell_words(text, source);
    if (!words) return words.error();
    RuleSet rs;
    rs.tool = Tool::Llama;
    rs.source = source;
    rs.default_assigns = "base type mix";
    rs.default_key = "(ftype default)";
    // Start after the llama-quantize word when there is one; up to the end of that command.
    size_t begin = 0, end = words->size();
    for (size_t i = 0; i < words->size(); ++i) {
        const std::string& w = (*words)[i];
        if (w == "llama-quantize" || w.ends_with("/llama-quantize") || w.ends_with("/quantize") || w == "quantize") {
            begin = i + 1;
            for (end = begin; end < words->size() && (*words)[end] != ";"; ++end) {
            }
            break;
        }
    }
    static const char* const kValued[] = {"--imatrix", "--include-weights", "--exclude-weights", "--override-kv",
                                          "--prune-layers"};
    std::vector<std::string> positional;
    std::string output_type, embd_type;
    size_t n_tt = 0;
    for (size_t i = begin; i < end; ++i) {
        const std::string& w = (*words)[i];
        if (w == ";") continue;
        auto value = [&](std::string_view flag) -> Result<std::string> {
            if (w.size() > flag.size() && w[flag.size()] == '=') return w.substr(flag.size() + 1);
            if (i + 1 >= end || (*words)[i + 1] == ";") return make_error("{}: {} needs a value", source, flag);
            return (*words)[++i];
        };
        auto is = [&](std::string_view flag) { return w == flag || (w.size() > flag.size() && w.starts_with(flag) && w[flag.size()] == '='); };
        if (is("--tensor-type")) {
            auto v = value("--tensor-type");
            if (!v) return v.error();
            QS_TRY(add_llama_token(rs, *v, fmt::format("--tensor-type {}", ++n_tt)));
        } else if (is("--tensor-type-file")) {
            auto v = value("--tensor-type-file");
            if (!v) return v.error();
            std::filesystem::path p(*v);
            if (p.is_relative()) p = base_dir / p;
            auto t = read_text_file(p, kMaxFile);
            if (!t) return make_error("{}: --tensor-type-file: {}", source, t.message());
            auto sub = read_llama_tensor_types(*t, p.string());
            if (!sub) return sub.error();
            for (auto& r : sub->rules) {
                r.origin = p.filename().string() + " " + r.origin;
                rs.rules.push_back(std::move(r));
            }
            for (auto& f : sub->findings) rs.findings.push_back(std::move(f));
        } else if (is("--output-tensor-type")) {
            auto v = value("--output-tensor-type");
            if (!v) return v.error();
            output_type = *v;
        } else if (is("--token-embedding-type")) {
            auto v = value("--token-embedding-type");
            if (!v) return v.error();
            embd_type = *v;
        } else if (w.starts_with("--")) {
            for (const char* f : kValued)
                if (w == f) ++i;
        } else if (w != "$@" && w != "\"$@\"") {
            positional.push_back(w);
        }
    }
    // The flags beat every pattern; shown as exact rules on their tensors.
    for (auto [type, name, flag] : {std::tuple{output_type, "output.weight", "--output-tensor-type"},
                                    std::tuple{embd_type, "token_embd.weight", "--token-embedding-type"}}) {
        if (type.empty()) continue;
        Rule r;
        r.pattern = name;
        r.assigns = type;
        r.key = lower(type);
        r.block = ggml_type_block(type);
        r.forced = true;
        r.origin = flag;
        if (r.block == 0)
            rs.findings.push_back({Severity::Error, "unknown-type", name, {},
                                   fmt::format("llama: {} '{}' is not a ggml type", flag, type)});
        rs.rules.push_back(std::move(r));
    }
    // Positional: input [output] type [threads].
    std::string ftype;
    for (size_t k = 1; k < positional.size() && k <= 2; ++k)
        if (is_ftype_name(positional[k])) {
            ftype = positional[k];
            break;
        }
    if (!ftype.empty()) {
        rs.default_assigns = "mix of " + ftype;
        const std::string l = lower(ftype);
        if (l == "f16" || l == "bf16" || l == "f32" || l == "copy")
            rs.findings.push_back({Severity::Error, "unquantized-base", "", {},
                                   fmt::format("llama: base type {} is not quantized: llama-quantize applies "
                                               "--tensor-type overrides only when the base type is a quantized one",
                                               ftype)});
    }
    return rs;
}

Result<RuleSet> read_gptq_config(std::string_view text, const std::string& source) {
    auto j = parse_json(text, source);
    if (!j) return j.error();
    if (!j->is_object()) return make_error("{}: expected a JSON object", source);
    const auto& q = quant_section(*j);
    RuleSet rs;
    rs.tool = Tool::GptqModel;
    rs.source = source;
    nlohmann::ordered_json base = nlohmann::ordered_json::object();
    for (const char* k : {"bits", "group_size", "sym", "desc_act"})
        if (q.contains(k)) base[k] = q[k];
    auto check_cfg = [&](const nlohmann::ordered_json& c, const std::string& where) -> Status {
        if (c.contains("bits") && !(c["bits"].is_number_integer() && c["bits"].get<int64_t>() >= 1 && c["bits"].get<int64_t>() <= 16))
            return make_error("{}: {}: \"bits\" must be an integer 1..16, got {}", source, where, clip(c["bits"].dump()));
        if (c.contains("group_size") &&
            !(c["group_size"].is_number_integer() && (c["group_size"].get<int64_t>() == -1 || c["group_size"].get<int64_t>() > 0)))
            return make_error("{}: {}: \"group_size\" must be -1 or a positive integer, got {}", source, where,
                              clip(c["group_size"].dump()));
        for (const char* b : {"sym", "desc_act"})
            if (c.contains(b) && !c[b].is_boolean())
                return make_error("{}: {}: \"{}\" must be true or false", source, where, b);
        return {};
    };
    QS_TRY(check_cfg(base, "quantization settings"));
    if (!q.contains("bits")) return make_error("{}: no \"bits\" (not a GPTQ quantize_config?)", source);
    rs.default_assigns = gptq_desc(base);
    rs.default_key = rs.default_assigns;
    if (q.contains("dynamic") && !q["dynamic"].is_null()) {
        const auto& d = q["dynamic"];
        if (!d.is_object()) return make_error("{}: \"dynamic\" must be an object of pattern: overrides", source);
        size_t n = 0;
        for (auto it = d.begin(); it != d.end(); ++it) {
            const std::string where = fmt::format("dynamic key {} '{}'", ++n, clip(it.key()));
            if (rs.rules.size() >= kMaxRules) return make_error("{}: more than {} rules", source, kMaxRules);
            if (!it.value().is_object()) return make_error("{}: {}: value must be an object", source, where);
            Rule r;
            std::string key = it.key();
            r.origin = where;
            if (key.starts_with("-:")) {
                r.skip = true;
                r.pattern = key.substr(2);
                r.assigns = "skip (unquantized)";
                r.key = "unquantized";
            } else {
                r.pattern = key.starts_with("+:") ? key.substr(2) : key;
                QS_TRY(check_cfg(it.value(), where));
                nlohmann::ordered_json merged = base;
                for (auto kv = it.value().begin(); kv != it.value().end(); ++kv) merged[kv.key()] = kv.value();
                r.assigns = gptq_desc(merged);
                r.key = r.assigns;
                if (merged.contains("group_size") && merged["group_size"].is_number_integer())
                    r.block = std::max<int64_t>(0, merged["group_size"].get<int64_t>());
            }
            QS_TRY(check_pattern(source, where, r.pattern));
            rs.rules.push_back(std::move(r));
        }
    }
    return rs;
}

Result<RuleSet> read_gptq_python(std::string_view text, const std::string& source) {
    nlohmann::ordered_json q = nlohmann::ordered_json::object();
    if (auto kw = python_call_kwargs(text, "QuantizeConfig"); kw && kw->is_object()) {
        q = std::move(*kw);
    } else if (auto qc = python_assignment(text, "quantize_config"); qc && qc->is_object()) {
        q = std::move(*qc);
    } else if (!qc && !qc.message().starts_with("no '")) {
        return make_error("{}: quantize_config: {}", source, qc.message());
    }
    if (!q.contains("dynamic") || q["dynamic"].is_null()) {
        auto d = python_assignment(text, "dynamic");
        if (!d) return make_error("{}: dynamic: {}", source, d.message());
        q["dynamic"] = std::move(*d);
    }
    if (!q.contains("bits")) return make_error("{}: no base \"bits\" (quantize_config = {{...}} or QuantizeConfig(bits=...))", source);
    return read_gptq_config(q.dump(), source);
}

Result<RuleSet> read_compressed_tensors_config(std::string_view text, const std::string& source) {
    auto j = parse_json(text, source);
    if (!j) return j.error();
    if (!j->is_object()) return make_error("{}: expected a JSON object", source);
    const auto& q = quant_section(*j);
    if (!q.contains("config_groups") || !q["config_groups"].is_object())
        return make_error("{}: no \"config_groups\" object (not a compressed-tensors quantization_config?)", source);
    RuleSet rs;
    rs.tool = Tool::CompressedTensors;
    rs.source = source;
    rs.default_assigns = "unquantized (no group)";
    rs.default_key = "unquantized";
    for (auto g = q["config_groups"].begin(); g != q["config_groups"].end(); ++g) {
        const std::string gw = "config_groups." + clip(g.key());
        if (!g.value().is_object()) return make_error("{}: {}: must be an object", source, gw);
        const auto& grp = g.value();
        if (!grp.contains("targets") || !grp["targets"].is_array())
            return make_error("{}: {}: \"targets\" must be a list of strings", source, gw);
        const nlohmann::json w = grp.contains("weights") ? nlohmann::json(grp["weights"]) : nlohmann::json();
        if (!w.is_null() && !w.is_object()) return make_error("{}: {}: \"weights\" must be an object or null", source, gw);
        std::string assigns = "weights unquantized";
        int64_t block = 0;
        if (w.is_object()) {
            auto get = [&](const char* k) { return w.contains(k) ? w[k].dump() : std::string("?"); };
            if (w.contains("num_bits") && !(w["num_bits"].is_number_integer() && w["num_bits"].get<int64_t>() >= 1 &&
                                            w["num_bits"].get<int64_t>() <= 32))
                return make_error("{}: {}.weights: \"num_bits\" must be an integer 1..32", source, gw);
            std::string type = w.contains("type") && w["type"].is_string() ? w["type"].get<std::string>() : "int";
            std::string strategy = w.contains("strategy") && w["strategy"].is_string() ? w["strategy"].get<std::string>() : "tensor";
            assigns = fmt::format("{}{} {}", type, get("num_bits"), strategy);
            if (w.contains("group_size") && w["group_size"].is_number_integer()) {
                const int64_t gs = w["group_size"].get<int64_t>();
                if (gs <= 0) return make_error("{}: {}.weights: \"group_size\" must be positive", source, gw);
                assigns += fmt::format(" {}", gs);
                if (strategy == "group" || strategy == "tensor_group") block = gs;
            }
            if (w.contains("symmetric") && w["symmetric"].is_boolean())
                assigns += w["symmetric"].get<bool>() ? " sym" : " asym";
        }
        const std::string key = w.dump() + "|" +
                                (grp.contains("input_activations") ? nlohmann::json(grp["input_activations"]).dump() : "null");
        size_t n = 0;
        for (const auto& t : grp["targets"]) {
            const std::string where = fmt::format("{}.targets[{}]", gw, n++);
            if (!t.is_string()) return make_error("{}: {}: must be a string", source, where);
            if (rs.rules.size() >= kMaxRules) return make_error("{}: more than {} rules", source, kMaxRules);
            Rule r;
            r.pattern = t.get<std::string>();
            QS_TRY(check_pattern(source, where, r.pattern));
            r.assigns = g.key() + ": " + assigns;
            r.key = key;
            r.block = block;
            r.origin = where;
            rs.rules.push_back(std::move(r));
        }
    }
    if (q.contains("ignore") && !q["ignore"].is_null()) {
        if (!q["ignore"].is_array()) return make_error("{}: \"ignore\" must be a list of strings", source);
        size_t n = 0;
        for (const auto& t : q["ignore"]) {
            const std::string where = fmt::format("ignore[{}]", n++);
            if (!t.is_string()) return make_error("{}: {}: must be a string", source, where);
            Rule r;
            r.pattern = t.get<std::string>();
            QS_TRY(check_pattern(source, where, r.pattern));
            r.assigns = "ignore (unquantized)";
            r.key = "unquantized";
            r.skip = true;
            r.origin = where;
            rs.rules.push_back(std::move(r));
        }
    }
    return rs;
}

Result<RuleSet> rules_from_plan(const exporter::PlanDocument& plan, Tool tool, const exporter::ExportOptions& options) {
    const std::string src = fmt::format("{} export of the plan", tool_name(tool));
    switch (tool) {
        case Tool::Llama: {
            auto lp = exporter::llama_plan(plan, options, nullptr);
            if (!lp) return lp.error();
            return read_llama_command(exporter::llama_quantize_script(*lp, options), src, ".");
        }
        case Tool::GptqModel: {
            auto gp = exporter::gptq_plan(plan, options, nullptr);
            if (!gp) return gp.error();
            return read_gptq_config(exporter::gptq_config_json(*gp).dump(), src);
        }
        case Tool::CompressedTensors: {
            auto j = exporter::compressed_tensors_config(plan, options, nullptr);
            if (!j) return j.error();
            return read_compressed_tensors_config(j->dump(), src);
        }
    }
    return make_error("unknown tool");
}

Result<RuleSet> read_rules_file(const std::filesystem::path& path, Tool tool, const exporter::ExportOptions& options) {
    auto text = read_text_file(path, kMaxFile);
    if (!text) return text.error();
    const std::string src = path.string();
    size_t first = text->find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (*text)[first] == '{' && text->find("\"quantscope_plan\"") != std::string::npos) {
        auto plan = exporter::read_plan_json(path);
        if (!plan) return plan.error();
        auto rs = rules_from_plan(*plan, tool, options);
        if (rs) rs->source = src + " (as " + std::string(tool_name(tool)) + " export)";
        return rs;
    }
    switch (tool) {
        case Tool::Llama:
            if (text->find("llama-quantize") != std::string::npos || text->find("--tensor-type") != std::string::npos ||
                text->starts_with("#!"))
                return read_llama_command(*text, src, path.parent_path());
            return read_llama_tensor_types(*text, src);
        case Tool::GptqModel:
            if (path.extension() == ".py") return read_gptq_python(*text, src);
            return read_gptq_config(*text, src);
        case Tool::CompressedTensors: return read_compressed_tensors_config(*text, src);
    }
    return make_error("unknown tool");
}

}  // namespace qs::lint
