// Scale: a 70B-parameter model (Llama-2-70B shapes: 80 layers, hidden 8192, GQA
// k/v 1024, MLP 28672, vocab 32000) as 8 sparse bf16 safetensors shards plus
// model.safetensors.index.json, generated in a temp folder (about 129 GiB of
// apparent size, no data blocks). Times open + the `info`-style listing of
// every tensor, and the resident memory that adds. Not a CI test: `make bench`.
#include "core/io/model_index.hpp"
#include "core/io/open_model.hpp"
#include "core/io/summary.hpp"

#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

long rss_kib_now() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

struct Sharded70B {
    static constexpr int kShards = 8;
    std::filesystem::path dir;
    uint64_t bytes = 0, params = 0;
    size_t tensors = 0;

    Sharded70B() {
        dir = std::filesystem::temp_directory_path() / fmt::format("qs-bench-70b-{}", ::getpid());
        std::filesystem::create_directories(dir);
        struct T {
            std::string name;
            std::vector<int64_t> shape;
        };
        std::vector<T> all;
        all.push_back({"model.embed_tokens.weight", {32000, 8192}});
        for (int l = 0; l < 80; ++l) {
            const std::string p = fmt::format("model.layers.{}.", l);
            all.push_back({p + "self_attn.q_proj.weight", {8192, 8192}});
            all.push_back({p + "self_attn.k_proj.weight", {1024, 8192}});
            all.push_back({p + "self_attn.v_proj.weight", {1024, 8192}});
            all.push_back({p + "self_attn.o_proj.weight", {8192, 8192}});
            all.push_back({p + "mlp.gate_proj.weight", {28672, 8192}});
            all.push_back({p + "mlp.up_proj.weight", {28672, 8192}});
            all.push_back({p + "mlp.down_proj.weight", {8192, 28672}});
            all.push_back({p + "input_layernorm.weight", {8192}});
            all.push_back({p + "post_attention_layernorm.weight", {8192}});
        }
        all.push_back({"model.norm.weight", {8192}});
        all.push_back({"lm_head.weight", {32000, 8192}});
        tensors = all.size();

        nlohmann::ordered_json index;
        index["metadata"] = nlohmann::ordered_json::object();
        auto& weight_map = index["weight_map"];
        const size_t per_shard = (all.size() + kShards - 1) / kShards;
        uint64_t total = 0;
        for (int s = 0; s < kShards; ++s) {
            const std::string shard = fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, kShards);
            nlohmann::ordered_json h;
            h["__metadata__"] = {{"format", "pt"}};
            uint64_t off = 0;
            for (size_t i = size_t(s) * per_shard; i < std::min(all.size(), size_t(s + 1) * per_shard); ++i) {
                uint64_t n = 1;
                for (auto d : all[i].shape) n *= uint64_t(d);
                params += n;
                h[all[i].name] = {{"dtype", "BF16"}, {"shape", all[i].shape}, {"data_offsets", {off, off + 2 * n}}};
                off += 2 * n;
                weight_map[all[i].name] = shard;
            }
            std::string text = h.dump();
            text.append((8 - text.size() % 8) % 8, ' ');
            const auto path = dir / shard;
            {
                std::ofstream f(path, std::ios::binary);
                const uint64_t n = text.size();
                f.write(reinterpret_cast<const char*>(&n), 8);
                f.write(text.data(), std::streamsize(text.size()));
            }
            std::filesystem::resize_file(path, 8 + text.size() + off);  // sparse: no blocks written
            bytes += 8 + text.size() + off;
            total += off;
        }
        index["metadata"]["total_size"] = total;
        std::ofstream(dir / "model.safetensors.index.json") << index.dump(1);
    }
    ~Sharded70B() { std::filesystem::remove_all(dir); }
};

// What `quantscope-cli info` computes for its listing: every tensor's row, and the totals.
uint64_t list(const qs::io::ModelIndex& m) {
    uint64_t n = 0;
    for (const auto& t : m.tensors) n += qs::io::shape_string(t.shape).size() + qs::io::stored_bytes(t) + t.name.size();
    n += qs::io::totals_by_dtype(m).size() + qs::io::totals_by_kind(m).size() + m.total_params();
    return n;
}

void BM_Open70BSharded(benchmark::State& state) {
    static Sharded70B model;  // built once
    const long before = rss_kib_now();
    long peak = 0;
    uint64_t params = 0;
    for (auto _ : state) {
        auto m = qs::io::open_model(model.dir / "model.safetensors.index.json");
        if (!m) {
            state.SkipWithError(m.message().c_str());
            break;
        }
        benchmark::DoNotOptimize(list(*m));
        params = m->total_params();
        peak = std::max(peak, rss_kib_now() - before);
    }
    state.counters["params_B"] = double(params) / 1e9;
    state.counters["file_GiB"] = double(model.bytes) / double(1ull << 30);
    state.counters["tensors"] = double(model.tensors);
    state.counters["shards"] = Sharded70B::kShards;
    state.counters["rss_delta_MiB"] = double(peak) / 1024.0;
    state.counters["rss_total_MiB"] = double(rss_kib_now()) / 1024.0;
}
BENCHMARK(BM_Open70BSharded)->Unit(benchmark::kMillisecond);

}  // namespace
