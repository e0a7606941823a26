// Reading mapped bytes without dying when the file shrinks underneath. A page of
// a mapping that lies past the file's current end raises SIGBUS on access; the
// size check before each decode (MappedFile::check_unchanged) leaves a window of
// microseconds in which another process can still truncate the file. Every read
// of a tensor's mapped bytes therefore goes through copy_guarded(), which turns
// that fault into a `false` return instead of a killed process.
#pragma once

#include <cstddef>

namespace qs::io {

// Copies n bytes from src (inside a file mapping) to dst (ordinary memory).
// Returns false, with dst partly written, if reading src faulted with SIGBUS.
// Thread-safe; the first call installs a process-wide SIGBUS handler that acts
// only on threads inside copy_guarded() and hands every other SIGBUS to the
// handler that was there before (by default: the process dies as it would have).
bool copy_guarded(void* dst, const void* src, size_t n);

}  // namespace qs::io
