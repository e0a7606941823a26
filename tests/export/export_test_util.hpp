// A small llama-shaped model (written at test time with the safetensors writer)
// and a plan over it, shared by the export tests.
#pragma once

#include "core/export/plan_document.hpp"
#include "core/io/safetensors_writer.hpp"
#include "core/quant/spec.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace qs::test {

inline quant::QuantSpec spec(const std::string& text) {
    auto s = quant::parse_spec_text(text);
    if (!s.ok()) throw std::runtime_error(s.message());
    return *s;
}

struct TinyTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::string spec;  // "" = kept
};

inline std::vector<TinyTensor> tiny_layout() {
    return {
        {"model.embed_tokens.weight", {16, 64}, ""},
        {"model.layers.0.input_layernorm.weight", {64}, ""},
        {"model.layers.0.self_attn.q_proj.weight", {8, 64}, "int4:group=32"},
        {"model.layers.0.self_attn.k_proj.weight", {8, 64}, "int8"},
        {"model.layers.0.self_attn.v_proj.weight", {8, 64}, "int8"},
        {"model.layers.0.mlp.down_proj.weight", {8, 64}, "int4:asym:group=32"},
        {"model.layers.1.self_attn.q_proj.weight", {8, 64}, "nf4:group=32"},
        {"model.layers.1.mlp.up_proj.weight", {8, 64}, "int6:asym:tensor"},
        {"model.layers.10.self_attn.o_proj.weight", {8, 48}, "int3:group=16:top=0.05"},
        {"model.layers.10.mlp.gate_proj.weight", {8, 64}, "mxfp4"},
        {"model.norm.weight", {64}, ""},
        {"lm_head.weight", {16, 64}, "fp8_e4m3:tensor"},
    };
}

// Deterministic, heavy-tailed values with one NaN, so outliers and pass-through show up.
inline std::vector<float> tiny_values(size_t seed, size_t n) {
    std::vector<float> v(n);
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; i < n; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const double u = double(x >> 11) / double(1ull << 53) - 0.5;
        v[i] = float(u * (1.0 + 6.0 * u * u * u * u));
    }
    if (n > 5 && seed % 3 == 2) v[5] = NAN;
    return v;
}

inline void write_tiny_model(const std::filesystem::path& path) {
    const auto layout = tiny_layout();
    std::vector<std::vector<float>> data;
    std::vector<io::TensorToWrite> ts;
    for (size_t i = 0; i < layout.size(); ++i) {
        size_t n = 1;
        for (auto d : layout[i].shape) n *= size_t(d);
        data.push_back(tiny_values(i, n));
    }
    for (size_t i = 0; i < layout.size(); ++i) ts.push_back(io::f32_tensor(layout[i].name, layout[i].shape, data[i]));
    auto st = io::write_safetensors(path, ts);
    if (!st.ok()) throw std::runtime_error(st.message());
}

inline exporter::PlanDocument tiny_plan(const std::string& model = "tiny.safetensors") {
    exporter::PlanDocument p;
    p.model = model;
    p.sensitivity_source = "data-free";
    p.budget_bpw = 4.5;
    p.candidates = {"int4:g32", "int8", "nf4"};
    p.optimal = true;
    double cost = 0.1;
    for (const auto& t : tiny_layout()) {
        exporter::PlannedTensor pt;
        pt.name = t.name;
        pt.shape = t.shape;
        pt.source_dtype = "F32";
        pt.quantized = !t.spec.empty();
        if (pt.quantized) {
            pt.spec = spec(t.spec);
            pt.label = t.spec;
            pt.bits_per_weight = pt.spec.bits + 0.5;
            pt.predicted_cost = cost;
            pt.sensitivity = cost * 3.0;
            pt.mse = cost / 7.0;
            uint64_t n = 1;
            for (auto d : t.shape) n *= uint64_t(d);
            p.quantized_params += n;
            p.quantized_bits += double(n) * pt.bits_per_weight;
            p.total_predicted_cost += cost;
            cost *= 1.7;
        }
        p.tensors.push_back(std::move(pt));
    }
    p.tensors[2].pinned = true;
    p.tensors[3].sqnr_db = INFINITY;
    return p;
}

}  // namespace qs::test
