// The three matchers against each tool's documented behaviour, with the pitfalls:
// llama's unanchored search (blk.1 matching blk.10..19) and lower-casing (\D -> \d),
// first- vs last-match, GPTQModel's start-only re.match, dict order and "-:" skips,
// compressed-tensors' literal bare targets, class targets and ignore. Expected matches
// are hand-computed (and agree with Python's re, see the comments).
#include "core/lint/lint.hpp"
#include "core/lint/py_regex.hpp"
#include "core/lint/read_rules.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fmt/format.h>

namespace qs::lint {
namespace {

std::vector<LintTensor> gguf_model(int layers) {
    std::vector<LintTensor> t{{"token_embd.weight", {32, 256}, ""}};
    for (int i = 0; i < layers; ++i) {
        const std::string b = fmt::format("blk.{}.", i);
        t.push_back({b + "attn_norm.weight", {256}, ""});
        for (const char* p : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up"})
            t.push_back({b + p + ".weight", {256, 256}, ""});
        t.push_back({b + "ffn_down.weight", {256, 512}, ""});
    }
    t.push_back({"output_norm.weight", {256}, ""});
    t.push_back({"output.weight", {32, 256}, ""});
    return t;
}

std::vector<LintTensor> hf_model(int layers) {
    std::vector<LintTensor> t{{"model.embed_tokens.weight", {32, 256}, ""}};
    for (int i = 0; i < layers; ++i) {
        const std::string b = fmt::format("model.layers.{}.", i);
        t.push_back({b + "input_layernorm.weight", {256}, ""});
        for (const char* p : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                              "mlp.gate_proj", "mlp.up_proj"})
            t.push_back({b + p + ".weight", {256, 256}, ""});
        t.push_back({b + "self_attn.q_proj.bias", {256}, ""});
        t.push_back({b + "mlp.down_proj.weight", {256, 512}, ""});
    }
    t.push_back({"model.norm.weight", {256}, ""});
    t.push_back({"lm_head.weight", {32, 256}, ""});
    return t;
}

std::vector<std::string> matched(const LintReport& r, size_t rule) {
    std::vector<std::string> out;
    for (size_t t : r.matches.by_rule[rule]) out.push_back(r.tensors[t].name);
    return out;
}

int winner_of(const LintReport& r, const std::string& name) {
    for (size_t t = 0; t < r.tensors.size(); ++t)
        if (r.tensors[t].name == name) return r.matches.winner[t];
    return -99;
}

bool has(const LintReport& r, const std::string& code, Severity s) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const Finding& f) { return f.code == code && f.severity == s; });
}

LintOptions no_ties() {
    LintOptions o;
    o.default_ties = false;
    return o;
}

RuleSet llama_rules(const std::string& text) {
    auto rs = read_llama_tensor_types(text, "types.txt");
    EXPECT_TRUE(rs.ok()) << rs.message();
    return *rs;
}

// ---- llama.cpp ----

TEST(LintLlama, UnanchoredSearchMatchesBlk1InBlk10To19) {
    // re.search("blk.1.*ffn_down", ...) over blk.0..19: blk.1 and blk.10..blk.19 (11 tensors).
    auto r = lint(llama_rules("blk.1.*ffn_down=q6_K"), gguf_model(20), no_ties());
    const auto m = matched(r, 0);
    ASSERT_EQ(m.size(), 11u);
    EXPECT_EQ(m[0], "blk.1.ffn_down.weight");
    EXPECT_EQ(m[1], "blk.10.ffn_down.weight");
    EXPECT_EQ(m[10], "blk.19.ffn_down.weight");
    EXPECT_TRUE(has(r, "layer-prefix", Severity::Warning));
    EXPECT_EQ(r.errors, 0u);

    // The anchored, escaped form matches exactly one tensor and draws no finding.
    auto ok = lint(llama_rules("^blk\\.1\\.ffn_down\\.weight$=q6_K"), gguf_model(20), no_ties());
    EXPECT_EQ(matched(ok, 0), std::vector<std::string>{"blk.1.ffn_down.weight"});
    EXPECT_TRUE(ok.findings.empty());
}

