// QAT: the STE and LSQ parameter transforms around the training loop (see qat.hpp).
#include "core/nn/qat.hpp"

#include "core/nn/evaluate.hpp"

#include <algorithm>
#include <cmath>

namespace qs::nn {

void builtin_fake_quant_per_channel(std::span<const float> w, int64_t channels, int bits, std::span<float> w_q) {
    const float qmax = float((1 << (bits - 1)) - 1);
    const size_t per = channels > 0 ? w.size() / size_t(channels) : w.size();
    for (size_t c = 0; c * per < w.size(); ++c) {
        float amax = 0;
        for (size_t i = c * per; i < (c + 1) * per; ++i) amax = std::max(amax, std::abs(w[i]));
        const float s = amax > 0 ? amax / qmax : 1.0f;
        for (size_t i = c * per; i < (c + 1) * per; ++i) w_q[i] = s * std::clamp(std::round(w[i] / s), -qmax, qmax);
    }
}

WeightFakeQuant builtin_weight_fake_quant(const Arch& arch, int bits) {
    std::map<std::string, int64_t, std::less<>> channels;
    for (const auto& p : arch.params) channels[p.name] = p.shape.empty() ? 1 : p.shape[0];
    return [channels = std::move(channels), bits](std::string_view name, std::span<const float> w, std::span<float> wq) {
        auto it = channels.find(name);
        builtin_fake_quant_per_channel(w, it == channels.end() ? 1 : it->second, bits, wq);
    };
}

Result<OwnedOverrides> fake_quant_weights(const Model& model, const WeightFakeQuant& fq) {
    if (!fq) return Error{"no fake-quant function given"};
    OwnedOverrides o;
    for (const auto& p : model.arch.params) {
        if (!p.is_weight) continue;
        std::vector<float> wq(p.size);
        fq(p.name, model.param(p), wq);
        for (float v : wq)
            if (!std::isfinite(v)) return make_error("fake-quant of '{}' produced a non-finite value", p.name);
        o.values[p.name] = std::move(wq);
    }
    return o;
}

namespace {

// LSQ on the built-in symmetric grid: w_q = s clamp(round(w / s), -Q, Q), one s per
// output channel, stored after the model's parameters in the trained vector.
//   dw_q/dw = 1 inside the clip range, 0 outside (STE through round)
//   dw_q/ds = round(v) - v inside, -Q or Q outside (v = w / s)
// and the scale gradient is multiplied by g = 1 / sqrt(N_c Q) (LSQ's gradient scale,
// N_c = weights per channel) so scales move at the pace of the weights.
struct LsqLayout {
    struct Block {
        size_t param;         // index into Arch::params
        size_t scale_offset;  // first scale in the trained vector
        int64_t channels, per;
    };
    std::vector<Block> blocks;
    size_t total = 0;
};

LsqLayout lsq_layout(const Arch& arch) {
    LsqLayout L;
    size_t off = arch.num_params;
    for (size_t i = 0; i < arch.params.size(); ++i) {
        const auto& p = arch.params[i];
        if (!p.is_weight) continue;
        const int64_t ch = p.shape[0];
        L.blocks.push_back({i, off, ch, int64_t(p.size) / ch});
        off += size_t(ch);
        L.total += size_t(ch);
    }
    return L;
}

}  // namespace

Result<QatResult> run_qat(const Model& model, const DigitsSplit& data, const QatOptions& opts,
                          const Progress& progress, const EpochCallback& on_epoch) {
    const Arch& arch = model.arch;
    if (!opts.lsq && !opts.fake_quant) return Error{"QAT: no fake-quant function given (or enable LSQ)"};
    if (opts.lsq && (opts.lsq_bits < 2 || opts.lsq_bits > 8)) return make_error("QAT: LSQ bits {} outside 2..8", opts.lsq_bits);
    auto hook = make_act_hook(arch, opts.act);
    if (!hook) return hook.error();

    std::vector<float> master = model.theta;
    ParamTransform tf;
    tf.act_hook = *hook;
    if (!opts.lsq) {
        // STE: effective weights = fq(master); the gradient passes through unchanged.
        const WeightFakeQuant fq = opts.fake_quant;
        tf.forward = [&arch, fq](std::span<const float> m, std::span<float> eff) {
            std::copy(m.begin(), m.begin() + ptrdiff_t(arch.num_params), eff.begin());
            for (const auto& p : arch.params)
                if (p.is_weight) fq(p.name, m.subspan(p.offset, p.size), eff.subspan(p.offset, p.size));
        };
    } else {
        const LsqLayout layout = lsq_layout(arch);
        const float Q = float((1 << (opts.lsq_bits - 1)) - 1);
        tf.extra = layout.total;
        master.resize(arch.num_params + layout.total);
        // Start from the absmax scale: epoch 0 equals PTQ with the built-in quantizer.
        for (const auto& b : layout.blocks) {
            const auto& p = arch.params[b.param];
            for (int64_t c = 0; c < b.channels; ++c) {
                float amax = 0;
                for (int64_t i = 0; i < b.per; ++i) amax = std::max(amax, std::abs(master[p.offset + size_t(c * b.per + i)]));
                master[b.scale_offset + size_t(c)] = amax > 0 ? amax / Q : 1.0f;
            }
        }
        tf.forward = [&arch, layout, Q](std::span<const float> m, std::span<float> eff) {
            std::copy(m.begin(), m.begin() + ptrdiff_t(arch.num_params), eff.begin());
            for (const auto& b : layout.blocks) {
                const auto& p = arch.params[b.param];
                for (int64_t c = 0; c < b.channels; ++c) {
                    const float s = std::max(m[b.scale_offset + size_t(c)], 1e-8f);
                    for (int64_t i = 0; i < b.per; ++i) {
                        const size_t k = p.offset + size_t(c * b.per + i);
                        eff[k] = s * std::clamp(std::round(m[k] / s), -Q, Q);
                    }
                }
            }
        };
        tf.backward = [&arch, layout, Q](std::span<const float> m, std::span<const float> g, std::span<float> gm) {
            std::copy(g.begin(), g.end(), gm.begin());  // biases (and weights, masked below)
            for (const auto& b : layout.blocks) {
                const auto& p = arch.params[b.param];
                const double gscale = 1.0 / std::sqrt(double(b.per) * double(Q));
                for (int64_t c = 0; c < b.channels; ++c) {
                    const float s = std::max(m[b.scale_offset + size_t(c)], 1e-8f);
                    double gs = 0;
                    for (int64_t i = 0; i < b.per; ++i) {
                        const size_t k = p.offset + size_t(c * b.per + i);
                        const float v = m[k] / s;
                        if (v < -Q) {
                            gm[k] = 0;
                            gs += double(g[k]) * -Q;
                        } else if (v > Q) {
                            gm[k] = 0;
                            gs += double(g[k]) * Q;
                        } else {
                            gs += double(g[k]) * double(std::round(v) - v);
                        }
                    }
                    gm[b.scale_offset + size_t(c)] = float(gs * gscale);
                }
            }
        };
    }

    TrainOptions topts = opts.train;
    topts.eval_before = true;
    auto report = train_with(arch, master, data, topts, tf, progress, on_epoch);
    if (!report) return report.error();

    QatResult r;
    r.report = std::move(*report);
    std::vector<float> eff(arch.num_params);
    if (tf.forward) tf.forward(master, eff);
    r.master = Model{arch, std::vector<float>(master.begin(), master.begin() + ptrdiff_t(arch.num_params))};
    for (const auto& p : arch.params)
        if (p.is_weight) r.quantized.values[p.name] = std::vector<float>(eff.begin() + ptrdiff_t(p.offset), eff.begin() + ptrdiff_t(p.offset + p.size));
    if (opts.lsq) r.lsq_scales.assign(master.begin() + ptrdiff_t(arch.num_params), master.end());
    const auto& first = r.report.epochs.front();
    r.ptq_accuracy = first.test_accuracy;
    r.ptq_loss = first.test_loss;
    // After: the master model's biases with the quantized weights.
    EvalOptions eo;
    eo.overrides = r.quantized.view();
    eo.act = opts.act;
    auto after = evaluate(r.master, data.test, eo);
    if (!after) return after.error();
    r.qat_accuracy = after->accuracy;
    r.qat_loss = after->loss;
    return r;
}

}  // namespace qs::nn
