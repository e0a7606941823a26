#include "core/util/atomic_write.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <string>
#include <unistd.h>

namespace qs {

Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
    const std::string target = path.string();
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    std::string tmpl = (dir / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return make_error("{}: cannot create temporary file: {}", target, std::strerror(errno));
    auto fail = [&](const char* what) -> Status {
        int e = errno;
        ::close(fd);
        ::unlink(tmpl.c_str());
        return make_error("{}: {}: {}", target, what, std::strerror(e));
    };
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write failed");
        }
        off += static_cast<size_t>(n);
    }
    if (::fchmod(fd, 0644) != 0) return fail("chmod failed");
    if (::fsync(fd) != 0) return fail("fsync failed");
    if (::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        return make_error("{}: close failed: {}", target, std::strerror(errno));
    }
    if (::rename(tmpl.c_str(), target.c_str()) != 0) {
        int e = errno;
        ::unlink(tmpl.c_str());
        return make_error("{}: rename failed: {}", target, std::strerror(e));
    }
    return {};
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view text) {
    return write_file_atomic(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace qs
