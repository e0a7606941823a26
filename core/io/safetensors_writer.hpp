// safetensors writer: the inverse of core/io/safetensors.hpp, used for the demo
// models (core/nn) and by the exporters (quantized safetensors). Writes are
// atomic (core/util/atomic_write.hpp). Layout: u64 header length, JSON header
// {"__metadata__": {...strings...}, "name": {"dtype","shape","data_offsets"}},
// padded with spaces to a multiple of 8 bytes, then the tensors back to back
// in the order given.
#pragma once

#include "core/io/dtype.hpp"
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

}  // namespace qs::io
