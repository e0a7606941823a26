// The layer kernels of core/nn: dense, conv2d (direct, via im2col), ReLU/GELU
// and softmax cross-entropy, for a chunk of n samples, in float or double.
// Every backward kernel ADDS into its outputs (callers zero them), which is what
// the R-op (Hessian-vector product) needs: R{gx} = W^T R{gy} + V^T gy is two
// calls into the same buffer. Loops are written in axpy form (no reductions in
// the inner loop) so GCC vectorises them under strict IEEE semantics.
#pragma once

#include "core/nn/model.hpp"

#include <cstdint>

namespace qs::nn::kernels {

struct ConvGeom {
    int64_t c = 0, h = 0, w = 0;   // input channels, height, width
    int64_t o = 0, k = 0;          // output channels, kernel size
    int64_t stride = 1, pad = 0;
    int64_t oh = 0, ow = 0;        // output height, width
    int64_t rows() const { return c * k * k; }  // im2col rows (= weight columns)
    int64_t cols() const { return oh * ow; }    // im2col columns (output positions)
    int64_t in_size() const { return c * h * w; }
    int64_t out_size() const { return o * oh * ow; }
};
ConvGeom conv_geom(const LayerSpec& L, const std::vector<int64_t>& in_shape);

// y[s, o] (+)= sum_i W[o, i] x[s, i] + b[o]; b may be null. accumulate=false overwrites y.
template <class T>
void dense_forward(const T* W, const T* b, const T* x, T* y, int64_t n, int64_t in, int64_t out, bool accumulate);
// gx[s, i] += sum_o W[o, i] gy[s, o]; gW[o, i] += sum_s gy[s, o] x[s, i]; gb[o] += sum_s gy[s, o].
// Any output may be null (not computed).
template <class T>
void dense_backward(const T* W, const T* x, const T* gy, T* gx, T* gW, T* gb, int64_t n, int64_t in, int64_t out);

// NCHW convolution with zero padding; W [o, c, k, k]. Same conventions as dense.
template <class T>
void conv_forward(const ConvGeom& g, const T* W, const T* b, const T* x, T* y, int64_t n, bool accumulate);
template <class T>
void conv_backward(const ConvGeom& g, const T* W, const T* x, const T* gy, T* gx, T* gW, T* gb, int64_t n);

// Elementwise activations (ReLU, GELU). f'(0) of ReLU is taken as 0.
template <class T>
void act_forward(LayerKind kind, const T* x, T* y, int64_t count);
// out = f'(x) * g  (used for backward, gx = f'(x) gy, and for the R-forward, ry = f'(x) rx)
template <class T>
void act_scale_by_derivative(LayerKind kind, const T* x, const T* g, T* out, int64_t count);
// rgx = f'(x) rgy + f''(x) rx gy  (R-op of the backward; f'' = 0 for ReLU)
template <class T>
void act_r_backward(LayerKind kind, const T* x, const T* rx, const T* gy, const T* rgy, T* rgx, int64_t count);

// Softmax cross-entropy over n rows of k logits. Returns the SUM of the losses
// (in double); when g is non-null writes g = scale * (softmax(z) - onehot(y)).
template <class T>
double softmax_xent(const T* z, const int32_t* y, int64_t n, int64_t k, T scale, T* g);
// R-op of the gradient above: rg = scale * p * (rz - <p, rz>), p = softmax(z).
template <class T>
void softmax_xent_r(const T* z, const T* rz, int64_t n, int64_t k, T scale, T* rg);

}  // namespace qs::nn::kernels
