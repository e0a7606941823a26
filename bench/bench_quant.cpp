// The quantization core's speed: the fused pass (parameters, quantize, metrics,
// code counts and both value histograms plus the error histogram) on float32
// N(0, 0.02) tensors A = 4096x4096 and B = 4096x14336, reported as a ratio to a
// plain read of the same bytes timed in the same iterations (the VM's bandwidth
// swings between runs) and to the scalar reference. Figures go into
// docs/performance.md. Run: build/bench/quantscope_bench --benchmark_filter=Quant
#include "core/quant/quantize.hpp"
#include "core/quant/reference.hpp"
#include "core/quant/workspace.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <time.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace qs::quant;

struct BenchTensor {
    std::vector<float> data;
    std::vector<int64_t> shape;
};

const BenchTensor& bench_tensor(int which) {
    static std::map<int, std::unique_ptr<BenchTensor>> cache;  // bench-local, built once
    auto& t = cache[which];
    if (!t) {
        t = std::make_unique<BenchTensor>();
        t->shape = {4096, which == 0 ? 4096 : 14336};
        t->data.resize(size_t(t->shape[0] * t->shape[1]));
        std::mt19937 rng(uint32_t(which + 1));
        std::normal_distribution<float> normal(0.0f, 0.02f);
        for (float& v : t->data) v = normal(rng);
    }
    return *t;
}

// A plain read: sum the floats with 4 independent 16-lane accumulators, on as
// many threads as quantize() uses. What any pass over the tensor must pay.
typedef float v16 __attribute__((vector_size(64)));

__attribute__((target("avx2"))) float sum_range(const float* p, size_t n) {
    v16 a{}, b{}, c{}, d{};
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        v16 x, y, z, w;
        __builtin_memcpy(&x, p + i, 64);
        __builtin_memcpy(&y, p + i + 16, 64);
        __builtin_memcpy(&z, p + i + 32, 64);
        __builtin_memcpy(&w, p + i + 48, 64);
        a += x, b += y, c += z, d += w;
    }
    v16 s = (a + b) + (c + d);
    float r = 0.0f;
    for (int k = 0; k < 16; ++k) r += s[k];
    for (; i < n; ++i) r += p[i];
    return r;
}

float plain_read(const std::vector<float>& v, int threads) {
    const size_t n = v.size(), per = (n / size_t(threads) + 63) / 64 * 64;
    std::vector<float> part(size_t(threads), 0.0f);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back([&, t] {
            const size_t b = std::min(n, per * size_t(t)), e = std::min(n, b + per);
            part[size_t(t)] = sum_range(v.data() + b, e - b);
        });
    part[0] = sum_range(v.data(), std::min(n, per));
    for (auto& th : pool) th.join();
    float s = 0.0f;
    for (float p : part) s += p;
    return s;
}

// CPU time of the whole process (all threads): on a VM shared with other jobs the
// wall clock also counts time spent waiting for a core, the CPU time does not.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// args: tensor (0 = A, 1 = B), spec index, with reference (1) or not
const char* const kSpecs[] = {"int4", "int4:group=128", "fp8_e4m3", "nf4", "kmeans4"};

void BM_Quant(benchmark::State& state) {
    const BenchTensor& t = bench_tensor(int(state.range(0)));
    const char* text = kSpecs[state.range(1)];
    const QuantSpec spec = *parse_spec_text(text);
    const TensorView view{t.data, t.shape, "w"};
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()));

    // cold: a fresh Workspace (stats, original histogram and scratch pages are new)
    Workspace ws;
    QuantOptions o;
    o.workspace = &ws;
    o.tensor_key = uint64_t(state.range(0)) + 1;
    auto t0 = Clock::now();
    auto first = quantize(view, spec, o);
    const double cold_ms = ms_since(t0);
    if (!first) {
        state.SkipWithError(first.message().c_str());
        return;
    }
    std::vector<double> fused, read, fused_cpu, read_cpu;
    for (auto _ : state) {
        auto r0 = Clock::now();
        double c0 = cpu_ms();
        benchmark::DoNotOptimize(plain_read(t.data, threads));
        read_cpu.push_back(cpu_ms() - c0);
        read.push_back(ms_since(r0));
        auto f0 = Clock::now();
        c0 = cpu_ms();
        auto r = quantize(view, spec, o);  // warm: the slider case
        fused_cpu.push_back(cpu_ms() - c0);
        const double ms = ms_since(f0);
        benchmark::DoNotOptimize(r);
        fused.push_back(ms);
        state.SetIterationTime(ms / 1000.0);
    }
    const double f = median(fused), rd = median(read);
    state.counters["fused_ms"] = f;
    state.counters["read_ms"] = rd;
    state.counters["x_read"] = f / rd;
    state.counters["fused_cpu_ms"] = median(fused_cpu);
    state.counters["read_cpu_ms"] = median(read_cpu);
    state.counters["x_read_cpu"] = median(fused_cpu) / median(read_cpu);
    state.counters["cold_ms"] = cold_ms;
    if (state.range(2)) {
        auto r0 = Clock::now();
        const double c0 = cpu_ms();
        auto ref = reference::quantize(view, spec, {});
        const double ref_ms = ms_since(r0);
        state.counters["ref_cpu_ms"] = cpu_ms() - c0;
        benchmark::DoNotOptimize(ref);
        state.counters["ref_ms"] = ref_ms;
        state.counters["x_faster_than_ref"] = ref_ms / f;
    }
    state.SetLabel(text);
}

void quant_args(benchmark::internal::Benchmark* b) {
    for (int t = 0; t < 2; ++t)
        for (int s = 0; s < 5; ++s) b->Args({t, s, t == 0});  // the reference on A only (B: minutes)
}
BENCHMARK(BM_Quant)->Apply(quant_args)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace
