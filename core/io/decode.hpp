// Decoding one tensor of a ModelIndex to float32, in C order. This is where
// lazily-indexed bytes become numbers: byte order, Fortran order, PyTorch
// strides, deflated npz members and ggml blocks are all handled here.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <span>
#include <vector>

namespace qs::io {

// `out` must hold exactly info.numel() floats.
Status decode_tensor(const ModelIndex& model, size_t index, std::span<float> out, const Progress& progress = {});

// Decodes into a new buffer, refusing with a clear message a tensor whose float32
// form would exceed `max_bytes` (the memory cap) instead of trying to allocate it,
// and a file that changed on disk since it was opened.
Result<std::vector<float>> decode_tensor_capped(const ModelIndex& model, size_t index, uint64_t max_bytes,
                                                const Progress& progress = {});

// Lets go of the mapped source pages of tensor `index` (see MappedFile::release):
// for passes over every tensor, so resident memory does not grow with the model.
void release_tensor_pages(const ModelIndex& model, size_t index);

}  // namespace qs::io
