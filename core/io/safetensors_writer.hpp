// safetensors writer: the inverse of core/io/safetensors.hpp, used for the demo
// models (core/nn) and by the exporters (quantized safetensors). Writes are
// atomic (core/util/atomic_write.hpp). Layout: u64 header length, JSON header
// {"__metadata__": {...strings...}, "name": {"dtype","shape","data_offsets"}},
// padded with spaces to a multiple of 8 bytes, then the tensors back to back
// in the order given.
#pragma once

#include "core/io/dtype.hpp"
#include "core/util/atomic_write.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace qs::io {

struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;          // plain element types only (no GGUF blocks)
    std::vector<int64_t> shape;        // outermost first; {} = scalar
    std::span<const uint8_t> bytes;    // numel * itemsize bytes, little-endian, C order
};

// A float32 tensor viewing `data` (which must outlive the write).
TensorToWrite f32_tensor(std::string name, std::vector<int64_t> shape, std::span<const float> data);

// The whole file as bytes; checks names (non-empty, unique, not "__metadata__"),
// dtypes and that each byte count equals numel * itemsize.
Result<std::vector<uint8_t>> serialize_safetensors(std::span<const TensorToWrite> tensors,
                                                   const std::map<std::string, std::string>& metadata = {});

// serialize_safetensors, then an atomic write to `path`.
Status write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                         const std::map<std::string, std::string>& metadata = {});

// Streaming form for files larger than memory: declare every tensor first (name,
// dtype and an upper bound for each dimension), then write their bytes one tensor
// at a time in that order. The header is reserved from the bounds and rewritten at
// finish() with the actual shapes, right-padded with spaces as the format allows
// (actual numbers never have more digits than the bounds). Atomic: nothing reaches
// `path` unless finish() succeeds; on error or destruction the target is untouched.
struct TensorDecl {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> max_shape;  // the written shape has the same rank, each dim <= this
};

class SafetensorsStreamWriter {
public:
    static Result<SafetensorsStreamWriter> create(const std::filesystem::path& path, std::vector<TensorDecl> decls,
                                                  const std::map<std::string, std::string>& metadata = {});
    // The next declared tensor. `bytes` = numel(shape) * itemsize.
    Status write_next(std::span<const int64_t> shape, std::span<const uint8_t> bytes);
    size_t written() const { return shapes_.size(); }
    const TensorDecl& next_decl() const { return decls_[shapes_.size()]; }
    Status finish();

private:
    SafetensorsStreamWriter(AtomicFile f) : file_(std::move(f)) {}
    std::string header(const std::vector<std::vector<int64_t>>& shapes) const;
    std::string path_;
    AtomicFile file_;
    std::vector<TensorDecl> decls_;
    std::map<std::string, std::string> metadata_;
    std::vector<std::vector<int64_t>> shapes_;  // actual, per written tensor
    uint64_t reserved_ = 0;                     // header bytes reserved after the u64 length
};

}  // namespace qs::io
