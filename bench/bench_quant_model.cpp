// Whole-model throughput of `quantscope-cli quant FILE --all`: a generated
// ~1.07B-parameter F16 safetensors file shaped like a 16-layer 2048-wide
// Llama (2.0 GiB on disk, written once to the temp dir and removed at exit),
// then for every tensor what the CLI does: decode to float32 into a reused
// buffer and quantize() with a reused Workspace. Reports tensors/s and
// parameters/s for int4 group-128 (the heaviest common spec) and fp8 e4m3.
#include "core/io/decode.hpp"
#include "core/io/open_model.hpp"
#include "core/quant/quantize.hpp"
#include "core/quant/workspace.hpp"

#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace {

struct GeneratedModel {
    std::filesystem::path path;
    uint64_t params = 0;
    size_t tensors = 0;
    bool ok = false;

    GeneratedModel() {
        path = std::filesystem::temp_directory_path() / fmt::format("qs-bench-1b-{}.safetensors", ::getpid());
        nlohmann::ordered_json h;
        uint64_t off = 0;
        std::vector<uint64_t> sizes;
        auto add = [&](const std::string& name, std::vector<int64_t> shape) {
            uint64_t n = 1;
            for (auto d : shape) n *= uint64_t(d);
            h[name] = {{"dtype", "F16"}, {"shape", shape}, {"data_offsets", {off, off + 2 * n}}};
            off += 2 * n;
            params += n;
            sizes.push_back(n);
            ++tensors;
        };
        for (int l = 0; l < 16; ++l) {
            const std::string p = fmt::format("model.layers.{}.", l);
            for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
                add(p + n + ".weight", {2048, 2048});
            add(p + "mlp.gate_proj.weight", {8192, 2048});
            add(p + "mlp.up_proj.weight", {8192, 2048});
            add(p + "mlp.down_proj.weight", {2048, 8192});
            add(p + "input_layernorm.weight", {2048});
            add(p + "post_attention_layernorm.weight", {2048});
        }
        add("model.embed_tokens.weight", {32000, 2048});
        std::string text = h.dump();
        text.append((8 - text.size() % 8) % 8, ' ');
        // one 16M-value block of N(0, 0.02) halves, repeated: generation stays cheap
        std::vector<uint16_t> block(size_t(1) << 24);
        std::mt19937 rng(1);
        std::normal_distribution<float> normal(0.0f, 0.02f);
        for (auto& b : block) {
            const float f = normal(rng);
            uint32_t u;
            std::memcpy(&u, &f, 4);
            // float -> half for |f| well inside the normal half range (round to nearest)
            const uint32_t sign = (u >> 16) & 0x8000u;
            const int e = int((u >> 23) & 0xFF) - 127 + 15;
            uint32_t m = (u >> 13) & 0x3FFu;
            if ((u >> 12) & 1u) ++m;
            b = e <= 0 ? uint16_t(sign) : uint16_t(sign | (uint32_t(e) << 10)) + uint16_t(m);
        }
        std::ofstream f(path, std::ios::binary);
        const uint64_t n = text.size();
        f.write(reinterpret_cast<const char*>(&n), 8);
        f.write(text.data(), std::streamsize(text.size()));
        for (uint64_t left = off; left > 0;) {
            const uint64_t chunk = std::min<uint64_t>(left, block.size() * 2);
            f.write(reinterpret_cast<const char*>(block.data()), std::streamsize(chunk));
            left -= chunk;
        }
        ok = bool(f);
    }
    ~GeneratedModel() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

GeneratedModel& model() {
    static GeneratedModel m;  // generated on first use only (2 GiB)
    return m;
}

void BM_QuantAll(benchmark::State& state) {
    GeneratedModel& gm = model();
    if (!gm.ok) {
        state.SkipWithError("could not write the generated model");
        return;
    }
    const char* text = state.range(0) == 0 ? "int4:group=128" : "fp8_e4m3";
    const auto spec = *qs::quant::parse_spec_text(text);
    auto m = qs::io::open_model(gm.path);
    if (!m) {
        state.SkipWithError(m.message().c_str());
        return;
    }
    std::vector<float> buf;
    qs::quant::Workspace ws;
    qs::quant::QuantOptions o;
    o.workspace = &ws;
    double seconds = 0.0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < m->tensors.size(); ++i) {
            const auto& info = m->tensors[i];
            buf.resize(info.numel());
            if (!qs::io::decode_tensor(*m, i, buf)) {
                state.SkipWithError("decode failed");
                return;
            }
            auto r = qs::quant::quantize({buf, info.shape, info.name}, spec, o);
            benchmark::DoNotOptimize(r);
        }
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(seconds);
    }
    state.counters["tensors"] = double(gm.tensors);
    state.counters["Gparams"] = double(gm.params) / 1e9;
    state.counters["tensors_per_s"] = double(gm.tensors) / seconds;
    state.counters["Gparams_per_s"] = double(gm.params) / 1e9 / seconds;
    state.SetLabel(text);
}
BENCHMARK(BM_QuantAll)->Arg(0)->Arg(1)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
