// Reader for AIMET quantization encodings files (.encodings JSON), versions 0.6.1
// (param_encodings: {name: [Enc per channel]}) and 1.0.0 (param_encodings: [E]),
// into one per-tensor description (formats.md §8). Applying them to weights is
// quant::apply_aimet_encoding (core/quant/aimet_apply.hpp). Untrusted input: every
// field is type- and range-checked and messages name the file and the tensor.
#pragma once
#include "core/util/result.hpp"

#include <nlohmann/json.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace qs::io {

inline constexpr uint64_t kMaxAimetFileBytes = uint64_t(1) << 30;  // JSON of a very large per-block export
inline constexpr size_t kMaxAimetScales = size_t(1) << 28;          // per tensor

enum class AimetKind { PerTensor, PerChannel, PerBlock, Float, Unsupported };

struct AimetEncoding {
    std::string name;
    AimetKind kind = AimetKind::PerTensor;
    int bitwidth = 8;
    bool symmetric = false;
    std::vector<double> scale;     // 1 (per tensor), channels (axis 0), or channels x blocks (row-major)
    std::vector<double> offset;    // same length; x ~ scale * (q + offset), q in [0, 2^bw - 1]
    int64_t block_size = 0;        // PER_BLOCK: along the last (input) axis
    std::vector<double> min, max;  // 0.6.1 only (as written; informational)
    std::string why;               // Unsupported: what it is (LPBQ, VECTOR, ...)
};

struct AimetEncodings {
    std::string path;
    std::string version;           // "0.6.1", "1.0.0"
    size_t activation_count = 0;   // activation encodings present (not applied: they need data)
    std::vector<AimetEncoding> params;
};

Result<AimetEncodings> parse_aimet_encodings(const nlohmann::json& j, const std::string& what);
Result<AimetEncodings> read_aimet_encodings(const std::filesystem::path& path);

std::string_view aimet_kind_name(AimetKind k);  // "per-tensor", "per-channel", "per-block", "float", "unsupported"

}  // namespace qs::io
