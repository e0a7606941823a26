// GGUF: opening a 7B-shaped Q4_K file (sparse, header and a 32000-token vocab
// only) must take milliseconds; decoding ggml blocks to float32 is reported
// next to a plain read of the float32 output it produces, in the same run.
#include "core/io/decode.hpp"
#include "core/io/dtype.hpp"
#include "core/io/open_model.hpp"
#include "core/util/half.hpp"

#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace {

void put_u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& b, std::string_view s) { put_u64(b, s.size()); b.append(s); }

struct SparseGguf {
    std::filesystem::path path;
    uint64_t bytes = 0;
    size_t tensors = 0;
    SparseGguf() {
        path = std::filesystem::temp_directory_path() / fmt::format("qs-bench-sparse-{}.gguf", ::getpid());
        struct T {
            std::string name;
            uint64_t ne0, ne1;
            uint32_t type;
        };
        std::vector<T> ts;
        ts.push_back({"token_embd.weight", 4096, 32000, 12});
        for (int l = 0; l < 32; ++l) {
            const std::string p = fmt::format("blk.{}.", l);
            for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output"}) ts.push_back({p + n + ".weight", 4096, 4096, 12});
            ts.push_back({p + "ffn_gate.weight", 4096, 11008, 12});
            ts.push_back({p + "ffn_up.weight", 4096, 11008, 12});
            ts.push_back({p + "ffn_down.weight", 11008, 4096, 14});
            ts.push_back({p + "attn_norm.weight", 4096, 1, 0});
            ts.push_back({p + "ffn_norm.weight", 4096, 1, 0});
        }
        ts.push_back({"output.weight", 4096, 32000, 14});
        tensors = ts.size();
        std::string h = "GGUF";
        put_u32(h, 3);
        put_u64(h, ts.size());
        put_u64(h, 2);
        put_str(h, "general.architecture");
        put_u32(h, 8);
        put_str(h, "llama");
        put_str(h, "tokenizer.ggml.tokens");
        put_u32(h, 9);
        put_u32(h, 8);
        put_u64(h, 32000);
        for (int i = 0; i < 32000; ++i) put_str(h, fmt::format("tok{}", i));
        uint64_t off = 0;
        for (const T& t : ts) {
            put_str(h, t.name);
            put_u32(h, 2);
            put_u64(h, t.ne0);
            put_u64(h, t.ne1);
            put_u32(h, t.type);
            put_u64(h, off);
            const auto& di = qs::io::dtype_info(t.type == 12 ? qs::io::DType::Q4_K
                                                : t.type == 14 ? qs::io::DType::Q6_K
                                                               : qs::io::DType::F32);
            off += (t.ne0 * t.ne1 / di.block_elems * di.block_bytes + 31) / 32 * 32;
        }
        h.append((32 - h.size() % 32) % 32, '\0');
        std::ofstream f(path, std::ios::binary);
        f.write(h.data(), std::streamsize(h.size()));
        f.close();
        bytes = h.size() + off;
        std::filesystem::resize_file(path, bytes);  // sparse: no blocks written
    }
    ~SparseGguf() { std::filesystem::remove(path); }
};

void BM_OpenSparseGguf(benchmark::State& state) {
    static SparseGguf model;
    for (auto _ : state) {
        auto m = qs::io::open_model(model.path);
        if (!m) state.SkipWithError(m.message().c_str());
        benchmark::DoNotOptimize(m);
    }
    state.counters["file_GiB"] = double(model.bytes) / double(1ull << 30);
    state.counters["tensors"] = double(model.tensors);
}
BENCHMARK(BM_OpenSparseGguf)->Unit(benchmark::kMillisecond);

// 4096 x 4096 elements of random blocks whose fp16 fields are valid scales.
constexpr uint64_t kElems = 4096ull * 4096ull;

std::vector<uint8_t> random_blocks(qs::io::DType t) {
    const auto& di = qs::io::dtype_info(t);
    const uint64_t nb = kElems / di.block_elems;
    std::vector<uint8_t> b(nb * di.block_bytes);
    std::mt19937_64 rng(1);
    for (auto& x : b) x = uint8_t(rng());
    const uint16_t scale = qs::float_to_half(0.01f);
    for (uint64_t i = 0; i < nb; ++i)  // every fp16 field position used by these types
        for (uint32_t off : {0u, 2u, di.block_bytes - 2, di.block_bytes - 4})
            if (t != qs::io::DType::MXFP4 && off + 2 <= di.block_bytes)
                std::memcpy(&b[i * di.block_bytes + off], &scale, 2);
    return b;
}

void BM_DecodeGgml(benchmark::State& state) {
    const auto t = static_cast<qs::io::DType>(state.range(0));
    const auto& di = qs::io::dtype_info(t);
    const auto src = random_blocks(t);
    std::vector<float> dst(kElems);  // reused: no page faults inside the loop
    for (auto _ : state) {
        di.decode(src.data(), kElems / di.block_elems, dst.data(), false);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string(di.name));
    state.counters["ns_per_elem"] =
        benchmark::Counter(double(kElems), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DecodeGgml)
    ->Arg(int(qs::io::DType::Q4_0))
    ->Arg(int(qs::io::DType::Q8_0))
    ->Arg(int(qs::io::DType::Q4_K))
    ->Arg(int(qs::io::DType::Q6_K))
    ->Arg(int(qs::io::DType::IQ4_XS))
    ->Arg(int(qs::io::DType::MXFP4))
    ->Unit(benchmark::kMillisecond);

// The baseline: reading the 64 MiB float32 buffer a decode writes.
void BM_ReadDecodedFloats(benchmark::State& state) {
    std::vector<float> buf(kElems, 1.0f);
    for (auto _ : state) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (uint64_t i = 0; i < kElems; i += 4) {
            s0 += buf[i];
            s1 += buf[i + 1];
            s2 += buf[i + 2];
            s3 += buf[i + 3];
        }
        benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
    }
}
BENCHMARK(BM_ReadDecodedFloats)->Unit(benchmark::kMillisecond);

}  // namespace
