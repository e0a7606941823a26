// A minimal parallel loop for core/nn: indices handed out from an atomic
// counter to a few std::threads (the caller's thread works too). Results must
// be written per index and reduced by the caller in index order, which keeps
// every sum independent of the thread count (bit-for-bit reproducible).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace qs::nn {

inline int resolve_threads(int threads) {
    if (threads > 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? int(std::min(hw, 16u)) : 1;
}

// Calls fn(i) once for each i in [0, count). fn must not throw.
template <class Fn>
void parallel_for(size_t count, int threads, Fn&& fn) {
    const size_t nt = std::min<size_t>(size_t(resolve_threads(threads)), count);
    if (nt <= 1) {
        for (size_t i = 0; i < count; ++i) fn(i);
        return;
    }
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) fn(i);
    };
    std::vector<std::thread> pool;
    pool.reserve(nt - 1);
    for (size_t t = 1; t < nt; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
}

}  // namespace qs::nn