TEST(LintLlama, LowerCasingTurnsUpperEscapesIntoTheirOpposite) {
    // Meant: "attn_ then a non-digit"; llama-quantize lower-cases it to attn_\d: nothing.
    auto r = lint(llama_rules("blk\\.0\\.attn_\\D=q8_0"), gguf_model(2), no_ties());
    EXPECT_TRUE(r.matches.by_rule[0].empty());
    EXPECT_TRUE(has(r, "lowercased-escape", Severity::Warning));
    EXPECT_TRUE(has(r, "no-match", Severity::Error));
    // Capital letters in literals match lower-case names after lower-casing.
    auto caps = lint(llama_rules("BLK\\.0\\.ATTN_Q=q8_0"), gguf_model(2), no_ties());
    EXPECT_EQ(matched(caps, 0), std::vector<std::string>{"blk.0.attn_q.weight"});
}

TEST(LintLlama, FirstMatchWinsNowLastMatchInEarlyReleases) {
    const std::string text = "ffn_down=q6_K\nblk\\.0\\.ffn_down=q8_0\n";
    auto first = lint(llama_rules(text), gguf_model(2), no_ties());
    EXPECT_EQ(winner_of(first, "blk.0.ffn_down.weight"), 0);
    EXPECT_EQ(winner_of(first, "blk.1.ffn_down.weight"), 0);
    EXPECT_TRUE(has(first, "conflict", Severity::Warning));
    EXPECT_TRUE(has(first, "shadowed", Severity::Warning));  // the specific rule never wins
    LintOptions last = no_ties();
    last.match.llama = LlamaPrecedence::LastMatch;
    auto l = lint(llama_rules(text), gguf_model(2), last);
    EXPECT_EQ(winner_of(l, "blk.0.ffn_down.weight"), 1);
    EXPECT_EQ(winner_of(l, "blk.1.ffn_down.weight"), 0);
}

TEST(LintLlama, OutputAndEmbeddingFlagsBeatPatterns) {
    auto rs = read_llama_command(
        "llama-quantize --output-tensor-type q6_K --tensor-type '^output=q8_0' --token-embedding-type=q4_K in.gguf "
        "out.gguf Q4_K_M 8\n",
        "q.sh", ".");
    ASSERT_TRUE(rs.ok()) << rs.message();
    ASSERT_EQ(rs->rules.size(), 3u);
    auto r = lint(*rs, gguf_model(1), no_ties());
    EXPECT_EQ(r.rules.rules[size_t(winner_of(r, "output.weight"))].assigns, "q6_K");
    EXPECT_EQ(r.rules.rules[size_t(winner_of(r, "token_embd.weight"))].assigns, "q4_K");
    EXPECT_EQ(r.rules.default_assigns, "mix of Q4_K_M");
    EXPECT_TRUE(has(r, "shadowed", Severity::Warning));
}

TEST(LintLlama, OnlyTensorsLlamaQuantizesTakePart) {
    auto r = lint(llama_rules("norm=q8_0"), gguf_model(1), no_ties());
    EXPECT_EQ(matched(r, 0).size(), 2u);  // attn_norm, output_norm: both 1-D norms
    EXPECT_TRUE(has(r, "not-quantized", Severity::Warning));
    EXPECT_EQ(winner_of(r, "blk.0.attn_norm.weight"), -1);
}

TEST(LintLlama, RowsNotAMultipleOfTheBlockFallBack) {
    auto model = gguf_model(1);
    model.push_back({"blk.0.odd.weight", {64, 96}, ""});
    auto r = lint(llama_rules("odd=q4_K ffn_up=q8_0"), model, no_ties());
    ASSERT_TRUE(has(r, "row-block", Severity::Error));  // 96 % 256 != 0
    auto ok = lint(llama_rules("odd=q8_0"), model, no_ties());  // 96 % 32 == 0
    EXPECT_FALSE(has(ok, "row-block", Severity::Error));
    EXPECT_EQ(ggml_type_block("Q4_K"), 256);
    EXPECT_EQ(ggml_type_block("iq4_nl"), 32);
    EXPECT_EQ(ggml_type_block("bf16"), 1);
    EXPECT_EQ(ggml_type_block("q4_k_m"), 0);
}

TEST(LintLlama, FileTypesAndUnquantizedBasesAreErrors) {
    auto r = lint(llama_rules("ffn_down=Q4_K_M"), gguf_model(1), no_ties());
    ASSERT_TRUE(has(r, "unknown-type", Severity::Error));
    auto sh = read_llama_command("./llama-quantize --tensor-type ffn_down=q4_K a.gguf b.gguf F16", "q.sh", ".");
    ASSERT_TRUE(sh.ok());
    EXPECT_TRUE(has(lint(*sh, gguf_model(1), no_ties()), "unquantized-base", Severity::Error));
}

TEST(LintLlama, TiedGroupsSplitAcrossTypesAreWarned) {
    auto r = lint(llama_rules("attn_q=q4_K attn_[kv]=q6_K"), gguf_model(1));
    EXPECT_TRUE(has(r, "tied-split", Severity::Warning));
    EXPECT_EQ(r.errors, 0u);
}

TEST(LintLlama, ReaderErrorsNameFileAndToken) {
    auto bad = read_llama_tensor_types("a=q4_K  broken  c=q8_0", "plan.txt");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.message(), "plan.txt: token 2 'broken': expected PATTERN=TYPE");
    auto quote = read_llama_command("llama-quantize --tensor-type 'a=q4_K", "q.sh", ".");
    ASSERT_FALSE(quote.ok());
    EXPECT_NE(quote.message().find("q.sh: unterminated single quote"), std::string::npos);
    auto noval = read_llama_command("llama-quantize x.gguf Q4_K_M --tensor-type", "q.sh", ".");
    ASSERT_FALSE(noval.ok());
    EXPECT_NE(noval.message().find("--tensor-type needs a value"), std::string::npos);
    auto bad_re = lint(llama_rules("blk.(=q4_K"), gguf_model(1), no_ties());
    EXPECT_TRUE(has(bad_re, "bad-regex", Severity::Error));
}

TEST(LintLlama, ShellWordsFollowPosixQuoting) {
    auto rs = read_llama_command(
        "#!/bin/sh\n# comment --tensor-type x=q4_K\nset -e\nexec llama-quantize \\\n  --imatrix \"im x.gguf\" \\\n"
        "  --tensor-type \"ffn_\\\"up=q5_K\" --tensor-type=attn_q=q8_0 in.gguf Q5_K_M \"$@\"\necho done\n",
        "q.sh", ".");
    ASSERT_TRUE(rs.ok()) << rs.message();
    ASSERT_EQ(rs->rules.size(), 2u);
    EXPECT_EQ(rs->rules[0].pattern, "ffn_\"up");
    EXPECT_EQ(rs->rules[1].pattern, "attn_q");  // split at the first '='
    EXPECT_EQ(rs->default_assigns, "mix of Q5_K_M");
}

// ---- GPTQModel ----

RuleSet gptq(const std::string& dynamic) {
    auto rs = read_gptq_config(R"({"bits": 4, "group_size": 128, "sym": true, "desc_act": false, "dynamic": )" +
                                   dynamic + "}",
                               "quantize_config.json");
    EXPECT_TRUE(rs.ok()) << rs.message();
    return *rs;
}

TEST(LintGptq, ReMatchAnchorsAtTheStartOnly) {
    // re.match(r"layers\.0\.", "model.layers.0.mlp.up_proj") is None; with ".*" in front it matches.
    auto r = lint(gptq(R"({"+:layers\\.0\\.": {"bits": 8}, "+:.*layers\\.0\\.": {"bits": 8},
                         "+:model\\.layers\\.1": {"bits": 3}})"),
                  hf_model(12), no_ties());
    EXPECT_TRUE(r.matches.by_rule[0].empty());
    EXPECT_TRUE(has(r, "no-match", Severity::Error));
    // Layer 0's 7 linear modules and its norm (a module GPTQ does not quantize); the bias is no module.
    EXPECT_EQ(matched(r, 1).size(), 8u);
    EXPECT_EQ(r.errors, 1u);
    // No "$": model.layers.1 also matches layers 10 and 11: 3 layers x 8 modules.
    EXPECT_EQ(matched(r, 2).size(), 24u);
    EXPECT_TRUE(has(r, "layer-prefix", Severity::Warning));
}

