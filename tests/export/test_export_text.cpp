// Text exports parsed back: the plan JSON (exact round trip, validation), CSV (an
// RFC 4180 parser), llama-quantize patterns (std::regex search over GGUF names, as
// llama.cpp does after lower-casing) and GPTQModel dynamic rules (a re.match +
// first-match-wins evaluator).
#include "core/export/csv.hpp"
#include "core/export/export.hpp"
#include "core/export/gptqmodel.hpp"
#include "core/export/llama.hpp"
#include "core/export/plan_json.hpp"
#include "core/export/tensor_names.hpp"
#include "tests/export/export_test_util.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace qs;
using namespace qs::exporter;
using namespace qs::test;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool contains(const std::vector<std::string>& ws, const std::string& needle) {
    for (const auto& w : ws)
        if (w.find(needle) != std::string::npos) return true;
    return false;
}

// RFC 4180 reader, written independently of the writer.
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            EXPECT_TRUE(field.empty()) << "quote inside an unquoted field";
            quoted = was_quoted = true;
        } else if (c == ',') {
            rows.back().push_back(field), field.clear(), was_quoted = false;
        } else if (c == '\r') {
            EXPECT_EQ(s[i + 1], '\n');
            rows.back().push_back(field), field.clear(), was_quoted = false;
            ++i;
            if (i + 1 < s.size()) rows.emplace_back();
        } else {
            EXPECT_NE(c, '\n') << "bare LF";
            field += c;
        }
    }
    (void)was_quoted;
    return rows;
}

}  // namespace

TEST(PlanJson, RoundTripsExactly) {
    TempDir dir;
    PlanDocument p = tiny_plan();
    p.tensors[4].predicted_cost = 0.1 + 0.2;  // needs 17 digits
    p.tensors[4].sensitivity = 4.9e-324;      // denormal
    p.tensors[5].mse = std::nullopt;
    p.tensors[6].sqnr_db = -INFINITY;
    p.tensors[7].sensitivity = NAN;
    p.budget_bytes = 123456789012345ull;
    p.tensors[0].name = "weird \"name\", with\nnewline";
    ASSERT_TRUE(export_plan(p, ExportFormat::Json, dir / "plan.json").ok());
    auto back = read_plan_json(dir / "plan.json");
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_TRUE(*back == p);
    EXPECT_EQ(back->tensors[3].sqnr_db, INFINITY);

    auto j = nlohmann::json::parse(slurp(dir / "plan.json"));
    EXPECT_EQ(j["quantscope_plan"], 1);
    EXPECT_EQ(j["model"], "tiny.safetensors");
    EXPECT_EQ(j["budget"]["bpw"], 4.5);
    EXPECT_EQ(j["tensors"][2]["spec"]["scheme"], "int");
    EXPECT_EQ(j["tensors"][2]["spec"]["group_size"], 32);
    EXPECT_EQ(j["tensors"][2]["pinned"], true);
    EXPECT_EQ(j["tensors"][3]["sqnr_db"], "inf");
    EXPECT_EQ(j["tensors"][1]["quantized"], false);
    EXPECT_EQ(j["totals"]["quantized_params"], p.quantized_params);
    EXPECT_DOUBLE_EQ(j["totals"]["avg_bpw"].get<double>(), p.quantized_bits / double(p.quantized_params));
}

