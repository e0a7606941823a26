// Fast 1-D k-means (kmeans_fast.hpp).
#include "core/quant/kmeans_fast.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace qs::quant {
namespace {

// Order-preserving map float -> uint32: flip all bits of negatives, the sign bit of the rest.
inline uint32_t key_of(float f) {
    const uint32_t u = std::bit_cast<uint32_t>(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace

void radix_sort_floats(std::vector<float>& v, std::vector<float>& tmp) {
    const size_t n = v.size();
    if (n < 2048) {
        std::sort(v.begin(), v.end(), [](float a, float b) { return key_of(a) < key_of(b); });
        return;
    }
    tmp.resize(n);
    constexpr int kBits = 11, kBuckets = 1 << kBits;
    std::vector<uint32_t> count(3 * kBuckets, 0);
    for (float f : v) {  // all three digit histograms in one pass
        const uint32_t k = key_of(f);
        ++count[k & (kBuckets - 1)];
        ++count[kBuckets + ((k >> kBits) & (kBuckets - 1))];
        ++count[2 * kBuckets + (k >> (2 * kBits))];
    }
    float* src = v.data();
    float* dst = tmp.data();
    for (int pass = 0; pass < 3; ++pass) {
        uint32_t* c = count.data() + pass * kBuckets;
        uint32_t sum = 0;
        for (int i = 0; i < kBuckets; ++i) {
            const uint32_t t = c[i];
            c[i] = sum;
            sum += t;
        }
        const int shift = pass * kBits;
        for (size_t i = 0; i < n; ++i) {
            const uint32_t d = (key_of(src[i]) >> shift) & (kBuckets - 1);
            dst[c[d]++] = src[i];
        }
        std::swap(src, dst);
    }
    if (src != v.data()) std::memcpy(v.data(), src, n * sizeof(float));
}

std::vector<double> kmeans_1d_fast(std::span<const float> values, int k, int max_iters, std::vector<float>& v,
                                   std::vector<float>& tmp, std::vector<double>& prefix) {
    std::vector<double> c(size_t(k), 0.0);
    if (values.empty()) return c;
    v.assign(values.begin(), values.end());
    radix_sort_floats(v, tmp);
    const size_t n = v.size();
    prefix.resize(n + 1);
    prefix[0] = 0.0;
    for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + double(v[i]);

    const double lo = v.front() + 0.0, hi = v.back() + 0.0;  // + 0.0: -0 -> +0
    for (int i = 0; i < k; ++i) c[size_t(i)] = k == 1 ? lo : lo + (hi - lo) * i / (k - 1);

    std::vector<size_t> start(size_t(k) + 1, 0), prev;
    for (int it = 0; it < max_iters; ++it) {
        // cluster j = (t[j-1], t[j]]: its start is the first value above t[j-1]
        size_t pos = 0;
        for (int j = 0; j < k; ++j) {
            start[size_t(j)] = pos;
            if (j + 1 < k) {
                const double t = 0.5 * (c[size_t(j)] + c[size_t(j) + 1]);
                pos = size_t(std::partition_point(v.begin() + int64_t(pos), v.end(),
                                                  [t](float x) { return double(x) <= t; }) -
                             v.begin());
            } else {
                pos = n;
            }
        }
        start[size_t(k)] = n;
        if (start == prev) break;
        prev = start;
        for (int j = 0; j < k; ++j) {
            const size_t a = start[size_t(j)], b = start[size_t(j) + 1];
            if (b > a) c[size_t(j)] = (prefix[b] - prefix[a]) / double(b - a);
        }
    }
    return c;
}

}  // namespace qs::quant
