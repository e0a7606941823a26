// Training for the nn runtime: minibatch SGD with momentum or Adam (decoupled
// weight decay, cosine learning-rate decay), single-threaded and seeded so a run
// is bit-for-bit reproducible. Used by `quantscope-cli train-demo` and, through
// train_with(), by QAT (core/nn/qat.hpp), which trains master weights whose
// effective (fake-quantized) value is what the forward pass sees.
#pragma once

#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/nn/net.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace qs::nn {

enum class Optimizer : uint8_t { Sgd, Adam };

struct TrainOptions {
    uint64_t seed = 1;             // drives the minibatch order (initialisation is init_model's seed)
    int epochs = 60;
    int64_t batch_size = 32;
    Optimizer optimizer = Optimizer::Adam;
    double lr = 3e-3;              // peak learning rate
    bool cosine = true;            // lr(t) = lr * (1 + cos(pi t / T)) / 2 over all T steps
    double momentum = 0.9;         // SGD
    double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  // Adam
    double weight_decay = 1e-4;    // decoupled (AdamW style), weights only, not biases
    bool eval_before = false;      // also report the starting point as epoch 0
};

struct EpochStats {
    int epoch = 0;              // 1-based; 0 = before training
    double train_loss = 0;      // mean minibatch loss during the epoch (NaN for epoch 0)
    double test_loss = 0;       // after the epoch, on the test split
    double test_accuracy = 0;
    double lr = 0;              // learning rate at the epoch's last step
};

struct TrainReport {
    std::vector<EpochStats> epochs;
    int64_t steps = 0;
    bool cancelled = false;     // stopped early through the Progress; parameters are those of the last step
};

using EpochCallback = std::function<void(const EpochStats&)>;

// Trains model.theta in place.
Result<TrainReport> train(Model& model, const DigitsSplit& data, const TrainOptions& opts,
                          const Progress& progress = {}, const EpochCallback& on_epoch = {});

// The general loop: `master` = the trained values (arch.num_params weights and biases,
// then `extra` values such as learned scales). forward(master, effective) gives the
// parameters the network runs with; backward(master, grad_effective, grad_master)
// maps their gradient back (the straight-through estimator lives there). Empty
// functions mean effective = master. Extra values are never weight-decayed.
// `act_hook` fake-quantizes layer inputs (gradients pass straight through).
struct ParamTransform {
    size_t extra = 0;
    std::function<void(std::span<const float> master, std::span<float> effective)> forward;
    std::function<void(std::span<const float> master, std::span<const float> grad_effective,
                       std::span<float> grad_master)> backward;
    InputHook<float> act_hook;
};

Result<TrainReport> train_with(const Arch& arch, std::vector<float>& master, const DigitsSplit& data,
                               const TrainOptions& opts, const ParamTransform& transform,
                               const Progress& progress = {}, const EpochCallback& on_epoch = {});

}  // namespace qs::nn
