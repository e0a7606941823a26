// Overflow-checked arithmetic for sizes read from untrusted files.
// Every product of dimensions, every offset + length goes through these.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace qs {

inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

// Product of dimensions; nullopt on a negative dimension or on overflow.
inline std::optional<uint64_t> checked_numel(std::span<const int64_t> shape) {
    uint64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) return std::nullopt;
        auto m = checked_mul(n, static_cast<uint64_t>(d));
        if (!m) return std::nullopt;
        n = *m;
    }
    return n;
}

// True when [offset, offset + length) lies inside [0, size).
inline bool range_fits(uint64_t offset, uint64_t length, uint64_t size) {
    return offset <= size && length <= size - offset;
}

}  // namespace qs
