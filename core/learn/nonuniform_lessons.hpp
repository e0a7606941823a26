// Lessons 7-8: non-uniform grids and outliers, computed through core/quant.
//   7. k-means codebook vs uniform int vs log2 vs NF4 at the same bits, and the
//      Deep Compression storage formula (log2 K) N + 32 K bits (Han et al., ICLR 2016)
//   8. outliers: dense-and-sparse (SqueezeLLM: keep the largest fraction in full
//      precision) as the fraction varies, and the LLM.int8() decomposition
//      (Dettmers et al., 2022: feature columns with any |x| >= threshold stay in
//      FP16, the rest is int8 with one absmax scale per row)
#pragma once

#include "core/quant/spec.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qs::learn {

// ---- lesson 7 ------------------------------------------------------------------
struct DeepCompressionSize {
    uint64_t n = 0;           // weights
    uint64_t k = 0;           // codebook entries
    double index_bits = 0;    // ceil(log2 K) * N
    double codebook_bits = 0; // 32 * K
    double total_bits = 0;
    double fp32_bits = 0;     // 32 * N
    double ratio = 0;         // fp32_bits / total_bits
    double bits_per_weight = 0;
};
DeepCompressionSize deep_compression_size(uint64_t n, uint64_t k);

struct GridRow {
    std::string label;            // "uniform int4", "k-means K=16", "log2 4-bit", "NF4"
    quant::QuantSpec spec;
    double mse = 0, sqnr_db = 0;
    double bits_per_weight = 0;
    std::vector<float> levels;    // the dequantized levels, ascending
};
// Per-tensor uniform (symmetric int), k-means, log2 and (bits == 4) NF4 grids on x.
Result<std::vector<GridRow>> compare_grids(std::span<const float> x, int bits);

// ---- lesson 8 ------------------------------------------------------------------
struct OutlierPoint {
    double fraction = 0;       // requested fraction kept in full precision
    uint64_t kept = 0;         // elements kept
    double mse = 0, sqnr_db = 0;
    double bits_per_weight = 0;  // dense codes + scales + sparse (index, value) pairs
};
// bits-bit symmetric per-channel int on a rows x cols matrix (rows = 1: per-tensor),
// keeping each fraction of largest |x| aside (core/quant's TopFraction outliers).
Result<std::vector<OutlierPoint>> outlier_sweep(std::span<const float> w, int64_t rows, int64_t cols, int bits,
                                                std::span<const double> fractions);

struct Int8Decomposition {
    double threshold = 0;
    int64_t outlier_columns = 0;  // feature columns kept in FP16
    double mse = 0, sqnr_db = 0;
    double bits_per_weight = 0;   // 16 for kept columns, 8 otherwise, + one 32-bit scale per row
    double mse_plain_int8 = 0;    // the same int8 without the decomposition
};
// w is rows x cols, columns are input features (as in X W^T, Dettmers' outlier dims).
Result<Int8Decomposition> llm_int8_decomposition(std::span<const float> w, int64_t rows, int64_t cols,
                                                 double threshold);

}  // namespace qs::learn
