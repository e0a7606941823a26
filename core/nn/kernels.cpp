// Layer kernels (see kernels.hpp). Plain loops, vectorisable by the compiler;
// instantiated for float (training, evaluation) and double (Hessian work, tests).
#include "core/nn/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qs::nn::kernels {

ConvGeom conv_geom(const LayerSpec& L, const std::vector<int64_t>& in_shape) {
    ConvGeom g;
    g.c = in_shape[0];
    g.h = in_shape[1];
    g.w = in_shape[2];
    g.o = L.out;
    g.k = L.kernel;
    g.stride = L.stride;
    g.pad = L.padding;
    g.oh = (g.h + 2 * g.pad - g.k) / g.stride + 1;
    g.ow = (g.w + 2 * g.pad - g.k) / g.stride + 1;
    return g;
}

namespace {

template <class T>
inline void axpy(T* y, T a, const T* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// col[r * ld + p] = x[c, oy*stride - pad + ki, ox*stride - pad + kj] (0 outside),
// r = (c*k + ki)*k + kj, p = oy*ow + ox. `ld` >= P lets a block of samples share rows.
template <class T>
void im2col(const ConvGeom& g, const T* x, T* col, int64_t ld) {
    for (int64_t c = 0; c < g.c; ++c)
        for (int64_t ki = 0; ki < g.k; ++ki)
            for (int64_t kj = 0; kj < g.k; ++kj) {
                T* row = col + ((c * g.k + ki) * g.k + kj) * ld;
                for (int64_t oy = 0; oy < g.oh; ++oy) {
                    const int64_t iy = oy * g.stride - g.pad + ki;
                    T* dst = row + oy * g.ow;
                    if (iy < 0 || iy >= g.h) {
                        std::fill(dst, dst + g.ow, T(0));
                        continue;
                    }
                    const T* src = x + (c * g.h + iy) * g.w;
                    for (int64_t ox = 0; ox < g.ow; ++ox) {
                        const int64_t ix = ox * g.stride - g.pad + kj;
                        dst[ox] = (ix >= 0 && ix < g.w) ? src[ix] : T(0);
                    }
                }
            }
}

// The adjoint of im2col: x[c, iy, ix] += col[r, p] for every (r, p) that reads it.
template <class T>
void col2im_add(const ConvGeom& g, const T* col, int64_t ld, T* x) {
    for (int64_t c = 0; c < g.c; ++c)
        for (int64_t ki = 0; ki < g.k; ++ki)
            for (int64_t kj = 0; kj < g.k; ++kj) {
                const T* row = col + ((c * g.k + ki) * g.k + kj) * ld;
                for (int64_t oy = 0; oy < g.oh; ++oy) {
                    const int64_t iy = oy * g.stride - g.pad + ki;
                    if (iy < 0 || iy >= g.h) continue;
                    T* dst = x + (c * g.h + iy) * g.w;
                    const T* src = row + oy * g.ow;
                    for (int64_t ox = 0; ox < g.ow; ++ox) {
                        const int64_t ix = ox * g.stride - g.pad + kj;
                        if (ix >= 0 && ix < g.w) dst[ix] += src[ox];
                    }
                }
            }
}

// Dot product with 8 interleaved partial sums: a fixed summation order (so the
// result is reproducible) that the compiler can keep in vector registers.
template <class T>
T dot(const T* a, const T* b, int64_t n) {
    T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
    for (; i < n; ++i) acc[i & 7] += a[i] * b[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Samples per im2col block: rows of the block matrix span kBlock * P columns,
// long enough for the axpy loops to run at vector speed.
constexpr int64_t kConvBlock = 32;

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace

template <class T>
void dense_forward(const T* W, const T* b, const T* x, T* y, int64_t n, int64_t in, int64_t out, bool accumulate) {
    // W^T so the inner loop runs over outputs (axpy) instead of reducing over inputs.
    std::vector<T> wt(size_t(in * out));
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) wt[size_t(i * out + o)] = W[o * in + i];
    for (int64_t s = 0; s < n; ++s) {
        T* ys = y + s * out;
        if (!accumulate) {
            if (b) std::copy(b, b + out, ys);
            else std::fill(ys, ys + out, T(0));
        } else if (b) {
            for (int64_t o = 0; o < out; ++o) ys[o] += b[o];
        }
        const T* xs = x + s * in;
        for (int64_t i = 0; i < in; ++i) {
            const T xv = xs[i];
            if (xv == T(0)) continue;  // post-ReLU inputs are about half zeros
            axpy(ys, xv, wt.data() + i * out, out);
        }
    }
}

template <class T>
void dense_backward(const T* W, const T* x, const T* gy, T* gx, T* gW, T* gb, int64_t n, int64_t in, int64_t out) {
    for (int64_t s = 0; s < n; ++s) {
        const T* gys = gy + s * out;
        const T* xs = x + s * in;
        for (int64_t o = 0; o < out; ++o) {
            const T g = gys[o];
            if (g == T(0)) continue;
            if (gx) axpy(gx + s * in, g, W + o * in, in);
            if (gW) axpy(gW + o * in, g, xs, in);
            if (gb) gb[o] += g;
        }
    }
}

template <class T>
void conv_forward(const ConvGeom& g, const T* W, const T* b, const T* x, T* y, int64_t n, bool accumulate) {
    // Per block of samples: col [R, S*P] (sample j's positions at columns j*P..), then
    // Y [O, S*P] = W [O, R] col, scattered back to NCHW.
    const int64_t R = g.rows(), P = g.cols();
    const int64_t S = std::min(n, kConvBlock), ld = S * P;
    std::vector<T> col(size_t(R * ld)), out(size_t(g.o * ld));
    for (int64_t s0 = 0; s0 < n; s0 += S) {
        const int64_t m = std::min(S, n - s0), len = m * P;
        for (int64_t j = 0; j < m; ++j) im2col(g, x + (s0 + j) * g.in_size(), col.data() + j * P, ld);
        for (int64_t o = 0; o < g.o; ++o) {
            T* yo = out.data() + o * ld;
            std::fill(yo, yo + len, b ? b[o] : T(0));
            const T* wo = W + o * R;
            for (int64_t r = 0; r < R; ++r) axpy(yo, wo[r], col.data() + r * ld, len);
        }
        for (int64_t j = 0; j < m; ++j) {
            T* ys = y + (s0 + j) * g.out_size();
            for (int64_t o = 0; o < g.o; ++o) {
                const T* src = out.data() + o * ld + j * P;
                T* dst = ys + o * P;
                if (accumulate)
                    for (int64_t p = 0; p < P; ++p) dst[p] += src[p];
                else
                    std::copy(src, src + P, dst);
            }
        }
    }
}

template <class T>
void conv_backward(const ConvGeom& g, const T* W, const T* x, const T* gy, T* gx, T* gW, T* gb, int64_t n) {
    const int64_t R = g.rows(), P = g.cols();
    const int64_t S = std::min(n, kConvBlock), ld = S * P;
    std::vector<T> col(gW ? size_t(R * ld) : 0), gcol(gx ? size_t(R * ld) : 0), gyb(size_t(g.o * ld));
    for (int64_t s0 = 0; s0 < n; s0 += S) {
        const int64_t m = std::min(S, n - s0), len = m * P;
        // gy of the block as [O, S*P]
        for (int64_t j = 0; j < m; ++j)
            for (int64_t o = 0; o < g.o; ++o) {
                const T* src = gy + (s0 + j) * g.out_size() + o * P;
                std::copy(src, src + P, gyb.data() + o * ld + j * P);
            }
        if (gW) {
            for (int64_t j = 0; j < m; ++j) im2col(g, x + (s0 + j) * g.in_size(), col.data() + j * P, ld);
            for (int64_t o = 0; o < g.o; ++o)
                for (int64_t r = 0; r < R; ++r) gW[o * R + r] += dot(gyb.data() + o * ld, col.data() + r * ld, len);
        }
        if (gb)
            for (int64_t o = 0; o < g.o; ++o) {
                T acc = 0;
                for (int64_t q = 0; q < len; ++q) acc += gyb[size_t(o * ld + q)];
                gb[o] += acc;
            }
        if (gx) {
            std::fill(gcol.begin(), gcol.end(), T(0));
            for (int64_t o = 0; o < g.o; ++o)
                for (int64_t r = 0; r < R; ++r) axpy(gcol.data() + r * ld, W[o * R + r], gyb.data() + o * ld, len);
            for (int64_t j = 0; j < m; ++j) col2im_add(g, gcol.data() + j * P, ld, gx + (s0 + j) * g.in_size());
        }
    }
}

template <class T>
void act_forward(LayerKind kind, const T* x, T* y, int64_t count) {
    if (kind == LayerKind::ReLU) {
        for (int64_t i = 0; i < count; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
    } else {  // GELU, exact: x * Phi(x)
        for (int64_t i = 0; i < count; ++i) {
            const double v = double(x[i]);
            y[i] = T(0.5 * v * (1.0 + std::erf(v * kInvSqrt2)));
        }
    }
}

template <class T>
void act_scale_by_derivative(LayerKind kind, const T* x, const T* g, T* out, int64_t count) {
    if (kind == LayerKind::ReLU) {
        for (int64_t i = 0; i < count; ++i) out[i] = x[i] > T(0) ? g[i] : T(0);
    } else {  // GELU'(x) = Phi(x) + x phi(x)
        for (int64_t i = 0; i < count; ++i) {
            const double v = double(x[i]);
            const double d = 0.5 * (1.0 + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
            out[i] = T(d * double(g[i]));
        }
    }
}

template <class T>
void act_r_backward(LayerKind kind, const T* x, const T* rx, const T* gy, const T* rgy, T* rgx, int64_t count) {
    if (kind == LayerKind::ReLU) {
        for (int64_t i = 0; i < count; ++i) rgx[i] = x[i] > T(0) ? rgy[i] : T(0);
    } else {  // GELU''(x) = phi(x) (2 - x^2)
        for (int64_t i = 0; i < count; ++i) {
            const double v = double(x[i]);
            const double phi = kInvSqrt2Pi * std::exp(-0.5 * v * v);
            const double d1 = 0.5 * (1.0 + std::erf(v * kInvSqrt2)) + v * phi;
            const double d2 = phi * (2.0 - v * v);
            rgx[i] = T(d1 * double(rgy[i]) + d2 * double(rx[i]) * double(gy[i]));
        }
    }
}

template <class T>
double softmax_xent(const T* z, const int32_t* y, int64_t n, int64_t k, T scale, T* g) {
    double total = 0;
    for (int64_t s = 0; s < n; ++s) {
        const T* zs = z + s * k;
        double m = double(zs[0]);
        for (int64_t j = 1; j < k; ++j) m = std::max(m, double(zs[j]));
        double sum = 0;
        for (int64_t j = 0; j < k; ++j) sum += std::exp(double(zs[j]) - m);
        total += m + std::log(sum) - double(zs[y[s]]);
        if (g)
            for (int64_t j = 0; j < k; ++j) {
                const double p = std::exp(double(zs[j]) - m) / sum;
                g[s * k + j] = T(double(scale) * (p - (j == y[s] ? 1.0 : 0.0)));
            }
    }
    return total;
}

template <class T>
void softmax_xent_r(const T* z, const T* rz, int64_t n, int64_t k, T scale, T* rg) {
    std::vector<double> p(static_cast<size_t>(k));
    for (int64_t s = 0; s < n; ++s) {
        const T* zs = z + s * k;
        const T* rs = rz + s * k;
        double m = double(zs[0]);
        for (int64_t j = 1; j < k; ++j) m = std::max(m, double(zs[j]));
        double sum = 0;
        for (int64_t j = 0; j < k; ++j) sum += (p[size_t(j)] = std::exp(double(zs[j]) - m));
        double dot = 0;
        for (int64_t j = 0; j < k; ++j) {
            p[size_t(j)] /= sum;
            dot += p[size_t(j)] * double(rs[j]);
        }
        for (int64_t j = 0; j < k; ++j) rg[s * k + j] = T(double(scale) * p[size_t(j)] * (double(rs[j]) - dot));
    }
}

#define QS_NN_INSTANTIATE(T)                                                                                \
    template void dense_forward<T>(const T*, const T*, const T*, T*, int64_t, int64_t, int64_t, bool);     \
    template void dense_backward<T>(const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t, int64_t);  \
    template void conv_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*, int64_t, bool);       \
    template void conv_backward<T>(const ConvGeom&, const T*, const T*, const T*, T*, T*, T*, int64_t);    \
    template void act_forward<T>(LayerKind, const T*, T*, int64_t);                                         \
    template void act_scale_by_derivative<T>(LayerKind, const T*, const T*, T*, int64_t);                  \
    template void act_r_backward<T>(LayerKind, const T*, const T*, const T*, const T*, T*, int64_t);       \
    template double softmax_xent<T>(const T*, const int32_t*, int64_t, int64_t, T, T*);                    \
    template void softmax_xent_r<T>(const T*, const T*, int64_t, int64_t, T, T*);
QS_NN_INSTANTIATE(float)
QS_NN_INSTANTIATE(double)
#undef QS_NN_INSTANTIATE

}  // namespace qs::nn::kernels
