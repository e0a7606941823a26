// The importance matrix of a core/nn model's weights from calibration data,
// computed as llama-imatrix does for a GGUF model: per weight, the mean over
// every token of the squared input of each weight column. A Dense layer's token
// is a sample; a Conv2d layer's token is one output position, its input the
// zero-padded im2col patch in [channel, ky, kx] order (the weight's row layout),
// so imatrix-weighted error sum_ij imp_j dW_ij^2 is E||dW x||^2 as for Dense.
#pragma once
#include "core/io/imatrix.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

namespace qs::sensitivity {

// One entry per weight tensor (named like it, n_per_row = elements per output
// row, n_mat = 1, counts = {tokens}); format "quantscope-nn". The float
// activations of the model at its own weights, as evaluation sees them.
Result<io::Imatrix> nn_imatrix(const nn::Model& model, const nn::Dataset& calibration, const Progress& progress = {});

}  // namespace qs::sensitivity
