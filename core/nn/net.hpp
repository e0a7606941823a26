// Whole-network passes of the nn runtime: forward (logits), loss and gradient
// (w.r.t. parameters and inputs), and exact Hessian-vector products w.r.t. the
// parameters by Pearlmutter's R-operator (forward-over-backward: R{.} = d/de (.)
// at theta + e v), all for the mean softmax cross-entropy. Samples are processed
// in fixed chunks on several threads and reduced in chunk order, so results do
// not depend on the thread count. T is float (training, evaluation) or double
// (Hessian work); parameters are one flat vector in Arch::params order.
#pragma once

#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace qs::nn {

// A batch of samples: raw inputs (Arch::input_scale is applied inside) and labels.
struct Batch {
    std::span<const float> x;     // n * input_size values
    std::span<const int32_t> y;   // n labels (may be empty for logits only)
    int64_t n = 0;
    static Batch of(const Dataset& d) { return {d.x, d.y, d.n}; }
};

struct PassOptions {
    int threads = 0;      // 0 = hardware threads
    int64_t chunk = 128;  // samples per chunk: the unit of threading and of the reduction order
};

// Modifies the input of parameterised layer `layer` in place (activation fake-quant).
// `x` holds n samples of that layer's input. Called from worker threads.
template <class T>
using InputHook = std::function<void(int layer, std::span<T> x, int64_t n)>;

// Activations of one chunk, kept for backward.
template <class T>
struct Tape {
    int64_t n = 0;
    std::vector<std::vector<T>> a;  // a[0] = scaled input, a[l+1] = output of layer l
    std::vector<std::vector<T>> q;  // q[l] = hooked input of layer l (empty when no hook ran)
    const std::vector<T>& input_of(size_t l) const { return q[l].empty() ? a[l] : q[l]; }
    const std::vector<T>& logits() const { return a.back(); }
};

// Chunk-level passes (no threads). theta has arch.num_params elements.
template <class T>
void forward_chunk(const Arch& arch, const T* theta, const float* x_raw, int64_t n, Tape<T>& tape,
                   const InputHook<T>* hook = nullptr);
// Backpropagates g_logits (n * classes, destroyed) through the tape: adds dL/dtheta to
// grad (if non-null) and writes dL/dx_raw to grad_input (if non-null). The gradient of
// a hooked input passes straight through the hook (straight-through estimator).
template <class T>
void backward_chunk(const Arch& arch, const T* theta, const Tape<T>& tape, std::vector<T>& g_logits, T* grad,
                    T* grad_input);

// Checks sizes and labels; messages name what is wrong.
Status check_batch(const Arch& arch, const Batch& batch, bool need_labels);

// Logits of every sample (n * classes).
template <class T>
Status compute_logits(const Arch& arch, std::span<const T> theta, const Batch& batch, std::span<T> out,
                      const PassOptions& opts = {}, const InputHook<T>* hook = nullptr);

// Mean cross-entropy; when `grad` is non-empty it receives dL/dtheta (overwritten),
// when `grad_input` is non-empty it receives dL/dx_raw (n * input_size).
template <class T>
Result<double> loss_and_grad(const Arch& arch, std::span<const T> theta, const Batch& batch, std::span<T> grad,
                             const PassOptions& opts = {}, std::span<T> grad_input = {},
                             const InputHook<T>* hook = nullptr);

// hv = H v, H the Hessian of the mean cross-entropy w.r.t. theta (exact, R-op).
// Returns the loss; also writes the gradient when `grad` is non-empty.
template <class T>
Result<double> hessian_vector_product(const Arch& arch, std::span<const T> theta, const Batch& batch,
                                      std::span<const T> v, std::span<T> hv, const PassOptions& opts = {},
                                      std::span<T> grad = {});

// The same product by central differences of exact gradients,
// hv = (g(theta + h v) - g(theta - h v)) / 2h, h = step * max(1, |theta|_inf) / |v|_inf:
// an independent check of the R-op (truncation error O(h^2), rounding O(eps / h)).
Status hessian_vector_product_fd(const Arch& arch, std::span<const double> theta, const Batch& batch,
                                 std::span<const double> v, std::span<double> hv, const PassOptions& opts = {},
                                 double step = 1e-5);

// theta converted to T.
template <class T>
std::vector<T> cast_params(std::span<const float> theta) {
    return std::vector<T>(theta.begin(), theta.end());
}

}  // namespace qs::nn