TEST(LintGptq, ModulePathsHaveNoWeightSuffix) {
    auto r = lint(gptq(R"({"+:^model\\.layers\\.0\\.mlp\\.up_proj\\.weight$": {"bits": 8}})"), hf_model(1), no_ties());
    EXPECT_TRUE(r.matches.by_rule[0].empty());
}

TEST(LintGptq, FirstKeyInDictOrderWinsAndMinusSkips) {
    auto r = lint(gptq(R"({"-:.*down_proj": {}, "+:.*layers\\.0\\..*": {"bits": 8, "group_size": 32}})"), hf_model(2),
                  no_ties());
    EXPECT_EQ(winner_of(r, "model.layers.0.mlp.down_proj.weight"), 0);
    EXPECT_EQ(r.effective(size_t(std::find_if(r.tensors.begin(), r.tensors.end(), [](auto& t) {
                  return t.name == "model.layers.0.mlp.down_proj.weight";
              }) - r.tensors.begin())),
              "skip (unquantized)");
    EXPECT_EQ(winner_of(r, "model.layers.0.self_attn.q_proj.weight"), 1);
    EXPECT_EQ(r.rules.rules[1].assigns, "bits=8 group_size=32 sym=true desc_act=false");
    EXPECT_EQ(winner_of(r, "model.layers.1.self_attn.q_proj.weight"), -1);  // base config
    EXPECT_TRUE(has(r, "conflict", Severity::Warning));

    // Reversed order: the override wins for layer 0's down_proj.
    auto rev = lint(gptq(R"({"+:.*layers\\.0\\..*": {"bits": 8}, "-:.*down_proj": {}})"), hf_model(2), no_ties());
    EXPECT_EQ(winner_of(rev, "model.layers.0.mlp.down_proj.weight"), 0);
    EXPECT_EQ(winner_of(rev, "model.layers.1.mlp.down_proj.weight"), 1);
}

TEST(LintGptq, TiedProjectionsWithDifferentConfigsAreErrors) {
    auto r = lint(gptq(R"({"+:.*q_proj$": {"bits": 8}})"), hf_model(1));
    EXPECT_TRUE(has(r, "tied-split", Severity::Error));
    auto ok = lint(gptq(R"({"+:.*self_attn\\.[qkv]_proj$": {"bits": 8}})"), hf_model(1));
    EXPECT_FALSE(has(ok, "tied-split", Severity::Error));
    EXPECT_EQ(ok.errors, 0u);
}

TEST(LintGptq, PythonOnlySyntaxIsRejectedNotMismatched) {
    auto r = lint(gptq(R"({"+:(?P<m>model)\\.layers": {"bits": 8}, "+:.*(?<=self_attn\\.)q_proj": {"bits": 8},
                         "+:(?i)MODEL": {"bits": 8}, "+:\\Alm_head\\Z": {"bits": 8}})"),
                  hf_model(1), no_ties());
    ASSERT_EQ(r.matches.rule_error.size(), 4u);
    EXPECT_NE(r.matches.rule_error[0].find("named groups"), std::string::npos);
    EXPECT_NE(r.matches.rule_error[1].find("lookbehind"), std::string::npos);
    EXPECT_NE(r.matches.rule_error[2].find("inline flags"), std::string::npos);
    EXPECT_TRUE(r.matches.rule_error[3].empty());  // \A and \Z are rewritten to ^ and $
    EXPECT_EQ(matched(r, 3), std::vector<std::string>{"lm_head.weight"});
}

TEST(LintGptq, ReaderChecksValuesAndNamesTheKey) {
    auto nested = read_gptq_config(R"({"quantization_config": {"bits": 4, "dynamic": {"+:a": {"bits": "8"}}}})", "config.json");
    ASSERT_FALSE(nested.ok());
    EXPECT_EQ(nested.message(), "config.json: dynamic key 1 '+:a': \"bits\" must be an integer 1..16, got \"8\"");
    auto notobj = read_gptq_config(R"({"bits": 4, "dynamic": {"-:x": 3}})", "q.json");
    ASSERT_FALSE(notobj.ok());
    EXPECT_EQ(notobj.message(), "q.json: dynamic key 1 '-:x': value must be an object");
    auto json = read_gptq_config("{\"bits\": 4,", "q.json");
    ASSERT_FALSE(json.ok());
    EXPECT_NE(json.message().find("q.json: not valid JSON"), std::string::npos);
    auto ok = read_gptq_config(R"({"quantization_config": {"bits": 4, "group_size": 128, "dynamic": {"+:b": {}}}})", "c.json");
    ASSERT_TRUE(ok.ok()) << ok.message();
    EXPECT_EQ(ok->rules[0].block, 128);
}

