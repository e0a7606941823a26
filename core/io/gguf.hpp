// GGUF reader (llama.cpp / ggml model files, versions 2 and 3, either byte
// order): validates the whole header and yields a ModelIndex; tensor data is
// only mapped, decoded later per tensor (decode.hpp, ggml_quants.cpp).
//
// Layout (docs: ggml docs/gguf.md; /work/shared/formats.md §2):
//   1. magic "GGUF" (big-endian files written by gguf-py: "FUGG")
//   2. u32 version, u64 tensor_count, u64 kv_count   (v1 used u32 counts; refused)
//   3. kv_count × { string key, u32 value_type, value }
//        string = u64 length + bytes; array = u32 elem_type, u64 count, elements
//   4. tensor_count × { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset }
//   5. zero padding to general.alignment (default 32), then the data section;
//      a tensor's bytes start at data_start + offset.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::io {

Result<ModelIndex> open_gguf(const std::filesystem::path& path);
Result<ModelIndex> open_gguf(FilePtr file);  // bytes already mapped (or in memory)

// ---- lower level: typed metadata, for readers built on GGUF (imatrix) ----

enum class GgufType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

std::string_view gguf_type_name(GgufType t);  // "u32", "string", "array", ...

// One metadata value. Scalars are decoded at open; arrays are validated at
// open and read on demand from `offset` (their elements can be many).
struct GgufValue {
    GgufType type = GgufType::U8;
    GgufType elem_type = GgufType::U8;  // arrays only
    uint64_t count = 1;                 // arrays: element count
    uint64_t offset = 0;                // file offset of the value (arrays: of the first element)
    uint64_t u = 0;                     // unsigned integers and bool
    int64_t i = 0;                      // signed integers
    double f = 0;                       // f32 / f64
    std::string str;                    // string
};

struct GgufKV {
    std::string key;
    GgufValue value;
};

struct GgufFile {
    FilePtr file;
    uint32_t version = 3;
    bool big_endian = false;
    uint64_t alignment = 32;
    uint64_t data_start = 0;            // file offset of the data section
    std::vector<GgufKV> kv;             // in file order
    std::vector<TensorInfo> tensors;    // in file order; TensorInfo::offset is a file offset

    const GgufValue* find(std::string_view key) const;
    // The elements of a string array (validated at open, so this cannot fail).
    std::vector<std::string> string_array(const GgufValue& v) const;
};

// Parses and validates a GGUF file's header (everything but the tensor values).
Result<GgufFile> read_gguf(const std::filesystem::path& path);
Result<GgufFile> read_gguf(FilePtr file);  // bytes already mapped (or in memory)

// The ModelIndex view of a parsed file: tensors, and metadata as display text.
ModelIndex gguf_model_index(const GgufFile& g, const std::string& path);

}  // namespace qs::io
