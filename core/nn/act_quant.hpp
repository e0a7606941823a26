// Activation quantization for the nn runtime: the input of every Dense/Conv2d
// layer is fake-quantized to a uniform asymmetric int grid (per tensor), with
// its range either calibrated once on training data (static: min/max,
// percentile, or KL divergence as TensorRT's entropy calibration) or taken from
// each batch as it arrives (dynamic). Used by evaluate() (live accuracy), QAT and
// as the quantization parameters of the integer-only int8 path.
#pragma once

#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace qs::nn {

// Parameter name -> replacement values (e.g. fake-quantized weights from core/quant).
// The spans must hold exactly the parameter's element count and outlive the call.
using WeightOverrides = std::map<std::string, std::span<const float>, std::less<>>;

// Overrides that own their values (e.g. fake-quantized weights computed here).
struct OwnedOverrides {
    std::map<std::string, std::vector<float>, std::less<>> values;
    WeightOverrides view() const {
        WeightOverrides v;
        for (const auto& [k, d] : values) v[k] = d;
        return v;
    }
};

// Effective parameters: model.theta with overrides substituted. Errors name an
// unknown parameter or a wrong element count.
Result<std::vector<float>> apply_overrides(const Model& model, const WeightOverrides& overrides);

enum class ActCalibration : uint8_t {
    MinMax,      // [min, max] of the calibration activations
    Percentile,  // [q(1 - p), q(p)]: clips the rarest values at both ends
    KL,          // threshold minimising KL(P || Q) between the clipped histogram P and its
                 // quantized version Q (TensorRT entropy calibration, 2048 bins)
};
std::string_view calibration_name(ActCalibration c);  // "minmax", "percentile", "kl"

enum class ActQuantMode : uint8_t {
    Off,
    Static,   // fixed ranges from an ActCalibrationTable
    Dynamic,  // min/max of the current batch, per quantization point
};

// Uniform asymmetric quantization parameters (gemmlowp): real = scale * (q - zero_point),
// q in [qmin, qmax] = [0, 2^bits - 1]. The range is widened to contain 0 and the zero
// point rounded to an integer, so real 0 is exactly representable (zero padding, ReLU).
struct AffineParams {
    float scale = 1.0f;
    int32_t zero_point = 0;
    int32_t qmin = 0;
    int32_t qmax = 255;
};
AffineParams affine_params(float lo, float hi, int bits);
// q = clamp(round(x / scale) + zero_point, qmin, qmax) (round half away from zero).
int32_t quantize_affine(float x, const AffineParams& p);
// x <- scale * (q(x) - zero_point), in place.
void fake_quant_affine(std::span<float> x, const AffineParams& p);

// One quantization point: the input of parameterised layer `layer`.
struct ActRange {
    int layer = -1;           // index into Arch::layers
    std::string layer_name;   // "fc1"
    float lo = 0, hi = 0;     // calibrated range (before widening to contain 0)
};

struct ActCalibrationTable {
    ActCalibration method = ActCalibration::MinMax;
    int bits = 8;
    double percentile = 99.99;
    std::vector<ActRange> ranges;  // one per Dense/Conv2d layer, in layer order
    const ActRange* find(int layer) const;
};

struct CalibrationOptions {
    ActCalibration method = ActCalibration::MinMax;
    int bits = 8;               // KL needs it (levels of Q); recorded for the others
    double percentile = 99.99;  // Percentile: in (50, 100]
    int kl_bins = 2048;         // KL: histogram bins of P
    int64_t max_samples = 0;    // calibrate on the first max_samples samples (0 = all)
    int threads = 0;
};

// Runs the model in float (with `overrides` applied) over `data` and calibrates
// the input range of every parameterised layer.
Result<ActCalibrationTable> calibrate_activations(const Model& model, const Dataset& data,
                                                  const CalibrationOptions& opts = {},
                                                  const WeightOverrides& overrides = {});

// The range a method picks for one tensor's values (exposed for lessons and tests).
// `bits` matters for KL only.
std::pair<float, float> calibrate_range(std::span<const float> values, ActCalibration method, int bits,
                                        double percentile = 99.99, int kl_bins = 2048);

struct ActQuant {
    ActQuantMode mode = ActQuantMode::Off;
    int bits = 8;                  // 2..16
    ActCalibrationTable table;     // Static only
};

}  // namespace qs::nn
