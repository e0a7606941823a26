// Quantization-aware training (QAT) for the nn runtime: fine-tune a trained
// model with its weights fake-quantized in the forward pass and the
// straight-through estimator (STE) in the backward pass (the gradient w.r.t. the
// quantized weight is used as the gradient w.r.t. the float "master" weight).
// The fake-quant function is passed in, so core/quant's quantizers plug in; a
// simple built-in one (symmetric per-channel int-b) serves tests and demos.
// Optionally the per-channel scales are learned, LSQ-style (Esser et al.,
// "Learned Step Size Quantization", ICLR 2020). Epoch 0 of the report is the
// PTQ starting point, so the curve shows what QAT recovers.
#pragma once

#include "core/nn/act_quant.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/nn/train.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace qs::nn {

// Writes w_q = Q(w) for the parameter named `param` (same element count).
using WeightFakeQuant = std::function<void(std::string_view param, std::span<const float> w, std::span<float> w_q)>;

// THE BUILT-IN FAKE-QUANT (for tests and the demo; core/quant provides the real
// quantizers): symmetric per output channel (outermost dimension), restricted
// int-b grid q in [-qmax, qmax], qmax = 2^(b-1) - 1, scale = max|w_c| / qmax
// (1 for an all-zero channel), q = round(w / scale) with ties away from zero.
// 2 bits is ternary {-s, 0, s}.
void builtin_fake_quant_per_channel(std::span<const float> w, int64_t channels, int bits, std::span<float> w_q);
// The same, as a WeightFakeQuant for `arch` (looks the channel count up by name).
WeightFakeQuant builtin_weight_fake_quant(const Arch& arch, int bits);

// Post-training quantization: every *.weight through `fq` (biases unchanged), as overrides.
Result<OwnedOverrides> fake_quant_weights(const Model& model, const WeightFakeQuant& fq);

struct QatOptions {
    WeightFakeQuant fake_quant;  // applied to every *.weight at every step; biases stay float
    bool lsq = false;            // learn per-channel scales on the built-in grid instead of fake_quant
    int lsq_bits = 2;            // grid of the LSQ quantizer (2..8)
    ActQuant act;                // optional activation fake-quant in the forward pass (STE)
    TrainOptions train = default_train();  // epochs, optimizer, lr, seed; eval_before is forced on

    static TrainOptions default_train() {
        TrainOptions t;
        t.epochs = 8;
        t.lr = 1e-3;
        t.weight_decay = 0;
        return t;
    }
};

struct QatResult {
    TrainReport report;          // epochs[0] = before fine-tuning (PTQ), then one entry per epoch
    Model master;                // the fine-tuned float weights (before fake-quant)
    OwnedOverrides quantized;    // the fake-quantized weights the network ran with at the end
    std::vector<float> lsq_scales;  // learned scales, per output channel, layer by layer (lsq only)
    double ptq_accuracy = 0, ptq_loss = 0;  // test split, before
    double qat_accuracy = 0, qat_loss = 0;  // test split, after (or at cancellation)
};

Result<QatResult> run_qat(const Model& model, const DigitsSplit& data, const QatOptions& opts,
                          const Progress& progress = {}, const EpochCallback& on_epoch = {});

}  // namespace qs::nn
