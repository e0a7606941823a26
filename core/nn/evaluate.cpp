// evaluate() and the activation-quantization comparison (see evaluate.hpp).
#include "core/nn/evaluate.hpp"

#include "core/nn/kernels.hpp"
#include "core/nn/net.hpp"
#include "core/nn/parallel.hpp"

#include <algorithm>

namespace qs::nn {

Result<InputHook<float>> make_act_hook(const Arch& arch, const ActQuant& act) {
    if (act.mode == ActQuantMode::Off) return InputHook<float>{};
    if (act.bits < 2 || act.bits > 16) return make_error("activation bits {} outside 2..16", act.bits);
    const int bits = act.bits;
    if (act.mode == ActQuantMode::Dynamic) {
        return InputHook<float>([bits](int, std::span<float> x, int64_t) {
            float lo = 0, hi = 0;
            for (float v : x) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            fake_quant_affine(x, affine_params(lo, hi, bits));
        });
    }
    // Static: one AffineParams per parameterised layer, computed once.
    std::vector<AffineParams> params(arch.layers.size());
    for (size_t l = 0; l < arch.layers.size(); ++l) {
        if (!arch.layers[l].has_params()) continue;
        const ActRange* r = act.table.find(int(l));
        if (!r) return make_error("static activation quantization: no calibrated range for layer '{}'", arch.layers[l].name);
        params[l] = affine_params(r->lo, r->hi, bits);
    }
    return InputHook<float>([params = std::move(params)](int layer, std::span<float> x, int64_t) {
        fake_quant_affine(x, params[size_t(layer)]);
    });
}

Result<EvalResult> evaluate(const Model& model, const Dataset& data, const EvalOptions& opts) {
    const Arch& arch = model.arch;
    const Batch batch = Batch::of(data);
    QS_TRY(check_batch(arch, batch, true));
    auto theta = apply_overrides(model, opts.overrides);
    if (!theta) return theta.error();
    auto hook = make_act_hook(arch, opts.act);
    if (!hook) return hook.error();
    const int64_t chunk = std::max<int64_t>(1, opts.batch_size), k = arch.num_classes, in = arch.input_size();
    const size_t nchunks = size_t((batch.n + chunk - 1) / chunk);
    std::vector<double> losses(nchunks);
    EvalResult r;
    r.n = batch.n;
    r.predicted.resize(size_t(batch.n));
    if (opts.keep_logits) r.logits.resize(size_t(batch.n * k));
    parallel_for(nchunks, opts.threads, [&](size_t c) {
        Tape<float> tape;
        const int64_t b = int64_t(c) * chunk, n = std::min(chunk, batch.n - b);
        forward_chunk(arch, theta->data(), batch.x.data() + b * in, n, tape, &*hook);
        const float* z = tape.logits().data();
        losses[c] = kernels::softmax_xent<float>(z, batch.y.data() + b, n, k, 1.0f, nullptr);
        for (int64_t s = 0; s < n; ++s)
            r.predicted[size_t(b + s)] = int32_t(std::max_element(z + s * k, z + (s + 1) * k) - (z + s * k));
        if (opts.keep_logits) std::copy(z, z + n * k, r.logits.begin() + b * k);
    });
    double total = 0;
    for (double l : losses) total += l;
    for (int64_t i = 0; i < batch.n; ++i) r.correct += r.predicted[size_t(i)] == batch.y[size_t(i)];
    r.loss = total / double(batch.n);
    r.accuracy = double(r.correct) / double(batch.n);
    return r;
}

Result<std::vector<ActQuantRow>> compare_activation_quant(const Model& model, const DigitsSplit& data, int bits,
                                                          const WeightOverrides& overrides, double percentile,
                                                          int threads) {
    std::vector<ActQuantRow> rows;
    EvalOptions eo;
    eo.overrides = overrides;
    eo.threads = threads;
    auto base = evaluate(model, data.test, eo);
    if (!base) return base.error();
    rows.push_back({"float", ActQuantMode::Off, ActCalibration::MinMax, base->accuracy, base->loss, 0.0});
    for (ActCalibration c : {ActCalibration::MinMax, ActCalibration::Percentile, ActCalibration::KL}) {
        CalibrationOptions co;
        co.method = c;
        co.bits = bits;
        co.percentile = percentile;
        co.threads = threads;
        auto table = calibrate_activations(model, data.train, co, overrides);
        if (!table) return table.error();
        eo.act = {ActQuantMode::Static, bits, std::move(*table)};
        auto r = evaluate(model, data.test, eo);
        if (!r) return r.error();
        std::string label = "static " + std::string(calibration_name(c));
        if (c == ActCalibration::Percentile) label += fmt::format(" {:g}", percentile);
        rows.push_back({label, ActQuantMode::Static, c, r->accuracy, r->loss, r->accuracy - base->accuracy});
    }
    eo.act = {ActQuantMode::Dynamic, bits, {}};
    auto r = evaluate(model, data.test, eo);
    if (!r) return r.error();
    rows.push_back({"dynamic", ActQuantMode::Dynamic, ActCalibration::MinMax, r->accuracy, r->loss,
                    r->accuracy - base->accuracy});
    return rows;
}

}  // namespace qs::nn
