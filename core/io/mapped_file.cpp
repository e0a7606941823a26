// mmap of a model file (read-only, private), the in-memory alternative, and the
// "did the file change under us" check made before each tensor is decoded.
#include "core/io/mapped_file.hpp"


#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs::io {
namespace {

int64_t mtime_ns(const struct stat& st) { return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec; }

}  // namespace

Result<FilePtr> MappedFile::open(const std::filesystem::path& path) {
    const std::string p = path.string();
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error("{}: cannot open: {}", p, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return make_error("{}: cannot stat: {}", p, std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error("{}: not a regular file", p);
    }
    auto f = std::shared_ptr<MappedFile>(new MappedFile());
    f->path_ = p;
    f->size_ = static_cast<uint64_t>(st.st_size);
    f->dev_ = uint64_t(st.st_dev);
    f->ino_ = uint64_t(st.st_ino);
    f->mtime_ns_ = mtime_ns(st);
    if (f->size_ > 0) {
        void* m = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            return make_error("{}: cannot map {} bytes: {}", p, f->size_, std::strerror(e));
        }
        f->map_ = m;
        f->data_ = static_cast<const uint8_t*>(m);
    }
    f->fd_ = fd;
    return FilePtr(std::move(f));
}

FilePtr MappedFile::from_bytes(std::string name, std::vector<uint8_t> bytes) {
    auto f = std::shared_ptr<MappedFile>(new MappedFile());
    f->path_ = std::move(name);
    f->owned_ = std::move(bytes);
    f->data_ = f->owned_.data();
    f->size_ = f->owned_.size();
    return f;
}

MappedFile::~MappedFile() {
    if (map_) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
}

void MappedFile::release(uint64_t offset, uint64_t length) const {
    if (!map_ || offset >= size_) return;
    length = std::min(length, size_ - offset);
    const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    const uint64_t begin = (offset + page - 1) / page * page;  // pages shared with a neighbour stay
    const uint64_t end = (offset + length) / page * page;
    if (end > begin) ::madvise(static_cast<uint8_t*>(map_) + begin, size_t(end - begin), MADV_DONTNEED);
}

Status MappedFile::check_unchanged() const {
    if (fd_ < 0) return {};
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return make_error("{}: cannot stat: {}", path_, std::strerror(errno));
    const uint64_t now = uint64_t(st.st_size);
    if (now < size_)
        return make_error("{}: the file was truncated to {} bytes since it was opened ({} bytes); reopen it", path_,
                          now, size_);
    if (now != size_ || mtime_ns(st) != mtime_ns_)
        return make_error("{}: the file was modified since it was opened; reopen it", path_);
    // Replaced (renamed over): our mapping still shows the old file, which is safe
    // to read but no longer what the user sees on disk. A path that is gone is fine.
    struct stat cur {};
    if (::stat(path_.c_str(), &cur) == 0 && (uint64_t(cur.st_dev) != dev_ || uint64_t(cur.st_ino) != ino_))
        return make_error("{}: the file was replaced since it was opened; reopen it", path_);
    return {};
}

}  // namespace qs::io
