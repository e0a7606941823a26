// The scalar reference: plain code written for reading, one function per scheme,
// following the formulas in docs/quantspec.md step by step. It is the oracle the
// fused path (quantize()) is tested against, bit for bit on codes and dequantized
// values; it is slow on purpose-built-for-clarity loops, not for use on big models.
#pragma once

#include "core/quant/calibrate.hpp"
#include "core/quant/formats.hpp"
#include "core/quant/params.hpp"
#include "core/quant/quantize.hpp"

#include <span>
#include <vector>

namespace qs::quant::reference {

// What one scheme function returns for one group: its parameters and, for each
// of the group's values (in the order given), the code, the dequantized value and
// whether it saturated at an end of the grid.
struct GroupOutput {
    GroupParams params;
    std::vector<int32_t> codes;
    std::vector<float> dequantized;
    std::vector<uint8_t> saturated;
    std::vector<float> grid;  // this group's dequantized levels, ascending (for plotting)
};

// `values` are the group's finite, non-outlier elements in C order; `index` their
// flat positions (the stochastic draw of element i is stochastic_uniform(seed, index[i])).
GroupOutput quantize_int_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                               ClipRange clip);
GroupOutput quantize_fp_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                              ClipRange clip);
GroupOutput quantize_nf4_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                               ClipRange clip);
GroupOutput quantize_log2_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                                ClipRange clip);
GroupOutput quantize_mx_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index);
GroupOutput quantize_kmeans_group(const QuantSpec& s, std::span<const float> values,
                                  std::span<const uint64_t> index);
GroupOutput quantize_binary_group(const QuantSpec& s, std::span<const float> values);
GroupOutput quantize_ternary_group(const QuantSpec& s, std::span<const float> values);

// 1-D k-means (Lloyd) on the values, as defined in docs/quantspec.md: sort, start
// from k evenly spaced centroids between min and max, assign each value to the
// nearest centroid (a value exactly between two goes to the lower), move each
// centroid to the mean of its values (an empty cluster keeps its centroid), stop
// when no assignment changes or after max_iters rounds. Means come from a double
// prefix sum over the sorted values.
std::vector<double> kmeans_1d(std::span<const float> values, int k, int max_iters);

// The whole tensor: outliers, groups, calibration, the scheme, metrics, histograms.
Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts = {});

}  // namespace qs::quant::reference
