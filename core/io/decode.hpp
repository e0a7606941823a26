// Decoding one tensor of a ModelIndex to float32, in C order. This is where
// lazily-indexed bytes become numbers: byte order, Fortran order, PyTorch
// strides, deflated npz members and ggml blocks are all handled here.
#pragma once

#include "core/io/model_index.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <span>

namespace qs::io {

// `out` must hold exactly info.numel() floats.
Status decode_tensor(const ModelIndex& model, size_t index, std::span<float> out, const Progress& progress = {});

}  // namespace qs::io
