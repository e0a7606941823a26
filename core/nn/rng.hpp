// The random numbers of core/nn (initialisation, data shuffles, the digits
// split, Rademacher probes): SplitMix64 (Steele, Lea, Flood, OOPSLA 2014) with
// our own bounded and normal draws. std::shuffle and std::*_distribution are
// implementation-defined, so using them would give a different model per libc++.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

namespace qs::nn {

class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next_u64() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n), n > 0, without modulo bias (rejection).
    uint64_t below(uint64_t n) {
        const uint64_t limit = (~uint64_t(0)) - (~uint64_t(0)) % n;  // largest multiple of n
        uint64_t r;
        do r = next_u64(); while (r >= limit);
        return r % n;
    }
    // Standard normal by Box-Muller (one draw per call; no cached pair, so the
    // stream depends only on the number of calls).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    // +1 or -1 with equal probability.
    double rademacher() { return (next_u64() >> 63) ? 1.0 : -1.0; }

    // A different, reproducible stream derived from this seed and a tag (so
    // e.g. initialisation and shuffling never share draws).
    static Rng derived(uint64_t seed, uint64_t tag) {
        Rng r(seed ^ (tag * 0xD1B54A32D192ED03ull));
        r.next_u64();
        return r;
    }

private:
    uint64_t state_;
};

// Fisher-Yates shuffle of [first, first + n) with our generator.
template <class It>
void shuffle(It first, uint64_t n, Rng& rng) {
    for (uint64_t i = n; i > 1; --i) {
        const uint64_t j = rng.below(i);
        using std::swap;
        swap(first[i - 1], first[j]);
    }
}

}  // namespace qs::nn
