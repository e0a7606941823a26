// Live accuracy: test accuracy and mean loss of a model with some weights
// replaced (fake-quantized by core/quant) and, optionally, its activations
// quantized (static or dynamic). A few ms for the demo models, so the GUI can
// call it on every change of a spec.
#pragma once

#include "core/nn/act_quant.hpp"
#include "core/nn/net.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qs::nn {

struct EvalOptions {
    WeightOverrides overrides;   // parameter name -> replacement (fake-quantized) values
    ActQuant act;                // activation quantization (default off)
    int64_t batch_size = 128;    // the unit of threading; dynamic activation ranges are per batch
    int threads = 0;             // 0 = hardware threads
    bool keep_logits = false;    // fill EvalResult::logits
};

struct EvalResult {
    double accuracy = 0;          // fraction of samples whose argmax equals the label
    double loss = 0;              // mean softmax cross-entropy (nats)
    int64_t correct = 0;
    int64_t n = 0;
    std::vector<int32_t> predicted;  // argmax per sample (first maximum on ties)
    std::vector<float> logits;       // n * classes, when keep_logits
};

Result<EvalResult> evaluate(const Model& model, const Dataset& data, const EvalOptions& opts = {});

// The per-layer input hook for an activation-quantization setting (nullptr-like
// empty function when off). Static needs a table with every parameterised layer.
Result<InputHook<float>> make_act_hook(const Arch& arch, const ActQuant& act);

// Float vs static (each calibration) vs dynamic activation quantization at `bits`,
// with the given weight overrides: what the GUI's "activation quantization"
// panel and the lesson show.
struct ActQuantRow {
    std::string label;      // "float", "static minmax", "static percentile 99.99", "static kl", "dynamic"
    ActQuantMode mode = ActQuantMode::Off;
    ActCalibration calibration = ActCalibration::MinMax;
    double accuracy = 0, loss = 0;
    double accuracy_delta = 0;  // accuracy - float accuracy
};
Result<std::vector<ActQuantRow>> compare_activation_quant(const Model& model, const DigitsSplit& data, int bits,
                                                          const WeightOverrides& overrides = {},
                                                          double percentile = 99.99, int threads = 0);

}  // namespace qs::nn
