// Anomaly flags: what is wrong with a tensor before anyone quantizes it. Per
// tensor and per channel (rows along axis 0, the output axis): NaN/Inf and
// source-dtype denormals, dead or near-constant channels, heavy tails, and,
// under a QuantSpec, saturation and unused codes. One streaming pass over the
// decoded floats plus one quantize pass; thresholds in docs/anomalies.md.
#pragma once

#include "core/io/dtype.hpp"
#include "core/io/model_index.hpp"
#include "core/io/tensor_cache.hpp"
#include "core/quant/spec.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::analysis {

enum class AnomalyKind : uint8_t {
    NonFinite,     // NaN or +-Inf stored in the file
    DecodeError,   // the tensor could not be decoded (bad bytes, too large)
    Denormal,      // subnormal values in the source dtype (f32, f16, bf16, fp8)
    DeadChannel,   // channels whose std collapses towards zero next to the tensor's
    HeavyTails,    // excess kurtosis or max|x - mean| / std far beyond a Gaussian's
    Saturation,    // values outside the spec's clip range (tensor or one channel)
    UnusedCodes,   // levels of the spec's grid that no value maps to (tensor or one channel)
};
enum class Severity : uint8_t { Info, Warning, Error };

std::string_view anomaly_kind_name(AnomalyKind k);  // "nonfinite", "dead_channel", ...
std::string_view severity_name(Severity s);          // "info", "warning", "error"

// Defaults and their reasons: docs/anomalies.md. Overridable from JSON (CLI
// --thresholds) with the same keys as the field names.
struct AnomalyThresholds {
    double dead_channel_ratio = 1e-3;      // channel std / tensor std below this = dead or near-constant
    double excess_kurtosis = 10.0;         // m4/m2^2 - 3 above this = heavy tails (Gaussian 0, Laplace 3)
    double max_over_std = 15.0;            // max|x - mean| / std above this = heavy tails
    double saturation_tensor = 1e-3;       // fraction of the tensor outside the clip range
    double saturation_channel = 1e-2;      // fraction of one channel outside its clip range
    double unused_codes_tensor = 0.5;      // fraction of the grid's levels never hit in the tensor
    double unused_codes_channel = 0.75;    // ... in one channel
    double min_samples_per_level = 8.0;    // unused codes are judged only where n >= this * levels
    uint64_t min_elements = 256;           // smaller tensors get no statistical flags (tails, dead, codes)
    uint64_t denormal_count = 1;           // this many source subnormals or more = flag (info)
    uint64_t max_channels_listed = 16;     // channel indices kept per flag (the count is always exact)
    bool operator==(const AnomalyThresholds&) const = default;
};

struct Anomaly {
    AnomalyKind kind = AnomalyKind::NonFinite;
    Severity severity = Severity::Warning;
    double value = 0.0;              // the measured figure (unit per kind, docs/anomalies.md)
    double threshold = 0.0;          // the threshold it crossed
    std::vector<int64_t> channels;   // worst channels first, at most max_channels_listed; empty = whole tensor
    uint64_t channel_count = 0;      // channels that crossed the threshold (0 = tensor-level flag)
    std::string message;             // one line for people
};

