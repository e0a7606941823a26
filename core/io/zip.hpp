// Minimal ZIP central-directory reader (to be written): member names, methods,
// sizes and data offsets, so STORED members can be memory-mapped in place.
#pragma once

#include <filesystem>
#include <string_view>

namespace qs::io {

// True when the archive has a member whose name ends with `suffix`.
bool zip_has_member_suffix(const std::filesystem::path& path, std::string_view suffix);

}  // namespace qs::io
