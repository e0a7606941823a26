// Quantized safetensors export and its reader. Every tensor of the source model is
// written, one at a time (never the whole model in memory); planned tensors are
// quantized with their spec, the rest copied.
//
//   fake-quant  <name> holds the dequantized weights in the source float dtype (or F32)
//   codes       <name>.qcodes (integer codes, the tensor's shape), <name>.qscale (F32, one
//               per group), <name>.qzero (F32 zero points, asymmetric int only),
//               <name>.qoutlier_index (I64) / <name>.qoutlier_value (F32): elements kept
//               in full precision (outliers, NaN/Inf). __metadata__["quantscope.tensors"]
//               describes each quantized tensor (spec, shape, source dtype, layout).
// Schema and dequantization formulas: docs/plan.md.
#pragma once

#include "core/export/export.hpp"
#include "core/io/model_index.hpp"
#include "core/quant/spec.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace qs::exporter {

Status write_quantized_safetensors(const PlanDocument& plan, const std::filesystem::path& out,
                                   const ExportOptions& options, std::vector<std::string>* warnings);

// A file written in codes mode, opened back.
struct QuantizedTensor {
    std::string name;             // the original tensor name
    std::vector<int64_t> shape;
    std::string source_dtype;
    quant::QuantSpec spec;
    std::string codes, scale, zero_point, outlier_index, outlier_value;  // tensor names in the file ("" = absent)
};

struct QuantizedModel {
    io::ModelIndex file;                  // the safetensors file as stored
    std::string mode;                     // "codes" or "fake-quant"
    std::vector<QuantizedTensor> tensors;  // quantized tensors (codes mode)
    int64_t find(std::string_view name) const;
};

Result<QuantizedModel> read_quantized_safetensors(const std::filesystem::path& path);
// Rebuilds the dequantized values of tensors[i]; `out` holds numel(shape) floats.
// Equal, bit for bit, to quant::quantize(...).dequantized for the same weights and spec.
Status dequantize(const QuantizedModel& m, size_t i, std::span<float> out);

}  // namespace qs::exporter