// Everything measured on one tensor, flagged or not.
struct TensorStats {
    uint64_t numel = 0;
    uint64_t finite = 0;
    uint64_t nan = 0, pos_inf = 0, neg_inf = 0;
    uint64_t denormals = 0;                    // subnormals of the source dtype (0 when not applicable)
    bool denormals_counted = false;            // source dtype is f32/bf16/f16/fp8
    double min = 0, max = 0, mean = 0, std = 0;  // over finite values; std = population std
    double excess_kurtosis = 0;                // n*M4/M2^2 - 3 (0 for a constant tensor)
    double max_over_std = 0;                   // max|x - mean| / std (0 for a constant tensor)
    int64_t argmax_channel = -1;               // channel holding max|x - mean| (rank >= 2)
    uint64_t channels = 0;                     // rows along axis 0 (0 for rank < 2)
    uint64_t dead_channels = 0;                // channel std / tensor std < dead_channel_ratio
    double min_channel_std_ratio = 0;          // smallest channel std / tensor std
    // Under the spec (absent when no spec was given or it does not fit the tensor)
    bool quantized = false;
    std::string quant_note;                    // why quantization was skipped, if it was
    double saturated_fraction = 0;             // finite values outside their group's clip range
    double worst_channel_saturation = 0;
    int64_t worst_saturation_channel = -1;
    uint64_t levels = 0;                       // finite levels of the grid
    double unused_codes_fraction = 0;          // 1 - codes used / levels, whole tensor
    double worst_channel_unused = 0;           // the same in the worst judged channel
    int64_t worst_unused_channel = -1;
};

struct TensorReport {
    std::string name;
    size_t index = 0;                // in the ModelIndex
    io::DType dtype = io::DType::F32;
    std::vector<int64_t> shape;
    TensorStats stats;
    std::vector<Anomaly> flags;      // worst first
    std::optional<Severity> worst() const;  // nullopt = clean
};

// One tensor's floats (C order) as decoded from `source` dtype. `spec` (may be
// null) adds the saturation and unused-codes checks. `progress` is only polled for
// a cancel (between rows), never updated.
Result<TensorReport> check_tensor(std::span<const float> data, std::span<const int64_t> shape, io::DType source,
                                  std::string_view name, const quant::QuantSpec* spec,
                                  const AnomalyThresholds& th = {}, const Progress& progress = {});

struct ModelCheckOptions {
    std::optional<quant::QuantSpec> spec;         // for saturation and unused codes
    AnomalyThresholds thresholds;
    std::vector<size_t> tensors;                  // which tensors; empty = every float tensor
    io::TensorCache* cache = nullptr;             // decode through it; null = decode_tensor_capped
    uint64_t max_decode_bytes = uint64_t(8) << 30;  // without a cache: largest tensor decoded
};

struct ModelReport {
    std::string path, format;
    std::optional<quant::QuantSpec> spec;
    AnomalyThresholds thresholds;
    std::vector<TensorReport> tensors;            // checked tensors, worst first
    struct Skipped { std::string name; std::string reason; };
    std::vector<Skipped> skipped;                 // not checked (integer dtypes, no decoder)
    uint64_t count(Severity s) const;             // flags of that severity over all tensors
    uint64_t flagged() const;                     // tensors with at least one flag
};

// One tensor of a model, decoded through opts.cache or decode_tensor_capped and
// checked. A tensor that is not floating point comes back as `skipped`; one that
// cannot be decoded as a report with a DecodeError flag. `progress` is only
// polled for a cancel (an error "cancelled").
struct TensorOutcome {
    std::optional<TensorReport> report;
    std::optional<ModelReport::Skipped> skipped;
};
Result<TensorOutcome> check_model_tensor(const std::shared_ptr<const io::ModelIndex>& model, size_t index,
                                         const ModelCheckOptions& opts, const Progress& progress = {});

// Checks tensors one at a time (bounded memory: one decoded tensor, one codes
// buffer). progress counts tensors; a cancel returns an error "cancelled".
Result<ModelReport> check_model(const std::shared_ptr<const io::ModelIndex>& model, const ModelCheckOptions& opts,
                                const Progress& progress = {});

// Worst first: by worst severity, then by how far the worst flag passed its threshold.
void sort_worst_first(std::vector<TensorReport>& reports);

// The smallest normal magnitude of a source dtype whose subnormals we count
// (f32/bf16: 2^-126, f16: 2^-14, fp8 e4m3: 2^-6, ...); nullopt otherwise.
std::optional<float> source_min_normal(io::DType t);

}  // namespace qs::analysis