TEST(LintGptq, PythonFilesAsWrittenByUsersAndByOurExport) {
    // GPTQModel README style: raw strings, comments, trailing commas, QuantizeConfig(...).
    const char* py = R"(from gptqmodel import QuantizeConfig
dynamic = {
    # layer 0 gets more bits
    r"+:.*layers\.0\..*": {"bits": 8, "group_size": 64},
    '-:.*down_proj': {},   # keep down_proj
    "+:.*\.q_proj$": {"sym": False,},
}
quant_config = QuantizeConfig(bits=4, group_size=128, dynamic=dynamic)
)";
    auto rs = read_gptq_python(py, "quant.py");
    ASSERT_TRUE(rs.ok()) << rs.message();
    ASSERT_EQ(rs->rules.size(), 3u);
    EXPECT_EQ(rs->rules[0].pattern, ".*layers\\.0\\..*");
    EXPECT_EQ(rs->rules[0].assigns, "bits=8 group_size=64");
    EXPECT_TRUE(rs->rules[1].skip);
    EXPECT_EQ(rs->rules[2].pattern, ".*\\.q_proj$");
    EXPECT_EQ(rs->default_assigns, "bits=4 group_size=128");
    auto r = lint(*rs, hf_model(2), no_ties());
    EXPECT_EQ(winner_of(r, "model.layers.0.mlp.down_proj.weight"), 0);
    EXPECT_EQ(winner_of(r, "model.layers.1.mlp.down_proj.weight"), 1);
    EXPECT_EQ(winner_of(r, "model.layers.1.self_attn.q_proj.weight"), 2);

    auto ours = read_rules_file(test::fixture("export/tiny_dynamic.py"), Tool::GptqModel);
    ASSERT_TRUE(ours.ok()) << ours.message();
    EXPECT_EQ(ours->rules.size(), 7u);
    EXPECT_EQ(ours->default_assigns, "bits=8 group_size=-1 sym=true desc_act=false");

    auto bad = read_gptq_python("dynamic = {\"+:a\": {\"bits\": 4}\nquantize_config = {\"bits\": 4}", "q.py");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("q.py: dynamic: expected ',' or '}'"), std::string::npos) << bad.message();
    auto none = read_gptq_python("x = 1\n", "q.py");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.message(), "q.py: dynamic: no 'dynamic = ...' assignment");
}

// ---- compressed-tensors ----

RuleSet ct(const std::string& groups, const std::string& ignore = "[]") {
    auto rs = read_compressed_tensors_config(R"({"quantization_config": {"quant_method": "compressed-tensors",
        "config_groups": )" + groups + R"(, "ignore": )" + ignore + "}}",
                                             "config.json");
    EXPECT_TRUE(rs.ok()) << rs.message();
    return *rs;
}

const char* kW4 = R"({"num_bits": 4, "type": "int", "symmetric": true, "strategy": "group", "group_size": 128})";
const char* kW8 = R"({"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel"})";

TEST(LintCompressedTensors, BareRegexIsTakenLiterallyAndMatchesNothing) {
    auto r = lint(ct(fmt::format(R"({{"g": {{"targets": ["model.layers.*.self_attn.q_proj",
                   "re:model\\.layers\\.\\d+\\.self_attn\\.q_proj$", "model.layers.0.mlp.down_proj"], "weights": {}}}}})",
                                 kW4)),
                  hf_model(3), no_ties());
    EXPECT_TRUE(r.matches.by_rule[0].empty());
    EXPECT_TRUE(has(r, "bare-regex", Severity::Error));
    EXPECT_EQ(matched(r, 1).size(), 3u);
    EXPECT_EQ(matched(r, 2), std::vector<std::string>{"model.layers.0.mlp.down_proj.weight"});
}

