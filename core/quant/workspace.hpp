// Workspace: what repeated quantize() calls on the same worker reuse. Writing
// into fresh memory costs ~11 us per 4 KiB page on this kind of VM (page faults
// dominate a fused pass, docs/performance.md), so scratch buffers live here and
// grow but never shrink; and the spec-independent facts about a tensor (finite
// min/max, NaN/Inf count, the original-value histogram) are cached by the
// caller's QuantOptions::tensor_key, so moving a slider re-reads the tensor once.
// One Workspace per worker thread: it is not thread-safe. Owned by the caller
// (no global state).
#pragma once

#include "core/quant/params.hpp"

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

namespace qs::quant {

struct TensorStats {
    uint64_t key = 0;
    uint64_t numel = 0;
    const float* data = nullptr;  // identity check besides the key
    double min = 0.0, max = 0.0;  // over finite values (0, 0 when none)
    uint64_t nonfinite = 0;
    // original-value histogram for (bins, lo, hi); empty until computed
    uint32_t hist_bins = 0;
    double hist_lo = 0.0, hist_hi = 0.0;
    std::vector<uint64_t> hist_counts;
    uint64_t hist_below = 0, hist_above = 0;
};

// One worker thread's accumulators inside a pass (histogram tables with a below
// and an above slot, code counts, per-group sums and min/max) and its gather
// buffers; kept here so a repeated pass writes into pages it already owns.
struct ThreadScratch {
    std::vector<uint64_t> err, orig, deq;   // bins + 2 slots each
    std::vector<uint64_t> codes;            // the spec's code space
    std::vector<uint64_t> seg_codes;        // one segment's code counts
    std::vector<double> group_se;           // per group: sum of squared errors
    std::vector<uint64_t> group_n;          // per group: finite elements
    std::vector<float> group_min, group_max;
    std::vector<float> gather, sort_buf, sort_tmp, calib;
    std::vector<double> prefix;
};

class Workspace {
public:
    Workspace() = default;
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    // Cached stats for (key, data, numel), or nullptr. key 0 never caches.
    TensorStats* find_stats(uint64_t key, const float* data, uint64_t numel);
    TensorStats& put_stats(TensorStats s);  // keeps the most recent few
    void clear();

    // Scratch storage reused across calls (grown on demand).
    std::vector<float> gather;      // a group's values (calibration, k-means)
    std::vector<float> sort_buf;    // k-means radix sort
    std::vector<float> sort_tmp;
    std::vector<double> prefix;     // k-means prefix sums
    std::vector<uint8_t> bytes;     // per-thread tables etc.
    std::vector<uint8_t> mask;      // 1 = element not quantized (NaN/Inf or outlier)
    std::vector<GroupParams> params;  // per group
    std::vector<float> group_min, group_max;
    std::vector<double> group_se;
    std::vector<uint64_t> group_n;
    std::vector<ThreadScratch> threads;

private:
    std::list<TensorStats> stats_;  // front = most recent
};

}  // namespace qs::quant
