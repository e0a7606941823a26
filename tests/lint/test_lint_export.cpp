// HF <-> GGUF names for the common layouts (names as in real checkpoints and in
// llama.cpp's gguf-py tensor_mapping.py), the ModelOpt and compressed-tensors exports,
// and the round trip: what our exporters write lints with zero findings, from the CLI too.
#include "core/export/compressed_tensors.hpp"
#include "core/export/export.hpp"
#include "core/export/modelopt.hpp"
#include "core/export/plan_json.hpp"
#include "core/export/tensor_names.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/lint/lint.hpp"
#include "core/lint/model_tensors.hpp"
#include "core/lint/read_rules.hpp"
#include "tests/export/export_test_util.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_paths.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace qs {
namespace {

using exporter::Arch;
using exporter::gguf_to_hf_name;
using exporter::hf_to_gguf_name;

TEST(LintNames, RealCheckpointNamesPerLayout) {
    // Qwen2 (q/k/v biases), Qwen3 (q/k norms), Mistral: the llama table.
    EXPECT_EQ(*hf_to_gguf_name("model.layers.0.self_attn.q_proj.bias", Arch::Llama), "blk.0.attn_q.bias");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.27.self_attn.k_norm.weight", Arch::Llama), "blk.27.attn_k_norm.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.31.mlp.gate_proj.weight", Arch::Llama), "blk.31.ffn_gate.weight");
    // Gemma 2/3: four norms per block.
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.post_attention_layernorm.weight", Arch::Gemma2),
              "blk.3.post_attention_norm.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.pre_feedforward_layernorm.weight", Arch::Gemma2), "blk.3.ffn_norm.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.post_feedforward_layernorm.weight", Arch::Gemma2),
              "blk.3.post_ffw_norm.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.3.post_attention_layernorm.weight", Arch::Llama), "blk.3.ffn_norm.weight");
    // Phi-3: fused projections stay fused.
    EXPECT_EQ(*hf_to_gguf_name("model.layers.5.self_attn.qkv_proj.weight", Arch::Phi3), "blk.5.attn_qkv.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.5.mlp.gate_up_proj.weight", Arch::Phi3), "blk.5.ffn_up.weight");
    EXPECT_EQ(*hf_to_gguf_name("model.layers.5.mlp.gate_up_proj.weight"), "blk.5.ffn_up.weight");  // guessed
    // GPT-2 (with and without "transformer.") and StarCoder.
    EXPECT_EQ(*hf_to_gguf_name("h.0.attn.c_attn.weight", Arch::Gpt2), "blk.0.attn_qkv.weight");
    EXPECT_EQ(*hf_to_gguf_name("transformer.h.11.mlp.c_proj.bias", Arch::Gpt2), "blk.11.ffn_down.bias");
    EXPECT_EQ(*hf_to_gguf_name("wte.weight", Arch::Gpt2), "token_embd.weight");
    EXPECT_EQ(*hf_to_gguf_name("transformer.wpe.weight", Arch::Gpt2), "position_embd.weight");
    EXPECT_EQ(*hf_to_gguf_name("transformer.ln_f.bias", Arch::Gpt2), "output_norm.bias");
    EXPECT_FALSE(hf_to_gguf_name("model.layers.3.mlp.c_fc.weight", Arch::Gpt2));
    // Reverse.
    EXPECT_EQ(*gguf_to_hf_name("blk.12.ffn_down.weight", Arch::Llama), "model.layers.12.mlp.down_proj.weight");
    EXPECT_EQ(*gguf_to_hf_name("blk.2.attn_qkv.weight", Arch::Gpt2), "transformer.h.2.attn.c_attn.weight");
    EXPECT_EQ(*gguf_to_hf_name("output.weight", Arch::Gemma2), "lm_head.weight");
    EXPECT_FALSE(gguf_to_hf_name("blk.2.attn_qkv.weight", Arch::Llama));
    // Layout names.
    EXPECT_EQ(*exporter::arch_from_name("qwen3"), Arch::Llama);
    EXPECT_EQ(*exporter::arch_from_name("gemma3"), Arch::Gemma2);
    EXPECT_EQ(*exporter::arch_from_name("starcoder"), Arch::Gpt2);
    EXPECT_FALSE(exporter::arch_from_name("mamba"));
    const std::vector<std::string> g2{"model.layers.0.pre_feedforward_layernorm.weight"};
    EXPECT_EQ(exporter::guess_arch(g2), Arch::Gemma2);
}

