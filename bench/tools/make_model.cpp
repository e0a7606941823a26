// qs-make-model: writes a Llama-shaped sharded safetensors model filled with
// N(0, 0.02) weights (bf16 or f16), for whole-model benchmarks that must touch
// real bytes (scripts/bench-quant-all.sh). Unlike bench_scale's sparse files,
// every byte is written, so a 7B model is 13.5 GB on disk.
//   qs-make-model OUT_DIR [--layers 32] [--hidden 4096] [--ffn 11008] [--vocab 32000]
//                 [--shards 3] [--dtype bf16|f16]
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    uint64_t numel() const {
        uint64_t n = 1;
        for (auto d : shape) n *= uint64_t(d);
        return n;
    }
};

uint16_t to_half_bits(float f, bool bf16) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if (bf16) return uint16_t((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);  // round to nearest even
    // |f| is well inside half's normal range here (N(0, 0.02), tiny values flush to 0)
    const uint32_t sign = (u >> 16) & 0x8000u;
    const int e = int((u >> 23) & 0xFF) - 127 + 15;
    uint32_t m = (u >> 13) & 0x3FFu;
    if ((u >> 12) & 1u) ++m;
    return e <= 0 ? uint16_t(sign) : uint16_t(uint16_t(sign | (uint32_t(e) << 10)) + uint16_t(m));
}

int usage() {
    std::fprintf(stderr,
                 "usage: qs-make-model OUT_DIR [--layers N] [--hidden N] [--ffn N] [--vocab N] [--shards N] "
                 "[--dtype bf16|f16]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::filesystem::path out = argv[1];
    int64_t layers = 32, hidden = 4096, ffn = 11008, vocab = 32000, shards = 3;
    std::string dtype = "bf16";
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--dtype") {
            dtype = v;
            continue;
        }
        const int64_t n = std::atoll(v.c_str());
        if (n <= 0) return usage();
        if (k == "--layers") layers = n;
        else if (k == "--hidden") hidden = n;
        else if (k == "--ffn") ffn = n;
        else if (k == "--vocab") vocab = n;
        else if (k == "--shards") shards = n;
        else return usage();
    }
    if (dtype != "bf16" && dtype != "f16") return usage();
    const bool bf16 = dtype == "bf16";

    std::vector<Tensor> tensors{{"model.embed_tokens.weight", {vocab, hidden}}};
    for (int64_t l = 0; l < layers; ++l) {
        const std::string p = fmt::format("model.layers.{}.", l);
        for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
            tensors.push_back({p + n + ".weight", {hidden, hidden}});
        tensors.push_back({p + "mlp.gate_proj.weight", {ffn, hidden}});
        tensors.push_back({p + "mlp.up_proj.weight", {ffn, hidden}});
        tensors.push_back({p + "mlp.down_proj.weight", {hidden, ffn}});
        tensors.push_back({p + "input_layernorm.weight", {hidden}});
        tensors.push_back({p + "post_attention_layernorm.weight", {hidden}});
    }
    tensors.push_back({"model.norm.weight", {hidden}});
    tensors.push_back({"lm_head.weight", {vocab, hidden}});

    uint64_t total = 0;
    for (const auto& t : tensors) total += t.numel();
    // One 16M-value block of N(0, 0.02), read from a rotating start so tensors differ.
    std::vector<uint16_t> block(size_t(1) << 24);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (auto& b : block) b = to_half_bits(normal(rng), bf16);

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    nlohmann::ordered_json weight_map;
    const uint64_t per_shard = (total + uint64_t(shards) - 1) / uint64_t(shards);
    size_t next = 0;
    uint64_t rotate = 0;
    for (int64_t s = 0; s < shards && next < tensors.size(); ++s) {
        const std::string file = fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, shards);
        nlohmann::ordered_json header;
        header["__metadata__"] = {{"format", "pt"}, {"generator", "qs-make-model"}};
        uint64_t off = 0, in_shard = 0;
        const size_t first = next;
        while (next < tensors.size() && (in_shard < per_shard || s == shards - 1)) {
            const auto& t = tensors[next++];
            const uint64_t nb = 2 * t.numel();
            header[t.name] = {{"dtype", bf16 ? "BF16" : "F16"}, {"shape", t.shape}, {"data_offsets", {off, off + nb}}};
            weight_map[t.name] = file;
            off += nb;
            in_shard += t.numel();
        }
        std::string text = header.dump();
        text.append((8 - text.size() % 8) % 8, ' ');
        std::ofstream f(out / file, std::ios::binary);
        const uint64_t n = text.size();
        f.write(reinterpret_cast<const char*>(&n), 8);
        f.write(text.data(), std::streamsize(text.size()));
        for (size_t i = first; i < next; ++i) {
            for (uint64_t left = tensors[i].numel(); left > 0;) {
                const uint64_t start = rotate % block.size();
                const uint64_t chunk = std::min<uint64_t>(left, block.size() - start);
                f.write(reinterpret_cast<const char*>(block.data() + start), std::streamsize(2 * chunk));
                left -= chunk;
                rotate += chunk + 4099;  // a prime stride: consecutive tensors start elsewhere
            }
        }
        if (!f) {
            std::fprintf(stderr, "qs-make-model: cannot write %s\n", (out / file).c_str());
            return 1;
        }
        std::fprintf(stderr, "wrote %s (%zu tensors, %.2f GB)\n", file.c_str(), next - first,
                     double(8 + n + off) / 1e9);
    }
    nlohmann::ordered_json index = {{"metadata", {{"total_size", 2 * total}}}, {"weight_map", weight_map}};
    std::ofstream(out / "model.safetensors.index.json") << index.dump(2) << "\n";
    std::printf("%llu parameters in %zu tensors, %lld shards, %s, in %s\n", (unsigned long long)total,
                tensors.size(), (long long)shards, dtype.c_str(), out.c_str());
    return 0;
}
