// Limits applied to untrusted model files, named so messages and tests agree.
#pragma once

#include <cstdint>

namespace qs::io::limits {

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;  // bytes, as the reference reader
inline constexpr int kMaxDims = 8;                               // tensor rank
inline constexpr uint64_t kMaxTensors = 10'000'000;              // per file
inline constexpr uint64_t kMaxNameBytes = 65'536;                // tensor / key names
inline constexpr uint64_t kMaxShards = 100'000;
inline constexpr uint64_t kMaxZipMembers = 10'000'000;           // a central directory entry is >= 46 bytes anyway
inline constexpr uint64_t kMaxNpyHeader = 1 << 20;               // bytes; NumPy itself refuses > 10,000 by default
inline constexpr uint64_t kMaxPickleBytes = 256ull << 20;        // a torch data.pkl (~100 bytes per tensor)
inline constexpr uint64_t kMaxPickleValues = 8ull << 20;         // objects built by one pickle
inline constexpr uint64_t kMaxPickleStack = 1 << 20;             // values on the pickle VM stack
inline constexpr uint64_t kMaxPickleMarks = 1000;                // nested MARKs
inline constexpr int kMaxNesting = 64;
// Default cap on one decoded (float32) tensor: 8 GiB = 2^31 values, twice the
// largest tensor of a 70B model (a 128256 x 8192 embedding); configurable per use.
inline constexpr uint64_t kDefaultMaxDecodeBytes = 8ull << 30;                           // nested containers walked (pickled dicts/lists)

}  // namespace qs::io::limits
