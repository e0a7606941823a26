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

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& path) {
    AtomicFile f;
    f.target_ = path.string();
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    f.tmp_ = (dir / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
    f.fd_ = ::mkstemp(f.tmp_.data());
    if (f.fd_ < 0) return make_error("{}: cannot create temporary file: {}", f.target_, std::strerror(errno));
    return f;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : target_(std::move(o.target_)), tmp_(std::move(o.tmp_)), fd_(o.fd_), size_(o.size_) {
    o.fd_ = -1;
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        abort();
        target_ = std::move(o.target_);
        tmp_ = std::move(o.tmp_);
        fd_ = o.fd_;
        size_ = o.size_;
        o.fd_ = -1;
    }
    return *this;
}

AtomicFile::~AtomicFile() { abort(); }

void AtomicFile::abort() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
}

Status AtomicFile::write_at(uint64_t offset, std::span<const uint8_t> bytes) {
    if (fd_ < 0) return make_error("{}: file is closed", target_);
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, off_t(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            abort();
            return make_error("{}: write failed: {}", target_, std::strerror(e));
        }
        done += size_t(n);
    }
    return {};
}

Status AtomicFile::append(std::span<const uint8_t> bytes) {
    QS_TRY(write_at(size_, bytes));
    size_ += bytes.size();
    return {};
}

Status AtomicFile::commit() {
    if (fd_ < 0) return make_error("{}: file is closed", target_);
    auto fail = [&](const char* what) -> Status {
        const int e = errno;
        abort();
        return make_error("{}: {}: {}", target_, what, std::strerror(e));
    };
    if (::fchmod(fd_, 0644) != 0) return fail("chmod failed");
    if (::fsync(fd_) != 0) return fail("fsync failed");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        const int e = errno;
        ::unlink(tmp_.c_str());
        return make_error("{}: close failed: {}", target_, std::strerror(e));
    }
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp_.c_str());
        return make_error("{}: rename failed: {}", target_, std::strerror(e));
    }
    return {};
}

}  // namespace qs
