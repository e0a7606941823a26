// Calibration: choosing the clip range [lo, hi] of one group from its values
// (finite, outliers removed). One implementation shared by the reference and the
// fused path, because the searches (MSE, KL) pick an argmin over sums whose last
// bit depends on summation order; tests check them against NumPy fixtures.
//
//   minmax      [min, max]
//   percentile  symmetric: +-P_p(|x|); asymmetric: [P_(100-p)(x), P_p(x)], with P the
//               linearly interpolated order statistic (NumPy's default "linear")
//   mse         clip = a * range for a in {1.00, 0.99, ..., 0.21} (80 candidates,
//               as GPTQ's --mse grid), scored by the sum of squared errors with
//               round-to-nearest on at most 65536 evenly strided values
//   kl          TensorRT-style entropy calibration on a histogram of |x| with
//               calib_param bins, 2^(bits-1) quantized bins
//   aciq        Laplace fit (Banner et al. 2019): b = mean |x - mu|,
//               clip = c(bits) * b, c = 2.83, 3.89, 5.03, 6.20, 7.41, 8.64, 9.89 for 2..8 bits
// A manual clip (spec.clip_lo/clip_hi) overrides all of them.
#pragma once

#include "core/quant/spec.hpp"

#include <span>
#include <vector>

namespace qs::quant {

struct ClipRange {
    double lo = 0.0;
    double hi = 0.0;
};

ClipRange calib_minmax(std::span<const float> v);
// `scratch` is reused (resized to v.size()).
ClipRange calib_percentile(std::span<const float> v, double p, bool symmetric, std::vector<float>& scratch);
double percentile_sorted(std::span<const float> sorted, double p);  // p in [0, 100]
ClipRange calib_mse(const QuantSpec& s, std::span<const float> v, ClipRange minmax);
ClipRange calib_kl(std::span<const float> v, int bins, int quant_bins, ClipRange minmax, bool symmetric);
ClipRange calib_aciq(std::span<const float> v, int bits, bool symmetric, ClipRange minmax);
double aciq_laplace_factor(int bits);

// Dispatch on spec.calibration (and the manual clip). `minmax` is the group's
// [min, max], already known to the caller.
ClipRange calibrate(const QuantSpec& s, std::span<const float> v, ClipRange minmax, std::vector<float>& scratch);

// True when the scheme's parameters come from a clip range (int, fp scaled, nf4, log2).
bool uses_clip_range(const QuantSpec& s);

}  // namespace qs::quant
