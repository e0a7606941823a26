// Opening a multi-GB safetensors model must take milliseconds and keep
// resident memory small: the reader maps the file and parses only the header.
// The file is generated sparse (no disk blocks for the tensor bytes), shaped
// like a 7B-parameter F16 checkpoint: 32 layers x 9 tensors + embeddings.
#include "core/io/open_model.hpp"
#include "core/io/decode.hpp"

#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

namespace {

long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

struct SparseModel {
    std::filesystem::path path;
    uint64_t bytes = 0;
    size_t tensors = 0;
    SparseModel() {
        path = std::filesystem::temp_directory_path() / fmt::format("qs-bench-sparse-{}.safetensors", ::getpid());
        nlohmann::ordered_json h;
        h["__metadata__"] = {{"format", "pt"}};
        uint64_t off = 0;
        auto add = [&](const std::string& name, std::vector<int64_t> shape) {
            uint64_t n = 2;
            for (auto d : shape) n *= uint64_t(d);
            h[name] = {{"dtype", "F16"}, {"shape", shape}, {"data_offsets", {off, off + n}}};
            off += n;
            ++tensors;
        };
        add("model.embed_tokens.weight", {32000, 4096});
        for (int l = 0; l < 32; ++l) {
            const std::string p = fmt::format("model.layers.{}.", l);
            for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
                add(p + n + ".weight", {4096, 4096});
            add(p + "mlp.gate_proj.weight", {11008, 4096});
            add(p + "mlp.up_proj.weight", {11008, 4096});
            add(p + "mlp.down_proj.weight", {4096, 11008});
            add(p + "input_layernorm.weight", {4096});
            add(p + "post_attention_layernorm.weight", {4096});
        }
        add("lm_head.weight", {32000, 4096});
        std::string text = h.dump();
        text.append((8 - text.size() % 8) % 8, ' ');
        std::ofstream f(path, std::ios::binary);
        const uint64_t n = text.size();
        f.write(reinterpret_cast<const char*>(&n), 8);
        f.write(text.data(), std::streamsize(text.size()));
        f.close();
        bytes = 8 + n + off;
        std::filesystem::resize_file(path, bytes);  // sparse: no blocks written
    }
    ~SparseModel() { std::filesystem::remove(path); }
};

void BM_OpenSparseSafetensors(benchmark::State& state) {
    static SparseModel model;  // built once for all iterations
    const long before = rss_kib();
    long peak_delta = 0;
    for (auto _ : state) {
        auto m = qs::io::open_model(model.path);
        if (!m) state.SkipWithError(m.message().c_str());
        benchmark::DoNotOptimize(m);
        peak_delta = std::max(peak_delta, rss_kib() - before);
    }
    state.counters["file_GiB"] = double(model.bytes) / double(1ull << 30);
    state.counters["tensors"] = double(model.tensors);
    state.counters["rss_delta_MiB"] = double(peak_delta) / 1024.0;
}
BENCHMARK(BM_OpenSparseSafetensors)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