TEST(LintCompressedTensors, ClassTargetsIgnoreAndPrecedence) {
    auto r = lint(ct(fmt::format(R"({{"group_0": {{"targets": ["Linear"], "weights": {}}},
                                      "group_1": {{"targets": ["re:.*down_proj$", "model.layers.0.mlp.down_proj"],
                                                   "weights": {}}}}})",
                                 kW4, kW8),
                     R"(["lm_head", "re:.*layers\\.1\\.mlp\\.down_proj$"])"),
                  hf_model(2), no_ties());
    // Linear: every 2-D weight except the embedding: 2 layers x 7 + lm_head.
    EXPECT_EQ(matched(r, 0).size(), 15u);
    EXPECT_EQ(winner_of(r, "lm_head.weight"), 3);                                  // ignore beats targets
    EXPECT_EQ(winner_of(r, "model.layers.1.mlp.down_proj.weight"), 4);             // ignore (regex)
    EXPECT_EQ(winner_of(r, "model.layers.0.mlp.down_proj.weight"), 2);             // exact beats regex beats class
    EXPECT_EQ(winner_of(r, "model.layers.0.self_attn.q_proj.weight"), 0);
    EXPECT_EQ(winner_of(r, "model.embed_tokens.weight"), -1);
    EXPECT_EQ(r.rules.rules[0].block, 128);
    EXPECT_TRUE(has(r, "conflict", Severity::Warning));
    auto cls = lint(ct(fmt::format(R"({{"g": {{"targets": ["LlamaDecoderLayer"], "weights": {}}}}})", kW4)), hf_model(1),
                    no_ties());
    EXPECT_TRUE(has(cls, "class-target", Severity::Info));
    EXPECT_EQ(cls.errors, 0u);
}

TEST(LintCompressedTensors, GroupSizeMustDivideInputFeatures) {
    auto model = hf_model(1);
    model.push_back({"model.layers.0.extra.weight", {64, 200}, ""});
    auto r = lint(ct(fmt::format(R"({{"g": {{"targets": ["model.layers.0.extra"], "weights": {}}}}})", kW4)), model,
                  no_ties());
    EXPECT_TRUE(has(r, "row-block", Severity::Warning));
}

TEST(LintCompressedTensors, ReaderErrorsNameTheEntry) {
    auto a = read_compressed_tensors_config(R"({"config_groups": {"g": {"targets": "Linear"}}})", "c.json");
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.message(), "c.json: config_groups.g: \"targets\" must be a list of strings");
    auto b = read_compressed_tensors_config(R"({"config_groups": {"g": {"targets": ["x", 3]}}})", "c.json");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.message(), "c.json: config_groups.g.targets[1]: must be a string");
    auto c = read_compressed_tensors_config(R"({"bits": 4})", "c.json");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.message().find("no \"config_groups\""), std::string::npos);
}

// ---- Python regex subset ----

TEST(LintPyRegex, TranslatesAndRejects) {
    EXPECT_EQ(*python_to_ecmascript("\\Aa\\.b\\Z"), "^a\\.b$");
    EXPECT_EQ(*python_to_ecmascript("[]a]"), "[\\]a]");  // ']' first in a class is literal in Python
    EXPECT_EQ(*python_to_ecmascript("[\\A]"), "[\\A]");
    EXPECT_FALSE(python_to_ecmascript("a{,3}").ok());
    EXPECT_FALSE(python_to_ecmascript("(?#x)a").ok());
    EXPECT_FALSE(python_to_ecmascript("(?>a)").ok());
    EXPECT_TRUE(python_to_ecmascript("(?:a)(?=b)(?!c)").ok());
    std::string lit;
    EXPECT_TRUE(exact_literal("^blk\\.10\\.ffn_up\\.weight$", &lit));
    EXPECT_EQ(lit, "blk.10.ffn_up.weight");
    EXPECT_FALSE(exact_literal("^blk.10$", &lit));
    EXPECT_FALSE(exact_literal("^a\\$", &lit));
    EXPECT_FALSE(exact_literal("^a\\d$", &lit));
    EXPECT_TRUE(compile_regex("blk\\.\\d{1,3}\\.").ok());
    auto huge = compile_regex("((a{1000}){1000}){1000}");
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.message().find("more than 10000"), std::string::npos);
}

}  // namespace
}  // namespace qs::lint
