// Element types of stored tensors, one table for all of them (as ggml's
// type_traits): name, block size in elements, bytes per block, and the decoder
// to float32. Plain types have block_elems = 1. GGUF block-quantised types
// (Q4_0, Q4_K, ...) decode a whole block at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace qs::io {

enum class DType : uint8_t {
    // plain element types
    F64, F32, F16, BF16,
    F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0,
    I8, U8, I16, U16, I32, U32, I64, U64, BOOL,
    // GGUF (ggml) block types
    Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1,
    Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K,
    IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ4_NL, IQ3_S, IQ2_S, IQ4_XS, IQ1_M,
    TQ1_0, TQ2_0, MXFP4,
    Count
};

// Decodes `nblocks` consecutive blocks at `src` into block_elems*nblocks floats.
// `swap` is set for big-endian sources of multi-byte plain types.
using DecodeFn = void (*)(const uint8_t* src, uint64_t nblocks, float* dst, bool swap);

struct DTypeInfo {
    DType dtype;
    std::string_view name;   // our canonical name (safetensors spelling for plain types, ggml for blocks)
    uint32_t block_elems;    // elements per block (1 for plain types)
    uint32_t block_bytes;    // bytes per block
    bool is_float;           // floating-point storage (used for "weights" heuristics)
    DecodeFn decode;         // nullptr when we can index but not decode it
};

const DTypeInfo& dtype_info(DType t);
inline std::string_view dtype_name(DType t) { return dtype_info(t).name; }
std::optional<DType> dtype_from_name(std::string_view name);  // canonical names only

// Bytes needed by `numel` elements; nullopt on overflow or when numel is not a
// multiple of the block size.
std::optional<uint64_t> dtype_nbytes(DType t, uint64_t numel);

// Bits per weight as stored, including per-block scales (8*block_bytes/block_elems).
double dtype_bpw(DType t);

// Block-type decoders live in core/io/ggml_quants.cpp; they register here.
DecodeFn ggml_block_decoder(DType t);

}  // namespace qs::io
