// Limits applied to untrusted model files, named so messages and tests agree.
#pragma once

#include <cstdint>

namespace qs::io::limits {

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;  // bytes, as the reference reader
inline constexpr int kMaxDims = 8;                               // tensor rank
inline constexpr uint64_t kMaxTensors = 10'000'000;              // per file
inline constexpr uint64_t kMaxNameBytes = 65'536;                // tensor / key names
inline constexpr uint64_t kMaxShards = 100'000;

}  // namespace qs::io::limits
