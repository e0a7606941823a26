// Integer-only int8 inference for the nn runtime (the "integer-only" half of
// simulated vs integer-only inference). Weights: int8, symmetric per output
// channel, q_w in [-127, 127], w ~ s_w[c] q_w. Activations (the input of each
// Dense/Conv2d layer): uint8, asymmetric per tensor, x ~ s_x (q_x - z_x), with
// ranges from static calibration. Biases: int32 at scale s_x s_w[c]. Each layer
// accumulates sum (q_x - z_x) q_w + q_b in int32 and requantizes to the next
// layer's input with a fixed-point multiplier (gemmlowp / TFLite):
//
//   real_out = s_x s_w[c] acc                  (what the int32 accumulator stands for)
//   q_out    = z_out + real_out / s_out = z_out + M acc,   M = s_x s_w[c] / s_out
//   M        = M0 2^e with M0 in [0.5, 1), stored as the Q31 integer m = round(M0 2^31)
//   M acc    ~ RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc 2^max(e,0), m), max(-e,0))
//
// SRDHM(a, m) = floor(a m / 2^31 + 1/2) (nearest, ties upward: gemmlowp's nudge) and
// RDBPOT(x, n) = round(x / 2^n) (nearest, ties away from zero), both in integers. m carries 31 significant bits, so M is
// represented to a relative error <= 2^-32; the two roundings can together differ
// from one exact rounding of M acc by one unit, so |q_out - round(M acc) - z_out| <= 1.
// A following ReLU is the clamp's lower bound z_out (real 0). The last layer's
// accumulators are dequantized to float logits, s_x s_w[c] acc. Only ReLU and
// Flatten may sit between parameterised layers (GELU has no integer form here).
#pragma once

#include "core/nn/act_quant.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qs::nn {

// Fixed-point arithmetic of the requantization (gemmlowp fixedpoint.h, TFLite).
struct QuantizedMultiplier {
    int32_t multiplier = 0;  // round(M0 * 2^31), M0 in [0.5, 1); 0 when M = 0
    int shift = 0;           // M = M0 * 2^shift (negative: a right shift)
};
QuantizedMultiplier quantize_multiplier(double m);  // m >= 0
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t rounding_divide_by_pot(int32_t x, int exponent);  // 0 <= exponent <= 31
int32_t multiply_by_quantized_multiplier(int32_t x, const QuantizedMultiplier& qm);

struct Int8Layer {
    int layer = -1;                     // index into Arch::layers
    std::string name;                   // "fc1"
    LayerSpec spec;
    std::vector<int64_t> in_shape;      // per-sample input shape
    int64_t in_size = 0, out_size = 0;  // elements per sample
    std::vector<int8_t> weight;         // PyTorch layout, symmetric per output channel
    std::vector<float> weight_scale;    // s_w[c] = max|w_c| / 127 (1 for an all-zero channel)
    std::vector<int32_t> bias;          // round(b / (s_x s_w[c]))
    AffineParams input;                 // uint8 parameters of this layer's input
    bool relu = false;                  // a ReLU follows (clamp at z_out)
    bool last = false;                  // produces the logits
    AffineParams output;                // next layer's input parameters (unless last)
    std::vector<QuantizedMultiplier> requant;  // per output channel: M = s_x s_w[c] / s_out
};

struct Int8Model {
    std::vector<Int8Layer> layers;
    float input_scale = 1.0f;  // raw inputs are multiplied by this, then quantized to layers[0].input
    int64_t input_size = 0;
    int64_t num_classes = 0;
};

// Quantizes a float model: weights per channel, biases to int32, activations with
// the ranges of `table` (one per parameterised layer; its method is up to the caller).
Result<Int8Model> build_int8_model(const Model& model, const ActCalibrationTable& table);

// The weights the integer program effectively uses, dequantized (s_w q_w): as
// overrides for evaluate(), they give the simulated (fake-quant) twin of the
// integer path (with ActQuantMode::Static, 8 bits, the same table).
OwnedOverrides int8_simulated_weights(const Int8Model& m);

struct Int8RunOptions {
    int threads = 0;
    int64_t batch_size = 128;
    bool keep_codes = false;  // fill Int8Result::input_codes
};

struct Int8Result {
    std::vector<float> logits;      // n * classes: s_x s_w[c] acc of the last layer
    std::vector<int32_t> predicted; // argmax (first maximum)
    double accuracy = 0, loss = 0;
    int64_t correct = 0, n = 0;
    std::vector<std::vector<uint8_t>> input_codes;  // per Int8Layer: n * in_size codes
    std::vector<int32_t> last_accumulators;         // n * classes (when keep_codes)
};

Result<Int8Result> run_int8(const Int8Model& m, const Dataset& data, const Int8RunOptions& opts = {});

}  // namespace qs::nn