TEST(PlanJson, RejectsInvalidPlans) {
    const auto good = nlohmann::json::parse(plan_json_text(tiny_plan()));
    auto err = [](const nlohmann::json& j) {
        auto r = plan_from_json(j, "p.json");
        return r.ok() ? std::string("(ok)") : r.message();
    };
    EXPECT_EQ(err(good), "(ok)");
    auto j = good;
    j["quantscope_plan"] = 2;
    EXPECT_EQ(err(j), "p.json: plan schema version 2 is not supported (this build reads version 1)");
    j = good;
    j.erase("quantscope_plan");
    EXPECT_NE(err(j).find("not a quantscope plan"), std::string::npos);
    j = good;
    j["tensors"][3]["bitz"] = 4;
    EXPECT_EQ(err(j), "p.json: tensors[3]: unknown key 'bitz'");
    j = good;
    j["tensors"][3]["name"] = j["tensors"][2]["name"];
    EXPECT_EQ(err(j), "p.json: tensor 'model.layers.0.self_attn.q_proj.weight' is listed twice");
    j = good;
    j["tensors"][2]["shape"] = {8, -64};
    EXPECT_NE(err(j).find("dimensions must be non-negative"), std::string::npos);
    j = good;
    j["tensors"][3]["spec"]["axis"] = 5;  // per-channel axis beyond a 2-D tensor
    EXPECT_NE(err(j).find("tensors[3] ('model.layers.0.self_attn.k_proj.weight').spec"), std::string::npos);
    j = good;
    j["tensors"][3]["bits_per_weight"] = "many";
    EXPECT_NE(err(j).find("expected a number"), std::string::npos);
    j = good;
    j["totals"]["quantized_params"] = -1;
    EXPECT_NE(err(j).find("non-negative integer"), std::string::npos);

    TempDir dir;
    { std::ofstream(dir / "bad.json") << "{\"quantscope_plan\": 1,"; }
    auto r = read_plan_json(dir / "bad.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("not valid JSON"), std::string::npos);
    EXPECT_FALSE(read_plan_json(dir / "missing.json").ok());
}

TEST(ExportFormat, ParsesNames) {
    EXPECT_EQ(*parse_export_format("LLAMA"), ExportFormat::Llama);
    EXPECT_EQ(*parse_export_format("gptqmodel"), ExportFormat::GptqModel);
    EXPECT_EQ(*parse_export_format("csv"), ExportFormat::Csv);
    EXPECT_FALSE(parse_export_format("onnx").ok());
    for (auto f : {ExportFormat::Json, ExportFormat::Llama, ExportFormat::GptqModel, ExportFormat::Aimet,
                   ExportFormat::Safetensors, ExportFormat::Csv})
        EXPECT_EQ(*parse_export_format(export_format_name(f)), f);
}

TEST(Csv, QuotesAndParsesBack) {
    TempDir dir;
    PlanDocument p = tiny_plan();
    p.tensors[0].name = "a,b \"c\"\r\nd";
    ASSERT_TRUE(export_plan(p, ExportFormat::Csv, dir / "plan.csv").ok());
    const auto rows = parse_csv(slurp(dir / "plan.csv"));
    ASSERT_EQ(rows.size(), p.tensors.size() + 1);
    EXPECT_EQ(rows[0][0], "tensor");
    for (const auto& r : rows) EXPECT_EQ(r.size(), 13u);
    EXPECT_EQ(rows[1][0], p.tensors[0].name);
    EXPECT_EQ(rows[1][4], "no");
    EXPECT_EQ(rows[3][0], "model.layers.0.self_attn.q_proj.weight");
    EXPECT_EQ(rows[3][1], "8x64");
    EXPECT_EQ(rows[3][2], "512");
    EXPECT_EQ(rows[3][6], "int4:group=32");
    EXPECT_EQ(std::stod(rows[3][8]), p.tensors[2].predicted_cost);
    EXPECT_EQ(rows[3][10], "yes");
    EXPECT_EQ(rows[4][12], "inf");
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("x\"y"), "\"x\"\"y\"");
}

TEST(LlamaExport, NearestGgufTypes) {
    auto t = [](const std::string& s) {
        auto c = nearest_gguf_type(spec(s));
        return c.type + (c.exact ? "" : "~") + "/" + std::to_string(c.block_elems);
    };
    EXPECT_EQ(t("int8"), "q8_0/32");
    EXPECT_EQ(t("int4:group=32"), "q4_0/32");
    EXPECT_EQ(t("int4:asym:group=32"), "q4_1/32");
    EXPECT_EQ(t("int5:group=32"), "q5_0/32");
    EXPECT_EQ(t("int5:asym:group=32"), "q5_1/32");
    EXPECT_EQ(t("int4:group=128"), "q4_K/256");
    EXPECT_EQ(t("int2:group=64"), "q2_K/256");
    EXPECT_EQ(t("int3:group=64"), "q3_K/256");
    EXPECT_EQ(t("int6"), "q6_K/256");
    EXPECT_EQ(t("int7"), "q8_0~/32");
    EXPECT_EQ(t("int12"), "f16~/1");
    EXPECT_EQ(t("nf4"), "iq4_nl/32");
    EXPECT_EQ(t("mxfp4"), "mxfp4/32");
    EXPECT_EQ(t("mxfp8_e4m3"), "q8_0~/32");
    EXPECT_EQ(t("fp16_e5m10"), "f16/1");
    EXPECT_EQ(t("fp16_e8m7"), "bf16/1");
    EXPECT_EQ(t("fp8_e4m3"), "q8_0~/32");
    EXPECT_EQ(t("ternary"), "tq1_0/256");
    EXPECT_EQ(t("binary"), "iq1_s~/256");
    EXPECT_EQ(t("kmeans4"), "q4_K~/256");
    EXPECT_EQ(ggml_type_name_of("Q4_K"), "q4_K");
    EXPECT_EQ(ggml_type_name_of("BF16"), "bf16");
    EXPECT_EQ(ggml_type_name_of("I64"), "");
}

TEST(LlamaExport, MapsHfNamesToGguf) {
    EXPECT_EQ(*hf_to_gguf_name("model.layers.12.self_attn.q_proj.weight"), "blk.12.attn_q.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.0.self_attn.o_proj.weight"), "blk.0.attn_output.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.self_attn.k_proj.bias"), "blk.3.attn_k.bias");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.mlp.down_proj.weight"), "blk.3.ffn_down.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.post_attention_layernorm.weight"), "blk.3.ffn_norm.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.embed_tokens.weight"), "token_embd.weight");
    EXPECT_EQ(*hf_to_gguf_name("lm_head.weight"), "output.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.norm.weight"), "output_norm.weight");
    EXPECT_FALSE(hf_to_gguf_name("model.layers.x.mlp.up_proj.weight"));
    EXPECT_FALSE(hf_to_gguf_name("model.layers.01.mlp.up_proj.weight"));
    EXPECT_FALSE(hf_to_gguf_name("model.layers.1.block_sparse_moe.experts.0.w1.weight"));
    EXPECT_EQ(exact_name_pattern("blk.1.attn_q.weight"), "^blk\\.1\\.attn_q\\.weight$");
}

TEST(LlamaExport, EachPatternMatchesExactlyItsTensor) {
    TempDir dir;
    const PlanDocument p = tiny_plan();
    std::vector<std::string> warnings;
    ASSERT_TRUE(export_plan(p, ExportFormat::Llama, dir / "types.txt", {}, &warnings).ok());
    // Every GGUF tensor a converted model of this shape has, plus look-alikes.
    std::vector<std::string> names = {"blk.1.attn_q.weight.bak", "xblk.0.attn_q.weight", "blk.100.attn_output.weight",
                                      "blk.0.attn_q.bias", "blk.0.attn_qweight", "output_norm.weight"};
    for (const auto& t : tiny_layout()) names.push_back(*hf_to_gguf_name(t.name));

    std::istringstream in(slurp(dir / "types.txt"));
    std::string token;
    std::map<std::string, std::string> type_of;
    while (in >> token) {  // llama-quantize: whitespace-separated PATTERN=TYPE
        const auto eq = token.find('=');
        ASSERT_NE(eq, std::string::npos);
        std::string pattern = token.substr(0, eq);
        for (char& c : pattern) c = char(std::tolower(static_cast<unsigned char>(c)));  // as llama.cpp
        const std::regex re(pattern);
        std::vector<std::string> hits;
        for (const auto& n : names)
            if (std::regex_search(n, re)) hits.push_back(n);
        ASSERT_EQ(hits.size(), 1u) << pattern;
        type_of[hits[0]] = token.substr(eq + 1);
    }
    EXPECT_EQ(type_of.size(), 10u);  // every 2-D tensor; 1-D norms are never quantized by llama.cpp
    EXPECT_EQ(type_of["token_embd.weight"], "f32");  // kept: its source type
    EXPECT_EQ(type_of["blk.0.attn_q.weight"], "q4_0");
    EXPECT_EQ(type_of["blk.0.attn_k.weight"], "q8_0");
    EXPECT_EQ(type_of["blk.0.ffn_down.weight"], "q4_1");
    EXPECT_EQ(type_of["blk.1.attn_q.weight"], "iq4_nl");
    EXPECT_EQ(type_of["blk.1.ffn_up.weight"], "q6_K");
    EXPECT_EQ(type_of["blk.10.attn_output.weight"], "q3_K");
    EXPECT_EQ(type_of["blk.10.ffn_gate.weight"], "mxfp4");
    EXPECT_EQ(type_of["output.weight"], "q8_0");
    EXPECT_TRUE(contains(warnings, "tensor 'model.layers.10.self_attn.o_proj.weight': row length 48 is not a multiple of q3_K's block of 256"));
    EXPECT_TRUE(contains(warnings, "tensor 'lm_head.weight': no GGUF type matches fp8_e4m3"));
    EXPECT_FALSE(contains(warnings, "model.layers.0.self_attn.q_proj.weight"));

    ASSERT_TRUE(export_plan(p, ExportFormat::Llama, dir / "quantize.sh", {}, nullptr).ok());
    const std::string sh = slurp(dir / "quantize.sh");
    EXPECT_NE(sh.find("--tensor-type '^blk\\.10\\.attn_output\\.weight$=q3_K'"), std::string::npos) << sh;
    EXPECT_NE(sh.find("--output-tensor-type q8_0"), std::string::npos);
    EXPECT_NE(sh.find("--token-embedding-type f32"), std::string::npos);
    EXPECT_NE(sh.find("'model-f16.gguf' 'model-quant.gguf' Q8_0 \"$@\""), std::string::npos) << sh;
}

TEST(LlamaExport, GgufNamesAndBaseType) {
    PlanDocument p;
    PlannedTensor t;
    t.name = "blk.2.ffn_up.weight";
    t.shape = {16, 512};
    t.spec = spec("int4:group=128");
    p.tensors = {t};
    t.name = "blk.2.FFN_down.weight";
    p.tensors.push_back(t);
    std::vector<std::string> warnings;
    auto lp = llama_plan(p, {}, &warnings);
    ASSERT_TRUE(lp.ok());
    ASSERT_EQ(lp->overrides.size(), 1u);
    EXPECT_EQ(lp->overrides[0].pattern, "^blk\\.2\\.ffn_up\\.weight$");
    EXPECT_EQ(lp->base_ftype, "Q4_K_M");
    EXPECT_TRUE(contains(warnings, "lower-cases patterns"));
    ExportOptions o;
    o.llama_base_type = "Q5_K_M";
    EXPECT_EQ(llama_plan(p, o, nullptr)->base_ftype, "Q5_K_M");
}

namespace {

// GPTQModel's lookup: keys in order, "-:" / "+:" prefixes stripped, Python re.match
// (anchored at the start only), first match wins; no match = the base config.
std::optional<std::optional<GptqConfig>> gptq_lookup(const nlohmann::ordered_json& dynamic, const std::string& module) {
    for (const auto& [key, value] : dynamic.items()) {
        std::string pattern = key;
        bool skip = false;
        if (pattern.rfind("-:", 0) == 0) skip = true, pattern = pattern.substr(2);
        else if (pattern.rfind("+:", 0) == 0) pattern = pattern.substr(2);
        if (!std::regex_search(module, std::regex(pattern), std::regex_constants::match_continuous)) continue;
        if (skip) return std::optional<GptqConfig>{};
        return std::optional<GptqConfig>(GptqConfig{value["bits"].get<int>(), value["group_size"].get<int>(), value["sym"].get<bool>(), value["desc_act"].get<bool>()});
    }
    return std::nullopt;
}

}  // namespace

