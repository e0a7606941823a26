// ModelIndex: what every reader produces. Names, shapes, dtypes and byte
// ranges of the tensors in a model (one file or a sharded set); nothing is
// decoded at open. Decoding happens later, per tensor (core/io/decode.hpp).
#pragma once

#include "core/io/dtype.hpp"
#include "core/io/mapped_file.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qs::io {

// How a tensor's bytes are stored in its source file.
enum class Storage : uint8_t {
    Raw,      // bytes [offset, offset+nbytes) are the elements
    Deflate,  // a raw-deflate stream [offset, offset+nbytes) inflating to raw_nbytes bytes,
              // of which the elements start at inner_offset (npz members)
};

struct TensorInfo {
    std::string name;
    std::vector<int64_t> shape;    // outermost first (NumPy/PyTorch order); {} = scalar
    DType dtype = DType::F32;
    uint32_t file = 0;             // index into ModelIndex::files
    uint64_t offset = 0;           // byte offset of the stored data in that file
    uint64_t nbytes = 0;           // stored bytes (compressed size for Deflate)
    Storage storage = Storage::Raw;
    uint64_t raw_nbytes = 0;       // Deflate only: inflated size of the stream
    uint64_t inner_offset = 0;     // Deflate only: where the elements start in the inflated bytes
    bool big_endian = false;       // multi-byte elements stored big-endian
    bool fortran_order = false;    // column-major (npy fortran_order)
    std::vector<int64_t> strides;  // in elements, outermost first; empty = contiguous.
                                   // Non-empty only for PyTorch views of a storage.
    uint64_t numel() const;        // product of shape (1 for a scalar)
    uint64_t decoded_bytes() const { return numel() * sizeof(float); }
};

// One key/value of model metadata, kept as text for display. Arrays are shown
// as their first elements and their length.
struct MetaEntry {
    std::string key;
    std::string type;   // "string", "u32", "array<string>[32000]", ...
    std::string value;  // display text (truncated for long arrays)
};

struct ModelIndex {
    std::string path;                  // what the user opened (file, index.json or folder)
    std::string format;                // "safetensors", "gguf", "npy", "npz", "onnx", "pytorch"
    std::vector<FilePtr> files;        // mapped sources; TensorInfo::file indexes this
    std::vector<TensorInfo> tensors;   // in file order
    std::vector<MetaEntry> metadata;

    uint64_t total_params() const;
    uint64_t total_bytes() const;      // stored bytes of all tensors
    // Index of the tensor with this name, or -1.
    int64_t find(std::string_view name) const;
};

// Formats a shape as "[4096, 14336]".
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace qs::io
