// AIMET quantize-dequantize and its error (see aimet_apply.hpp). Done in float32
// like AIMET's torch kernels so codes agree with AIMET's on ties; sums in double.
#include "core/quant/aimet_apply.hpp"

#include "core/io/model_index.hpp"
#include "core/util/half.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace qs::quant {

Result<EncodingError> apply_aimet_encoding(const io::AimetEncoding& e, const TensorView& v,
                                           std::vector<float>* dequantized) {
    const std::string shape_text = io::shape_string(std::vector<int64_t>(v.shape.begin(), v.shape.end()));
    uint64_t numel = 1;
    for (int64_t d : v.shape) numel *= uint64_t(d);
    if (numel != v.data.size())
        return make_error("tensor '{}': {} values for shape {}", e.name, v.data.size(), shape_text);
    const uint64_t channels = v.shape.empty() ? 1 : uint64_t(v.shape[0]);
    const uint64_t inner = channels ? numel / channels : 0;
    uint64_t cols = 1, blocks_per_row = 1;
    switch (e.kind) {
        case io::AimetKind::Unsupported: return make_error("tensor '{}': {}", e.name, e.why);
        case io::AimetKind::Float:
            if (e.bitwidth != 16 && e.bitwidth != 32)
                return make_error("tensor '{}': float encoding of {} bits (only 16 and 32 are applied)", e.name,
                                  e.bitwidth);
            break;
        case io::AimetKind::PerTensor:
            if (e.scale.size() != 1) return make_error("tensor '{}': per-tensor encoding with {} scales", e.name, e.scale.size());
            break;
        case io::AimetKind::PerChannel:
            if (e.scale.size() != channels)
                return make_error("tensor '{}': {} per-channel scales for shape {} ({} channels on axis 0)", e.name,
                                  e.scale.size(), shape_text, channels);
            break;
        case io::AimetKind::PerBlock:
            if (v.shape.size() != 2) return make_error("tensor '{}': per-block encoding of a {}-D tensor", e.name, v.shape.size());
            cols = uint64_t(v.shape[1]);
            if (e.block_size <= 0 || cols % uint64_t(e.block_size) != 0)
                return make_error("tensor '{}': block size {} does not divide {} input features", e.name, e.block_size, cols);
            blocks_per_row = cols / uint64_t(e.block_size);
            if (e.scale.size() != channels * blocks_per_row)
                return make_error("tensor '{}': {} scales, expected {} x {} blocks for shape {}", e.name, e.scale.size(),
                                  channels, blocks_per_row, shape_text);
            break;
    }
    EncodingError r;
    r.numel = numel;
    r.channel_mse.assign(channels ? channels : 1, 0.0);
    std::vector<uint64_t> channel_n(r.channel_mse.size(), 0);
    if (dequantized) dequantized->resize(numel);
    const float qmax = float(std::ldexp(1.0, e.bitwidth) - 1.0);
    uint64_t clipped = 0, finite = 0;
    for (uint64_t i = 0; i < numel; ++i) {
        const float x = v.data[i];
        float xh = x;
        if (std::isfinite(x)) {
            if (e.kind == io::AimetKind::Float) {
                if (e.bitwidth == 16) xh = half_to_float(float_to_half(x));
            } else {
                size_t g = 0;
                if (e.kind == io::AimetKind::PerChannel) g = size_t(i / inner);
                else if (e.kind == io::AimetKind::PerBlock)
                    g = size_t((i / cols) * blocks_per_row + (i % cols) / uint64_t(e.block_size));
                const float scale = float(e.scale[g]);
                const float offset = float(e.offset[g]);
                float q = std::nearbyint(x / scale) - offset;
                if (q < 0.0f || q > qmax) {
                    ++clipped;
                    q = q < 0.0f ? 0.0f : qmax;
                }
                xh = (q + offset) * scale;
            }
            const double d = double(x) - double(xh);
            r.sum_sq += double(x) * double(x);
            r.sum_sq_err += d * d;
            r.max_abs_err = std::max(r.max_abs_err, std::abs(d));
            const size_t c = channels ? size_t(i / inner) : 0;
            r.channel_mse[c] += d * d;
            ++channel_n[c];
            ++finite;
        } else {
            ++r.nonfinite;
        }
        if (dequantized) (*dequantized)[i] = xh;
    }
    for (size_t c = 0; c < r.channel_mse.size(); ++c)
        if (channel_n[c]) r.channel_mse[c] /= double(channel_n[c]);
    if (finite) {
        r.mse = r.sum_sq_err / double(finite);
        r.clipped_fraction = double(clipped) / double(finite);
    }
    r.sqnr_db = r.sum_sq_err > 0 ? 10.0 * std::log10(r.sum_sq / r.sum_sq_err) : std::numeric_limits<double>::infinity();
    r.rel_fro_err = r.sum_sq > 0 ? std::sqrt(r.sum_sq_err / r.sum_sq) : 0.0;
    const double params_bits =
        e.kind == io::AimetKind::Float ? 0.0 : double(e.scale.size()) * (32.0 + (e.symmetric ? 0.0 : 32.0));
    r.bits_per_weight = numel ? double(e.bitwidth) + params_bits / double(numel) : 0.0;
    return r;
}

}  // namespace qs::quant
