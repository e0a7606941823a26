#include "core/io/zip.hpp"

namespace qs::io {

bool zip_has_member_suffix(const std::filesystem::path&, std::string_view) { return false; }

}  // namespace qs::io
