// llama.cpp importance matrices (llama-imatrix output): per weight, the mean
// of x² over calibration tokens for each input column. The sensitivity work
// weights squared quantization error per column with these values, exactly as
// llama-quantize feeds them to the ggml quantizers.
//
// Two layouts (/work/shared/formats.md §3):
//   GGUF (current): general.type = "imatrix", imatrix.datasets, .chunk_count,
//     .chunk_size; per weight F32 tensors <name>.in_sum2 (Σx², ne = [n_per_row,
//     n_mat]), <name>.counts (tokens per matrix, ne = [1, n_mat]), optional
//     <name>.in_sum (Σx).
//   legacy .dat: i32 n_entries; per entry i32 len, name, i32 ncall, i32 nval,
//     f32[nval] (mean x² · ncall); optional trailer i32 last_chunk, i32 len, dataset.
#pragma once

#include "core/io/mapped_file.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qs::io {

struct ImatrixEntry {
    std::string name;                   // weight name, e.g. "blk.0.attn_k.weight"
    int64_t n_per_row = 0;              // input columns of the weight (its ne0)
    int64_t n_mat = 1;                  // matrices (MoE experts); legacy files always 1
    // importance[m * n_per_row + i]: mean x² of input column i of matrix m,
    // i.e. in_sum2 / counts[m] (legacy: stored / ncall), and 1 where the
    // matrix saw no tokens (counts <= 0) -- what llama-quantize computes.
    std::vector<float> importance;
    std::vector<float> counts;          // tokens seen per matrix; legacy: {ncall}
    // Mean x per column (in_sum / counts, 0 where counts <= 0); empty when the
    // file has no <name>.in_sum (older builds, legacy files).
    std::vector<float> mean_activation;
};

struct Imatrix {
    std::string path;
    std::string format;                 // "gguf" or "legacy"
    std::vector<ImatrixEntry> entries;  // sorted by name
    std::vector<std::string> datasets;  // calibration data files
    int64_t chunk_count = -1;           // chunks processed; -1 when the file does not say
    int64_t chunk_size = 0;             // tokens per chunk; 0 when unknown (legacy)

    const ImatrixEntry* find(std::string_view name) const;  // nullptr when absent
};

// Reads either layout (GGUF by its magic, legacy otherwise), validating
// every size and count against the file before use.
Result<Imatrix> open_imatrix(const std::filesystem::path& path);
Result<Imatrix> open_imatrix(FilePtr file);  // bytes already mapped (or in memory)

}  // namespace qs::io
