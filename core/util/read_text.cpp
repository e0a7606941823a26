// Whole-file read with a size check first (see read_text.hpp).
#include "core/util/read_text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace qs {

Result<std::string> read_text_file(const std::filesystem::path& path, uint64_t cap) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return make_error("{}: not a readable file", path.string());
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) return make_error("{}: {}", path.string(), ec.message());
    if (size > cap) return make_error("{}: {} bytes, more than the {} a text file may have here", path.string(), size, cap);
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}: {}", path.string(), std::strerror(errno));
    std::string text(size, '\0');
    in.read(text.data(), std::streamsize(size));
    if (uint64_t(in.gcount()) != size) return make_error("{}: short read", path.string());
    return text;
}

}  // namespace qs
