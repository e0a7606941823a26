// Integer-only int8 inference (see int8_inference.hpp for the arithmetic).
#include "core/nn/int8_inference.hpp"

#include "core/nn/kernels.hpp"
#include "core/nn/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::nn {

QuantizedMultiplier quantize_multiplier(double m) {
    QuantizedMultiplier qm;
    if (!(m > 0) || !std::isfinite(m)) return qm;
    int e = 0;
    const double m0 = std::frexp(m, &e);  // m = m0 * 2^e, m0 in [0.5, 1)
    int64_t q = std::llround(m0 * double(int64_t(1) << 31));
    if (q == (int64_t(1) << 31)) {  // m0 rounded up to 1.0
        q /= 2;
        ++e;
    }
    if (e < -31) return {0, 0};  // below 2^-32: the product rounds to 0 anyway
    qm.multiplier = int32_t(q);
    qm.shift = e;
    return qm;
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
    if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
    const int64_t ab = int64_t(a) * int64_t(b);
    const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
    return int32_t((ab + nudge) / (int64_t(1) << 31));  // division truncates toward zero
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiply_by_quantized_multiplier(int32_t x, const QuantizedMultiplier& qm) {
    const int left = qm.shift > 0 ? qm.shift : 0, right = qm.shift > 0 ? 0 : -qm.shift;
    int64_t shifted = int64_t(x) * (int64_t(1) << left);
    shifted = std::clamp<int64_t>(shifted, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(int32_t(shifted), qm.multiplier), right);
}

namespace {

// Symmetric int8, ties away from zero: q = clamp(round(w / s), -127, 127).
int8_t quantize_weight(float w, float s) {
    const float r = std::round(w / s);
    return int8_t(std::clamp(r, -127.0f, 127.0f));
}

}  // namespace

Result<Int8Model> build_int8_model(const Model& model, const ActCalibrationTable& table) {
    const Arch& arch = model.arch;
    Int8Model im;
    im.input_scale = arch.input_scale;
    im.input_size = arch.input_size();
    im.num_classes = arch.num_classes;
    for (size_t l = 0; l < arch.layers.size(); ++l) {
        const LayerSpec& L = arch.layers[l];
        if (L.kind == LayerKind::GELU)
            return make_error("int8 path: layer {} is GELU, which has no integer-only form here (ReLU and flatten only)", l);
        if (L.kind == LayerKind::ReLU) {
            if (im.layers.empty()) return make_error("int8 path: layer {} (relu) precedes every dense/conv layer", l);
            im.layers.back().relu = true;
            continue;
        }
        if (L.kind == LayerKind::Flatten) continue;
        const ActRange* r = table.find(int(l));
        if (!r) return make_error("int8 path: no calibrated input range for layer '{}'", L.name);
        Int8Layer q;
        q.layer = int(l);
        q.name = L.name;
        q.spec = L;
        q.in_shape = arch.shapes[l];
        q.in_size = arch.size_at(l);
        q.out_size = arch.size_at(l + 1);
        q.input = affine_params(r->lo, r->hi, 8);
        const ParamInfo& wp = arch.params[size_t(arch.layer_param[l])];
        const ParamInfo& bp = arch.params[size_t(arch.layer_param[l]) + 1];
        const auto w = model.param(wp), b = model.param(bp);
        const int64_t per = int64_t(wp.size) / L.out;  // weights per output channel
        q.weight.resize(wp.size);
        q.weight_scale.resize(size_t(L.out));
        q.bias.resize(size_t(L.out));
        // Worst case of sum (q_x - z_x) q_w over one output: per * 255 * 127.
        const double acc_bound = double(per) * 255.0 * 127.0;
        for (int64_t c = 0; c < L.out; ++c) {
            float amax = 0;
            for (int64_t i = 0; i < per; ++i) amax = std::max(amax, std::abs(w[size_t(c * per + i)]));
            const float s = amax > 0 ? amax / 127.0f : 1.0f;
            q.weight_scale[size_t(c)] = s;
            for (int64_t i = 0; i < per; ++i) q.weight[size_t(c * per + i)] = quantize_weight(w[size_t(c * per + i)], s);
            const double bq = std::round(double(b[size_t(c)]) / (double(q.input.scale) * double(s)));
            if (std::abs(bq) + acc_bound > double(std::numeric_limits<int32_t>::max()))
                return make_error("int8 path: layer '{}', channel {}: the int32 accumulator could overflow (bias {} at scale {})",
                                  L.name, c, b[size_t(c)], double(q.input.scale) * double(s));
            q.bias[size_t(c)] = int32_t(bq);
        }
        im.layers.push_back(std::move(q));
    }
    if (im.layers.empty()) return Error{"int8 path: the model has no dense or conv layer"};
    im.layers.back().last = true;
    if (im.layers.back().relu) return Error{"int8 path: a ReLU after the last layer is not supported (logits are dequantized)"};
    if (im.layers.back().layer != int(arch.layers.size()) - 1) {
        for (size_t l = size_t(im.layers.back().layer) + 1; l < arch.layers.size(); ++l)
            if (arch.layers[l].kind != LayerKind::Flatten) return Error{"int8 path: only flatten may follow the last layer"};
    }
    for (size_t i = 0; i + 1 < im.layers.size(); ++i) {
        Int8Layer& q = im.layers[i];
        q.output = im.layers[i + 1].input;
        q.requant.resize(q.weight_scale.size());
        for (size_t c = 0; c < q.weight_scale.size(); ++c)
            q.requant[c] = quantize_multiplier(double(q.input.scale) * double(q.weight_scale[c]) / double(q.output.scale));
    }
    return im;
}

OwnedOverrides int8_simulated_weights(const Int8Model& m) {
    OwnedOverrides o;
    for (const auto& q : m.layers) {
        std::vector<float> w(q.weight.size());
        const size_t per = q.weight.size() / q.weight_scale.size();
        for (size_t i = 0; i < w.size(); ++i) w[i] = q.weight_scale[i / per] * float(q.weight[i]);
        o.values[q.name + ".weight"] = std::move(w);
    }
    return o;
}

namespace {

// acc[s, o, p] = bias[o] + sum_r w[o, r] col[r, p] for one layer, from centered inputs.
void layer_accumulate(const Int8Layer& q, const int16_t* x, int64_t n, int32_t* acc) {
    const LayerSpec& L = q.spec;
    if (L.kind == LayerKind::Dense) {
        for (int64_t s = 0; s < n; ++s) {
            const int16_t* xs = x + s * L.in;
            for (int64_t o = 0; o < L.out; ++o) {
                const int8_t* wo = q.weight.data() + o * L.in;
                int32_t sum = 0;
                for (int64_t i = 0; i < L.in; ++i) sum += int32_t(xs[i]) * int32_t(wo[i]);
                acc[s * L.out + o] = sum + q.bias[size_t(o)];
            }
        }
        return;
    }
    const kernels::ConvGeom g = kernels::conv_geom(L, q.in_shape);
    const int64_t R = g.rows(), P = g.cols();
    std::vector<int16_t> col(size_t(R * P));
    for (int64_t s = 0; s < n; ++s) {
        const int16_t* xs = x + s * g.in_size();
        // im2col with zero padding: centered value 0 is real 0.
        for (int64_t c = 0; c < g.c; ++c)
            for (int64_t ki = 0; ki < g.k; ++ki)
                for (int64_t kj = 0; kj < g.k; ++kj) {
                    int16_t* row = col.data() + ((c * g.k + ki) * g.k + kj) * P;
                    for (int64_t oy = 0; oy < g.oh; ++oy)
                        for (int64_t ox = 0; ox < g.ow; ++ox) {
                            const int64_t iy = oy * g.stride - g.pad + ki, ix = ox * g.stride - g.pad + kj;
                            row[oy * g.ow + ox] = (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) ? xs[(c * g.h + iy) * g.w + ix] : int16_t(0);
                        }
                }
        int32_t* as = acc + s * g.out_size();
        for (int64_t o = 0; o < g.o; ++o) {
            int32_t* ao = as + o * P;
            std::fill(ao, ao + P, q.bias[size_t(o)]);
            const int8_t* wo = q.weight.data() + o * R;
            for (int64_t r = 0; r < R; ++r) {
                const int32_t wv = wo[r];
                const int16_t* cr = col.data() + r * P;
                for (int64_t p = 0; p < P; ++p) ao[p] += wv * int32_t(cr[p]);
            }
        }
    }
}

}  // namespace

Result<Int8Result> run_int8(const Int8Model& m, const Dataset& data, const Int8RunOptions& opts) {
    if (m.layers.empty()) return Error{"int8 path: empty model"};
    if (data.n <= 0 || data.features != m.input_size || int64_t(data.x.size()) != data.n * m.input_size ||
        int64_t(data.y.size()) != data.n)
        return make_error("int8 path: the data has {} features per sample, the model takes {}", data.features, m.input_size);
    for (int32_t y : data.y)
        if (y < 0 || y >= m.num_classes) return make_error("int8 path: label {} outside 0..{}", y, m.num_classes - 1);
    const int64_t k = m.num_classes, chunk = std::max<int64_t>(1, opts.batch_size);
    const size_t nchunks = size_t((data.n + chunk - 1) / chunk);
    Int8Result res;
    res.n = data.n;
    res.logits.resize(size_t(data.n * k));
    res.predicted.resize(size_t(data.n));
    if (opts.keep_codes) {
        res.input_codes.resize(m.layers.size());
        for (size_t i = 0; i < m.layers.size(); ++i) res.input_codes[i].resize(size_t(data.n * m.layers[i].in_size));
        res.last_accumulators.resize(size_t(data.n * k));
    }
    std::vector<double> losses(nchunks);
    parallel_for(nchunks, opts.threads, [&](size_t c) {
        const int64_t b = int64_t(c) * chunk, n = std::min(chunk, data.n - b);
        // Input codes: the raw values scaled as in the float model, then quantized.
        std::vector<uint8_t> codes(size_t(n * m.input_size));
        const float* x = data.x.data() + b * m.input_size;
        for (size_t i = 0; i < codes.size(); ++i)
            codes[i] = uint8_t(quantize_affine(x[i] * m.input_scale, m.layers[0].input));
        std::vector<int16_t> centered;
        std::vector<int32_t> acc;
        for (size_t li = 0; li < m.layers.size(); ++li) {
            const Int8Layer& q = m.layers[li];
            if (opts.keep_codes) std::copy(codes.begin(), codes.end(), res.input_codes[li].begin() + b * q.in_size);
            centered.resize(codes.size());
            for (size_t i = 0; i < codes.size(); ++i) centered[i] = int16_t(int32_t(codes[i]) - q.input.zero_point);
            acc.resize(size_t(n * q.out_size));
            layer_accumulate(q, centered.data(), n, acc.data());
            const int64_t per_channel = q.out_size / q.spec.out;  // output positions per channel
            if (q.last) {
                for (int64_t s = 0; s < n; ++s)
                    for (int64_t o = 0; o < k; ++o)
                        res.logits[size_t((b + s) * k + o)] =
                            float(double(q.input.scale) * double(q.weight_scale[size_t(o)]) * double(acc[size_t(s * k + o)]));
                if (opts.keep_codes) std::copy(acc.begin(), acc.end(), res.last_accumulators.begin() + b * k);
                break;
            }
            // Requantize to the next layer's input; a ReLU clamps at the zero point (real 0).
            const int32_t lo = q.relu ? std::max(q.output.zero_point, q.output.qmin) : q.output.qmin, hi = q.output.qmax;
            codes.resize(acc.size());
            for (int64_t s = 0; s < n; ++s)
                for (int64_t o = 0; o < q.spec.out; ++o) {
                    const QuantizedMultiplier& qm = q.requant[size_t(o)];
                    const size_t base = size_t(s * q.out_size + o * per_channel);
                    for (int64_t p = 0; p < per_channel; ++p) {
                        const int32_t v = q.output.zero_point + multiply_by_quantized_multiplier(acc[base + size_t(p)], qm);
                        codes[base + size_t(p)] = uint8_t(std::clamp(v, lo, hi));
                    }
                }
        }
        losses[c] = kernels::softmax_xent<float>(res.logits.data() + b * k, data.y.data() + b, n, k, 1.0f, nullptr);
        for (int64_t s = 0; s < n; ++s) {
            const float* z = res.logits.data() + (b + s) * k;
            res.predicted[size_t(b + s)] = int32_t(std::max_element(z, z + k) - z);
        }
    });
    double total = 0;
    for (double l : losses) total += l;
    for (int64_t i = 0; i < data.n; ++i) res.correct += res.predicted[size_t(i)] == data.y[size_t(i)];
    res.loss = total / double(data.n);
    res.accuracy = double(res.correct) / double(data.n);
    return res;
}

}  // namespace qs::nn
