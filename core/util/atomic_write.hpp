// Atomic file writes: write a temporary file in the target's folder, fsync it,
// then rename over the target. A crash leaves either the old file or the new
// one, never half of one; the user's work is never lost.
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace qs {

Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);
Status write_file_atomic(const std::filesystem::path& path, std::string_view text);

}  // namespace qs
