// Planning 10,000 layers x 8 candidates: the exact solver and the greedy.
#include "core/plan/planner.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

namespace {

qs::plan::Problem big_problem(size_t n, size_t m, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    qs::plan::Problem p;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; ++i) {
        qs::plan::Layer l;
        l.name = "layer" + std::to_string(i);
        const double params = double(1 + int(u(rng) * 64)) * 4096.0;
        const double sens = std::exp(6 * u(rng));
        for (size_t j = 0; j < m; ++j) {
            const double bpw = 2.0 + 1.0 * double(j) + 0.125;
            l.candidates.push_back({"c" + std::to_string(j), params * bpw, sens * std::pow(4.0, -bpw) * (0.7 + 0.6 * u(rng))});
        }
        lo += l.candidates.front().bits;
        hi += l.candidates.back().bits;
        p.layers.push_back(std::move(l));
    }
    p.budget_bits = lo + 0.35 * (hi - lo);
    return p;
}

void BM_PlanExact(benchmark::State& state) {
    const auto p = big_problem(size_t(state.range(0)), 8, 1);
    bool optimal = false;
    for (auto _ : state) {
        auto r = qs::plan::solve_exact(p);
        optimal = r.ok() && r->optimal;
        benchmark::DoNotOptimize(r);
    }
    state.counters["optimal"] = optimal;
}
BENCHMARK(BM_PlanExact)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_PlanGreedy(benchmark::State& state) {
    const auto p = big_problem(size_t(state.range(0)), 8, 1);
    for (auto _ : state) benchmark::DoNotOptimize(qs::plan::solve_greedy(p));
}
BENCHMARK(BM_PlanGreedy)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParetoFrontier(benchmark::State& state) {
    const auto p = big_problem(size_t(state.range(0)), 8, 1);
    for (auto _ : state) benchmark::DoNotOptimize(qs::plan::pareto_frontier(p));
}
BENCHMARK(BM_ParetoFrontier)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