TEST(GptqExport, DynamicRulesGiveEachModuleItsConfig) {
    TempDir dir;
    std::vector<std::string> warnings;
    ASSERT_TRUE(export_plan(tiny_plan(), ExportFormat::GptqModel, dir / "quantize_config.json", {}, &warnings).ok());
    const auto j = nlohmann::ordered_json::parse(slurp(dir / "quantize_config.json"));
    EXPECT_EQ(j["quant_method"], "gptq");
    const GptqConfig base{j["bits"].get<int>(), j["group_size"].get<int>(), j["sym"].get<bool>(), j["desc_act"].get<bool>()};
    EXPECT_EQ(base, (GptqConfig{8, -1, true, false}));  // most parameters: k, v, lm_head
    const std::map<std::string, std::optional<GptqConfig>> expected = {
        {"model.embed_tokens", std::nullopt},
        {"model.layers.0.self_attn.q_proj", GptqConfig{4, 32, true, false}},
        {"model.layers.0.self_attn.k_proj", GptqConfig{8, -1, true, false}},
        {"model.layers.0.self_attn.v_proj", GptqConfig{8, -1, true, false}},
        {"model.layers.0.mlp.down_proj", GptqConfig{4, 32, false, false}},
        {"model.layers.1.self_attn.q_proj", GptqConfig{4, 32, true, false}},
        {"model.layers.1.mlp.up_proj", GptqConfig{8, -1, false, false}},
        {"model.layers.10.self_attn.o_proj", GptqConfig{3, 16, true, false}},
        {"model.layers.10.mlp.gate_proj", GptqConfig{4, 32, true, false}},
        {"lm_head", GptqConfig{8, -1, true, false}},
    };
    for (const auto& [module, want] : expected) {
        auto got = gptq_lookup(j["dynamic"], module);
        const std::optional<GptqConfig> eff = got ? *got : std::optional<GptqConfig>(base);
        EXPECT_EQ(eff.has_value(), want.has_value()) << module;
        if (eff && want) {
            EXPECT_EQ(*eff, *want) << module;
        }
    }
    // Layer 1's rules must not catch layer 10's modules and vice versa (anchored with $).
    EXPECT_FALSE(gptq_lookup(j["dynamic"], "model.layers.1.self_attn.q_proj.extra"));
    for (const auto& [key, value] : j["dynamic"].items()) EXPECT_EQ(key.find(".weight"), std::string::npos);
    EXPECT_TRUE(contains(warnings, "'model.layers.1.self_attn.q_proj.weight': GPTQ has integer weights only"));
    EXPECT_TRUE(contains(warnings, "'model.layers.1.mlp.up_proj.weight': GPTQ has no 6-bit kernels; using 8 bits"));
    EXPECT_TRUE(contains(warnings, "'model.layers.0.self_attn.q_proj' and 'model.layers.0.self_attn.k_proj' have different"));

    ASSERT_TRUE(export_plan(tiny_plan(), ExportFormat::GptqModel, dir / "dynamic.py", {}, nullptr).ok());
    const std::string py = slurp(dir / "dynamic.py");
    EXPECT_NE(py.find("    \"-:^model\\\\.embed_tokens$\": {},\n"), std::string::npos) << py;
    EXPECT_NE(py.find("    \"+:^model\\\\.layers\\\\.0\\\\.mlp\\\\.down_proj$\": {\"bits\": 4, \"group_size\": 32, "
                      "\"sym\": False, \"desc_act\": False},\n"),
              std::string::npos)
        << py;
    EXPECT_NE(py.find("quantize_config = {\"bits\": 8, \"group_size\": -1, \"sym\": True, \"desc_act\": False, "
                      "\"dynamic\": dynamic}"),
              std::string::npos);
}
