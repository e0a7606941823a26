// Reads a small text file (JSON plans, traces, cost tables) whole, refusing
// files above a size cap before allocating, so a wrong path to a multi-GB
// model gives a message instead of an allocation.
#pragma once
#include "core/util/result.hpp"
#include <cstdint>
#include <filesystem>
#include <string>

namespace qs {

inline constexpr uint64_t kDefaultTextCap = uint64_t(256) << 20;  // 256 MiB

Result<std::string> read_text_file(const std::filesystem::path& path, uint64_t cap = kDefaultTextCap);

}  // namespace qs
