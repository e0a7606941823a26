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

// The same guarantee for output written in pieces (streamed exports): data goes to a
// temporary file next to `path`; commit() fsyncs and renames it over `path`. Without
// a successful commit() (an error, cancellation, or destruction) the temporary file
// is removed and `path` is untouched.
class AtomicFile {
public:
    static Result<AtomicFile> create(const std::filesystem::path& path);
    AtomicFile(AtomicFile&& o) noexcept;
    AtomicFile& operator=(AtomicFile&& o) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    Status append(std::span<const uint8_t> bytes);
    Status write_at(uint64_t offset, std::span<const uint8_t> bytes);  // overwrite already-appended bytes
    uint64_t size() const { return size_; }
    Status commit();
    void abort();  // remove the temporary file now

private:
    AtomicFile() = default;
    std::string target_, tmp_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

}  // namespace qs
