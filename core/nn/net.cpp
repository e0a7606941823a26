// Forward, backward and R-op passes over the layer list (see net.hpp).
#include "core/nn/net.hpp"

#include "core/nn/kernels.hpp"
#include "core/nn/parallel.hpp"

#include <algorithm>
#include <cmath>

namespace qs::nn {

namespace {

template <class T>
struct LayerParams {
    const T* w = nullptr;
    const T* b = nullptr;
};

template <class T>
LayerParams<T> params_of(const Arch& arch, const T* theta, size_t l) {
    const int pi = arch.layer_param[l];
    if (pi < 0) return {};
    return {theta + arch.params[size_t(pi)].offset, theta + arch.params[size_t(pi) + 1].offset};
}

// Mutable weight/bias pointers of layer l inside `theta` (both null when theta is null).
template <class T>
void params_of_mut(const Arch& arch, T* theta, size_t l, T** w, T** b) {
    const int pi = arch.layer_param[l];
    *w = theta ? theta + arch.params[size_t(pi)].offset : nullptr;
    *b = theta ? theta + arch.params[size_t(pi) + 1].offset : nullptr;
}

// Linear layer l applied to x: y (+)= W x (+ b).
template <class T>
void linear(const Arch& arch, size_t l, const T* w, const T* b, const T* x, T* y, int64_t n, bool accumulate) {
    const LayerSpec& L = arch.layers[l];
    if (L.kind == LayerKind::Dense) kernels::dense_forward(w, b, x, y, n, L.in, L.out, accumulate);
    else kernels::conv_forward(kernels::conv_geom(L, arch.shapes[l]), w, b, x, y, n, accumulate);
}

// Adjoint of linear layer l: gx += W^T gy, gw += gy x^T, gb += sum gy (null outputs skipped).
template <class T>
void linear_back(const Arch& arch, size_t l, const T* w, const T* x, const T* gy, T* gx, T* gw, T* gb, int64_t n) {
    const LayerSpec& L = arch.layers[l];
    if (L.kind == LayerKind::Dense) kernels::dense_backward(w, x, gy, gx, gw, gb, n, L.in, L.out);
    else kernels::conv_backward(kernels::conv_geom(L, arch.shapes[l]), w, x, gy, gx, gw, gb, n);
}

bool is_act(LayerKind k) { return k == LayerKind::ReLU || k == LayerKind::GELU; }

// Splits [0, n) into chunks of `chunk` samples.
struct Chunks {
    int64_t n, size;
    size_t count() const { return size_t((n + size - 1) / size); }
    int64_t begin(size_t i) const { return int64_t(i) * size; }
    int64_t len(size_t i) const { return std::min(size, n - begin(i)); }
};

Chunks chunks_of(int64_t n, const PassOptions& opts) { return {n, std::max<int64_t>(1, opts.chunk)}; }

}  // namespace

Status check_batch(const Arch& arch, const Batch& batch, bool need_labels) {
    if (batch.n <= 0) return Error{"the batch is empty"};
    const int64_t in = arch.input_size();
    if (int64_t(batch.x.size()) != batch.n * in)
        return make_error("the batch holds {} input values, {} samples of {} need {}", batch.x.size(), batch.n, in,
                          batch.n * in);
    if (need_labels) {
        if (int64_t(batch.y.size()) != batch.n)
            return make_error("the batch has {} labels for {} samples", batch.y.size(), batch.n);
        for (int64_t i = 0; i < batch.n; ++i)
            if (batch.y[size_t(i)] < 0 || batch.y[size_t(i)] >= arch.num_classes)
                return make_error("sample {}: label {} is outside 0..{}", i, batch.y[size_t(i)], arch.num_classes - 1);
    }
    return {};
}

template <class T>
void forward_chunk(const Arch& arch, const T* theta, const float* x_raw, int64_t n, Tape<T>& tape,
                   const InputHook<T>* hook) {
    const size_t nl = arch.layers.size();
    tape.n = n;
    tape.a.resize(nl + 1);
    tape.q.resize(nl);
    const int64_t in = arch.input_size();
    tape.a[0].resize(size_t(n * in));
    const T scale = T(arch.input_scale);
    for (int64_t i = 0; i < n * in; ++i) tape.a[0][size_t(i)] = T(x_raw[i]) * scale;
    for (size_t l = 0; l < nl; ++l) {
        const LayerSpec& L = arch.layers[l];
        const int64_t out = arch.size_at(l + 1);
        std::vector<T>& y = tape.a[l + 1];
        y.resize(size_t(n * out));
        tape.q[l].clear();
        if (L.has_params()) {
            const T* x = tape.a[l].data();
            if (hook && *hook) {
                tape.q[l] = tape.a[l];
                (*hook)(int(l), std::span<T>(tape.q[l]), n);
                x = tape.q[l].data();
            }
            const auto p = params_of(arch, theta, l);
            linear(arch, l, p.w, p.b, x, y.data(), n, false);
        } else if (is_act(L.kind)) {
            kernels::act_forward(L.kind, tape.a[l].data(), y.data(), n * out);
        } else {  // Flatten
            std::copy(tape.a[l].begin(), tape.a[l].end(), y.begin());
        }
    }
}

template <class T>
void backward_chunk(const Arch& arch, const T* theta, const Tape<T>& tape, std::vector<T>& g, T* grad, T* grad_input) {
    const int64_t n = tape.n;
    std::vector<T> prev;
    for (size_t l = arch.layers.size(); l-- > 0;) {
        const LayerSpec& L = arch.layers[l];
        const bool need_prev = l > 0 || grad_input;
        prev.assign(need_prev ? size_t(n * arch.size_at(l)) : 0, T(0));
        if (L.has_params()) {
            const auto p = params_of(arch, theta, l);
            T *gw = nullptr, *gb = nullptr;
            params_of_mut(arch, grad, l, &gw, &gb);
            linear_back(arch, l, p.w, tape.input_of(l).data(), g.data(), need_prev ? prev.data() : nullptr, gw, gb, n);
        } else if (is_act(L.kind)) {
            kernels::act_scale_by_derivative(L.kind, tape.a[l].data(), g.data(), prev.data(), n * arch.size_at(l));
        } else {
            std::copy(g.begin(), g.end(), prev.begin());
        }
        g.swap(prev);
    }
    if (grad_input) {
        const T scale = T(arch.input_scale);
        for (size_t i = 0; i < g.size(); ++i) grad_input[i] = g[i] * scale;
    }
}

template <class T>
Status compute_logits(const Arch& arch, std::span<const T> theta, const Batch& batch, std::span<T> out,
                      const PassOptions& opts, const InputHook<T>* hook) {
    QS_TRY(check_batch(arch, batch, false));
    if (theta.size() != arch.num_params) return make_error("{} parameters given, the model has {}", theta.size(), arch.num_params);
    if (int64_t(out.size()) != batch.n * arch.num_classes) return Error{"logits buffer has the wrong size"};
    const Chunks ch = chunks_of(batch.n, opts);
    const int64_t in = arch.input_size(), k = arch.num_classes;
    parallel_for(ch.count(), opts.threads, [&](size_t c) {
        Tape<T> tape;
        forward_chunk(arch, theta.data(), batch.x.data() + ch.begin(c) * in, ch.len(c), tape, hook);
        std::copy(tape.logits().begin(), tape.logits().end(), out.begin() + ch.begin(c) * k);
    });
    return {};
}

template <class T>
Result<double> loss_and_grad(const Arch& arch, std::span<const T> theta, const Batch& batch, std::span<T> grad,
                             const PassOptions& opts, std::span<T> grad_input, const InputHook<T>* hook) {
    QS_TRY(check_batch(arch, batch, true));
    const size_t P = arch.num_params;
    if (theta.size() != P) return make_error("{} parameters given, the model has {}", theta.size(), P);
    if (!grad.empty() && grad.size() != P) return make_error("gradient buffer holds {}, the model has {} parameters", grad.size(), P);
    const int64_t in = arch.input_size(), k = arch.num_classes;
    if (!grad_input.empty() && int64_t(grad_input.size()) != batch.n * in) return Error{"input-gradient buffer has the wrong size"};
    const Chunks ch = chunks_of(batch.n, opts);
    std::vector<double> losses(ch.count());
    std::vector<std::vector<T>> grads(grad.empty() ? 0 : ch.count());
    const T scale = T(1.0 / double(batch.n));
    parallel_for(ch.count(), opts.threads, [&](size_t c) {
        Tape<T> tape;
        const int64_t b = ch.begin(c), n = ch.len(c);
        forward_chunk(arch, theta.data(), batch.x.data() + b * in, n, tape, hook);
        const bool backward = !grad.empty() || !grad_input.empty();
        std::vector<T> g(backward ? size_t(n * k) : 0);
        losses[c] = kernels::softmax_xent(tape.logits().data(), batch.y.data() + b, n, k, scale,
                                          backward ? g.data() : nullptr);
        if (!backward) return;
        if (!grad.empty()) grads[c].assign(P, T(0));
        backward_chunk(arch, theta.data(), tape, g, grad.empty() ? nullptr : grads[c].data(),
                       grad_input.empty() ? nullptr : grad_input.data() + b * in);
    });
    double total = 0;
    for (double l : losses) total += l;
    if (!grad.empty()) {
        std::fill(grad.begin(), grad.end(), T(0));
        for (const auto& gc : grads)
            for (size_t i = 0; i < P; ++i) grad[i] += gc[i];
    }
    return total / double(batch.n);
}

namespace {

// One chunk of the R-op: adds H v (and the gradient, if grad) for these samples.
template <class T>
double hvp_chunk(const Arch& arch, const T* theta, const T* v, const float* x, const int32_t* y, int64_t n, T scale,
                 T* hv, T* grad) {
    const size_t nl = arch.layers.size();
    const int64_t k = arch.num_classes;
    Tape<T> tape;
    forward_chunk(arch, theta, x, n, tape);
    // R-forward: ra[l] = R{a[l]}; the input does not depend on theta, so ra[0] = 0 (kept empty).
    std::vector<std::vector<T>> ra(nl + 1);
    for (size_t l = 0; l < nl; ++l) {
        const LayerSpec& L = arch.layers[l];
        const int64_t out = arch.size_at(l + 1);
        if (L.has_params()) {
            // R{W x + b} = V_W x + V_b + W R{x}
            ra[l + 1].resize(size_t(n * out));
            const auto p = params_of(arch, theta, l), vp = params_of(arch, v, l);
            linear(arch, l, vp.w, vp.b, tape.a[l].data(), ra[l + 1].data(), n, false);
            if (!ra[l].empty()) linear(arch, l, p.w, static_cast<const T*>(nullptr), ra[l].data(), ra[l + 1].data(), n, true);
        } else if (ra[l].empty()) {
            continue;  // still zero
        } else if (is_act(L.kind)) {
            ra[l + 1].resize(size_t(n * out));
            kernels::act_scale_by_derivative(L.kind, tape.a[l].data(), ra[l].data(), ra[l + 1].data(), n * out);
        } else {
            ra[l + 1] = ra[l];
        }
    }
    std::vector<T> g(size_t(n * k)), rg(size_t(n * k));
    const double loss = kernels::softmax_xent(tape.logits().data(), y, n, k, scale, g.data());
    if (ra[nl].empty()) ra[nl].assign(size_t(n * k), T(0));
    kernels::softmax_xent_r(tape.logits().data(), ra[nl].data(), n, k, scale, rg.data());
    // R-backward.
    std::vector<T> gp, rgp;
    for (size_t l = nl; l-- > 0;) {
        const LayerSpec& L = arch.layers[l];
        const size_t in_n = size_t(n * arch.size_at(l));
        const bool need_prev = l > 0;
        gp.assign(need_prev ? in_n : 0, T(0));
        rgp.assign(need_prev ? in_n : 0, T(0));
        if (L.has_params()) {
            const auto p = params_of(arch, theta, l), vp = params_of(arch, v, l);
            T *hw, *hb, *gw, *gb;
            params_of_mut(arch, hv, l, &hw, &hb);
            params_of_mut(arch, grad, l, &gw, &gb);
            const T* xin = tape.a[l].data();
            // R{dW} = R{g} x^T + g R{x}^T, R{db} = sum R{g}; R{gx} = W^T R{g} + V^T g.
            linear_back(arch, l, p.w, xin, rg.data(), need_prev ? rgp.data() : nullptr, hw, hb, n);
            if (!ra[l].empty()) linear_back(arch, l, p.w, ra[l].data(), g.data(), static_cast<T*>(nullptr), hw, static_cast<T*>(nullptr), n);
            if (need_prev) linear_back(arch, l, vp.w, xin, g.data(), rgp.data(), static_cast<T*>(nullptr), static_cast<T*>(nullptr), n);
            linear_back(arch, l, p.w, xin, g.data(), need_prev ? gp.data() : nullptr, gw, gb, n);
        } else if (!need_prev) {
            // nothing upstream needs these gradients
        } else if (is_act(L.kind)) {
            const int64_t cnt = n * arch.size_at(l);
            kernels::act_scale_by_derivative(L.kind, tape.a[l].data(), g.data(), gp.data(), cnt);
            if (ra[l].empty()) kernels::act_scale_by_derivative(L.kind, tape.a[l].data(), rg.data(), rgp.data(), cnt);
            else kernels::act_r_backward(L.kind, tape.a[l].data(), ra[l].data(), g.data(), rg.data(), rgp.data(), cnt);
        } else {
            gp = g;
            rgp = rg;
        }
        g.swap(gp);
        rg.swap(rgp);
    }
    return loss;
}

}  // namespace

template <class T>
Result<double> hessian_vector_product(const Arch& arch, std::span<const T> theta, const Batch& batch,
                                      std::span<const T> v, std::span<T> hv, const PassOptions& opts,
                                      std::span<T> grad) {
    QS_TRY(check_batch(arch, batch, true));
    const size_t P = arch.num_params;
    if (theta.size() != P || v.size() != P || hv.size() != P || (!grad.empty() && grad.size() != P))
        return make_error("parameter, direction and output vectors must each hold {} values", P);
    const int64_t in = arch.input_size();
    const Chunks ch = chunks_of(batch.n, opts);
    std::vector<double> losses(ch.count());
    std::vector<std::vector<T>> hvs(ch.count()), grads(grad.empty() ? 0 : ch.count());
    const T scale = T(1.0 / double(batch.n));
    parallel_for(ch.count(), opts.threads, [&](size_t c) {
        hvs[c].assign(P, T(0));
        if (!grad.empty()) grads[c].assign(P, T(0));
        const int64_t b = ch.begin(c);
        losses[c] = hvp_chunk(arch, theta.data(), v.data(), batch.x.data() + b * in, batch.y.data() + b, ch.len(c),
                              scale, hvs[c].data(), grad.empty() ? nullptr : grads[c].data());
    });
    std::fill(hv.begin(), hv.end(), T(0));
    for (const auto& h : hvs)
        for (size_t i = 0; i < P; ++i) hv[i] += h[i];
    if (!grad.empty()) {
        std::fill(grad.begin(), grad.end(), T(0));
        for (const auto& gc : grads)
            for (size_t i = 0; i < P; ++i) grad[i] += gc[i];
    }
    double total = 0;
    for (double l : losses) total += l;
    return total / double(batch.n);
}

Status hessian_vector_product_fd(const Arch& arch, std::span<const double> theta, const Batch& batch,
                                 std::span<const double> v, std::span<double> hv, const PassOptions& opts, double step) {
    const size_t P = arch.num_params;
    if (theta.size() != P || v.size() != P || hv.size() != P)
        return make_error("parameter, direction and output vectors must each hold {} values", P);
    double tmax = 1, vmax = 0;
    for (double t : theta) tmax = std::max(tmax, std::abs(t));
    for (double x : v) vmax = std::max(vmax, std::abs(x));
    if (vmax == 0) {
        std::fill(hv.begin(), hv.end(), 0.0);
        return {};
    }
    const double h = step * tmax / vmax;
    std::vector<double> tp(P), tm(P), gp(P), gm(P);
    for (size_t i = 0; i < P; ++i) {
        tp[i] = theta[i] + h * v[i];
        tm[i] = theta[i] - h * v[i];
    }
    auto lp = loss_and_grad<double>(arch, tp, batch, gp, opts);
    if (!lp) return lp.error();
    auto lm = loss_and_grad<double>(arch, tm, batch, gm, opts);
    if (!lm) return lm.error();
    for (size_t i = 0; i < P; ++i) hv[i] = (gp[i] - gm[i]) / (2 * h);
    return {};
}

#define QS_NN_INSTANTIATE(T)                                                                                       \
    template void forward_chunk<T>(const Arch&, const T*, const float*, int64_t, Tape<T>&, const InputHook<T>*);  \
    template void backward_chunk<T>(const Arch&, const T*, const Tape<T>&, std::vector<T>&, T*, T*);             \
    template Status compute_logits<T>(const Arch&, std::span<const T>, const Batch&, std::span<T>,                \
                                      const PassOptions&, const InputHook<T>*);                                    \
    template Result<double> loss_and_grad<T>(const Arch&, std::span<const T>, const Batch&, std::span<T>,         \
                                             const PassOptions&, std::span<T>, const InputHook<T>*);               \
    template Result<double> hessian_vector_product<T>(const Arch&, std::span<const T>, const Batch&,               \
                                                      std::span<const T>, std::span<T>, const PassOptions&,        \
                                                      std::span<T>);
QS_NN_INSTANTIATE(float)
QS_NN_INSTANTIATE(double)
#undef QS_NN_INSTANTIATE

}  // namespace qs::nn
