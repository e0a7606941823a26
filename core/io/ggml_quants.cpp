// Dequantisation of ggml block types (GGUF). Filled in by the GGUF reader work;
// until a type has a decoder it can be listed but not decoded.
#include "core/io/dtype.hpp"

namespace qs::io {

DecodeFn ggml_block_decoder(DType) { return nullptr; }

}  // namespace qs::io