TEST(LintNames, EveryTableEntryRoundTrips) {
    const std::vector<std::pair<Arch, std::vector<std::string>>> cases = {
        {Arch::Llama, {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "self_attn.q_norm",
                       "self_attn.k_norm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm",
                       "post_attention_layernorm"}},
        {Arch::Gemma2, {"pre_feedforward_layernorm", "post_feedforward_layernorm", "post_attention_layernorm"}},
        {Arch::Phi3, {"self_attn.qkv_proj", "mlp.gate_up_proj", "mlp.down_proj"}},
    };
    for (const auto& [arch, subs] : cases)
        for (const auto& s : subs)
            for (const char* suf : {".weight", ".bias"}) {
                const std::string hf = "model.layers.7." + s + suf;
                auto g = hf_to_gguf_name(hf, arch);
                ASSERT_TRUE(g) << hf;
                EXPECT_EQ(*gguf_to_hf_name(*g, arch), hf);
            }
    for (const char* top : {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"})
        EXPECT_EQ(*gguf_to_hf_name(*hf_to_gguf_name(top, Arch::Llama), Arch::Llama), top);
}

TEST(LintNames, ModelTensorsInTheToolsConvention) {
    io::ModelIndex m;
    m.format = "gguf";
    m.metadata.push_back({"general.architecture", "string", "phi3"});
    for (const char* n : {"token_embd.weight", "blk.0.attn_qkv.weight", "blk.0.ffn_up.weight", "blk.0.weird.weight"}) {
        io::TensorInfo t;
        t.name = n;
        t.shape = {96, 64};
        m.tensors.push_back(t);
    }
    auto hf = lint::tool_tensors(m, lint::Tool::GptqModel);
    EXPECT_EQ(hf.arch, Arch::Phi3);
    EXPECT_EQ(hf.mapped, 3u);
    EXPECT_EQ(hf.unmapped, 1u);
    EXPECT_EQ(hf.tensors[1].name, "model.layers.0.self_attn.qkv_proj.weight");
    EXPECT_EQ(hf.tensors[1].model_name, "blk.0.attn_qkv.weight");
    EXPECT_EQ(hf.tensors[2].name, "model.layers.0.mlp.gate_up_proj.weight");
    EXPECT_EQ(hf.tensors[3].name, "blk.0.weird.weight");
    auto gg = lint::tool_tensors(m, lint::Tool::Llama);
    EXPECT_EQ(gg.mapped, 0u);
    EXPECT_EQ(gg.tensors[1].name, "blk.0.attn_qkv.weight");
}

// A plan a careful user would make: ties share a spec, rows divide by 256, lm_head kept.
exporter::PlanDocument clean_plan() {
    exporter::PlanDocument p;
    p.model = "clean.safetensors";
    auto add = [&](std::string name, std::vector<int64_t> shape, std::string spec) {
        exporter::PlannedTensor t;
        t.name = std::move(name);
        t.shape = std::move(shape);
        t.source_dtype = "F32";
        t.quantized = !spec.empty();
        if (t.quantized) t.spec = test::spec(spec), t.label = spec, t.bits_per_weight = t.spec.bits + 0.25;
        p.tensors.push_back(std::move(t));
    };
    add("model.embed_tokens.weight", {64, 256}, "");
    for (int i = 0; i < 2; ++i) {
        const std::string b = fmt::format("model.layers.{}.", i);
        const std::string attn = i == 0 ? "int8" : "int4:group=128";
        add(b + "input_layernorm.weight", {256}, "");
        add(b + "self_attn.q_proj.weight", {256, 256}, attn);
        add(b + "self_attn.k_proj.weight", {256, 256}, attn);
        add(b + "self_attn.v_proj.weight", {256, 256}, attn);
        add(b + "self_attn.o_proj.weight", {256, 256}, "int4:group=128");
        add(b + "mlp.gate_proj.weight", {512, 256}, "int4:group=128");
        add(b + "mlp.up_proj.weight", {512, 256}, "int4:group=128");
        add(b + "mlp.down_proj.weight", {256, 512}, i == 1 ? "int8" : "int4:group=128");
    }
    add("model.norm.weight", {256}, "");
    add("lm_head.weight", {64, 256}, "");
    return p;
}

std::vector<lint::LintTensor> tool_names(const exporter::PlanDocument& p, lint::Tool tool) {
    std::vector<lint::LintTensor> out;
    for (const auto& t : p.tensors) {
        std::string n = t.name;
        if (tool == lint::Tool::Llama) n = *hf_to_gguf_name(n, Arch::Llama);
        out.push_back({n, t.shape, ""});
    }
    return out;
}

std::string dump_findings(const lint::LintReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.message + "\n";
    return s;
}

TEST(LintRoundTrip, OwnExportsLintClean) {
    const auto plan = clean_plan();
    test::TempDir dir;
    const std::vector<std::pair<exporter::ExportFormat, std::string>> outs = {
        {exporter::ExportFormat::Llama, "types.txt"},
        {exporter::ExportFormat::Llama, "quantize.sh"},
        {exporter::ExportFormat::GptqModel, "quantize_config.json"},
        {exporter::ExportFormat::CompressedTensors, "config.json"},
    };
    for (const auto& [fmt_, name] : outs) {
        ASSERT_TRUE(exporter::export_plan(plan, fmt_, dir / name).ok()) << name;
        const lint::Tool tool = fmt_ == exporter::ExportFormat::Llama       ? lint::Tool::Llama
                                : fmt_ == exporter::ExportFormat::GptqModel ? lint::Tool::GptqModel
                                                                            : lint::Tool::CompressedTensors;
        auto rs = lint::read_rules_file(dir / name, tool);
        ASSERT_TRUE(rs.ok()) << rs.message();
        auto rep = lint::lint(*rs, tool_names(plan, tool));
        EXPECT_TRUE(rep.findings.empty()) << name << ":\n" << dump_findings(rep);
        // Every quantized linear tensor ends up with its planned spec's rule (or the base).
        size_t covered = 0;
        for (size_t t = 0; t < rep.tensors.size(); ++t) covered += rep.matches.winner[t] >= 0;
        EXPECT_GT(covered, 0u) << name;
    }
    // The same through rules_from_plan (a plan JSON given to lint-plan).
    for (auto tool : {lint::Tool::Llama, lint::Tool::GptqModel, lint::Tool::CompressedTensors}) {
        auto rs = lint::rules_from_plan(plan, tool);
        ASSERT_TRUE(rs.ok()) << rs.message();
        auto rep = lint::lint(*rs, tool_names(plan, tool));
        EXPECT_TRUE(rep.findings.empty()) << lint::tool_name(tool) << ":\n" << dump_findings(rep);
    }
}

TEST(LintRoundTrip, GgufNamedPlanExportsHfModules) {
    auto plan = clean_plan();
    for (auto& t : plan.tensors) t.name = *hf_to_gguf_name(t.name, Arch::Llama);
    auto rs = lint::rules_from_plan(plan, lint::Tool::CompressedTensors);
    ASSERT_TRUE(rs.ok()) << rs.message();
    auto rep = lint::lint(*rs, tool_names(clean_plan(), lint::Tool::CompressedTensors));
    EXPECT_TRUE(rep.findings.empty()) << dump_findings(rep);
}

TEST(LintExports, ModelOptMixedPrecision) {
    std::vector<std::string> warnings;
    auto j = exporter::modelopt_config(test::tiny_plan(), {}, &warnings);
    ASSERT_TRUE(j.ok()) << j.message();
    const auto& q = (*j)["quantization"];
    EXPECT_EQ(q["quant_algo"], "MIXED_PRECISION");
    EXPECT_TRUE(q["kv_cache_quant_algo"].is_null());
    const auto& L = q["quantized_layers"];
    EXPECT_EQ(L["model.layers.0.self_attn.q_proj"].dump(),
              R"({"quant_algo":"W4A16_AWQ","group_size":32,"has_zero_point":false,"pre_quant_scale":true})");
    EXPECT_EQ(L["model.layers.0.mlp.down_proj"]["has_zero_point"], true);
    EXPECT_EQ(L["model.layers.0.self_attn.k_proj"].dump(), R"({"quant_algo":"W8A16"})");
    EXPECT_EQ(L["lm_head"].dump(), R"({"quant_algo":"FP8"})");
    EXPECT_FALSE(L.contains("model.embed_tokens"));
    EXPECT_EQ(L.size(), 9u);
    auto clean = exporter::modelopt_config(clean_plan(), {}, nullptr);
    ASSERT_TRUE(clean.ok());
    EXPECT_EQ((*clean)["quantization"]["exclude_modules"].dump(), R"(["lm_head"])");
    bool nearest = false;
    for (const auto& w : warnings) nearest |= w.find("'model.layers.1.self_attn.q_proj.weight'") != std::string::npos;
    EXPECT_TRUE(nearest);  // nf4 has no ModelOpt algorithm
}

TEST(LintExports, CompressedTensorsGroupsPerDistinctSpec) {
    auto j = exporter::compressed_tensors_config(clean_plan(), {}, nullptr);
    ASSERT_TRUE(j.ok()) << j.message();
    EXPECT_EQ((*j)["quant_method"], "compressed-tensors");
    const auto& g = (*j)["config_groups"];
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g["group_0"]["weights"].dump(),
              R"({"num_bits":8,"type":"int","symmetric":true,"strategy":"channel","group_size":null,"dynamic":false})");
    EXPECT_EQ(g["group_0"]["targets"].dump(),
              R"(["model.layers.0.self_attn.q_proj","model.layers.0.self_attn.k_proj","model.layers.0.self_attn.v_proj","model.layers.1.mlp.down_proj"])");
    EXPECT_EQ(g["group_1"]["weights"]["group_size"], 128);
    EXPECT_EQ(g["group_1"]["targets"].size(), 10u);
    EXPECT_EQ((*j)["ignore"].dump(), R"(["lm_head"])");
}

void write_clean_model(const std::filesystem::path& path) {
    std::vector<std::vector<float>> data;
    std::vector<io::TensorToWrite> ts;
    const auto plan = clean_plan();
    for (const auto& t : plan.tensors) {
        size_t n = 1;
        for (auto d : t.shape) n *= size_t(d);
        data.emplace_back(n, 0.01f);
    }
    for (size_t i = 0; i < plan.tensors.size(); ++i)
        ts.push_back(io::f32_tensor(plan.tensors[i].name, plan.tensors[i].shape, data[i]));
    ASSERT_TRUE(io::write_safetensors(path, ts).ok());
}

TEST(LintCli, LintPlanExitCodesAndJson) {
    test::TempDir dir;
    write_clean_model(dir / "clean.safetensors");
    ASSERT_TRUE(exporter::write_plan_json(clean_plan(), dir / "plan.json").ok());
    const std::string model = (dir / "clean.safetensors").string();
    for (const char* f : {"llama", "gptqmodel", "compressed-tensors"}) {
        auto r = test::run_cli({"lint-plan", model, (dir / "plan.json").string(), "--format", f, "--json"});
        ASSERT_EQ(r.exit_code, 0) << f << r.out << r.err;
        auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["errors"], 0);
        EXPECT_TRUE(j["findings"].empty()) << j["findings"].dump();
        EXPECT_EQ(j["format"], f);
    }
    {
        std::ofstream(dir / "types.txt") << "blk.1.*ffn_down=q6_K\nmodel\\.layers=q4_K\n";
        auto r = test::run_cli({"lint-plan", model, (dir / "types.txt").string(), "--format", "llama"});
        EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
        EXPECT_NE(r.out.find("[no-match] llama: pattern 'model\\.layers'"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("blk.1.ffn_down.weight"), std::string::npos) << r.out;
    }
    {
        std::ofstream(dir / "bad.json") << R"({"bits": 4, "dynamic": [1]})";
        auto r = test::run_cli({"lint-plan", model, (dir / "bad.json").string(), "--format", "gptqmodel"});
        EXPECT_EQ(r.exit_code, 2);
        EXPECT_NE(r.err.find("bad.json: \"dynamic\" must be an object"), std::string::npos) << r.err;
    }
    auto usage = test::run_cli({"lint-plan", model, (dir / "plan.json").string(), "--format", "awq"});
    EXPECT_EQ(usage.exit_code, 1);
}

}  // namespace
}  // namespace qs
