// A read-only view of a file's bytes: memory-mapped (so opening a 15 GB model
// touches only the pages we read), or an owned buffer for bytes that had to be
// produced at open time (e.g. ONNX values stored as varints). A mapped file
// keeps its descriptor so check_unchanged() can tell, before a tensor is read,
// whether the file was truncated (reading a page past the new end raises SIGBUS),
// rewritten in place or replaced since it was opened.
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace qs::io {

class MappedFile {
public:
    static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);
    static std::shared_ptr<const MappedFile> from_bytes(std::string name, std::vector<uint8_t> bytes);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    uint64_t size() const { return size_; }
    const uint8_t* data() const { return data_; }
    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    bool in_memory() const { return fd_ < 0; }

    // OK when the file on disk is still the one mapped, with the size and
    // modification time it had at open; otherwise an error naming the file and
    // what changed. Always OK for bytes in memory.
    Status check_unchanged() const;
    // Bytes [offset, offset+length); the caller has checked range_fits().
    std::span<const uint8_t> slice(uint64_t offset, uint64_t length) const {
        return {data_ + offset, static_cast<size_t>(length)};
    }
    // Drops the pages wholly inside [offset, offset+length) from this process's
    // resident set (they stay in the page cache and are re-read on next touch).
    // Streaming passes call it after each tensor so resident memory stays flat
    // across a model larger than RAM. A no-op for bytes in memory.
    void release(uint64_t offset, uint64_t length) const;

private:
    MappedFile() = default;
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    void* map_ = nullptr;          // mmap base, when mapped
    int fd_ = -1;                  // kept open while mapped, for fstat
    uint64_t dev_ = 0, ino_ = 0;   // identity, size and mtime at open
    int64_t mtime_ns_ = 0;
    std::vector<uint8_t> owned_;   // when built from bytes
};

using FilePtr = std::shared_ptr<const MappedFile>;

}  // namespace qs::io
