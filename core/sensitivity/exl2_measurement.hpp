// exllamav2 measurement.json as a quantscope cost table. exllamav2's convert.py
// measures, per decoder block (`model.layers.N.self_attn`, `.mlp`, ...), a list
// of options, each a set of per-projection QParams with the block's total stored
// bits and its accuracy (1 - mean relative Frobenius error of the block output).
// Here every block becomes one plannable "tensor" whose candidates are its options
// (cost = 1 - accuracy, bits = total_bits), so quantscope's exact planner can
// choose; exl2_anneal() reproduces exllamav2's own choice for comparison.
#pragma once
#include "core/io/model_index.hpp"
#include "core/sensitivity/cost_table.hpp"
#include "core/util/result.hpp"

#include <nlohmann/json.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs::sensitivity {

// Bounds on untrusted measurement files (a 405B model has 126 layers x 2 blocks x ~19 options).
inline constexpr size_t kMaxExl2Blocks = 100'000;
inline constexpr size_t kMaxExl2Options = 1'000;
inline constexpr uint64_t kMaxExl2FileBytes = uint64_t(64) << 20;

struct Exl2Option {
    double accuracy = 0.0;
    uint64_t total_bits = 0;          // exllamav2 casts total_bits to int before optimizing
    std::string label;                // "q_proj 0.05:3b_64g/0.95:2b_64g s4; k_proj ..." (exllamav2's own desc)
    nlohmann::ordered_json raw;       // the option object as read (for writing a strategy back)
    double error() const { return 1.0 - accuracy; }
};

struct Exl2Block {
    std::string key;                  // e.g. "model.layers.3.self_attn"; parallel decoders are split into
                                      // "model.layers.N.self_attn" and "model.layers.N.mlp"
    std::string file_key;             // the key in the file ("model.layers.N.parallel_decoder" for those)
    std::string sub;                  // "attn" / "mlp" inside a parallel decoder, else empty
    int layer = -1;                   // N
    int slot = 0;                     // 0 attention, 1 MLP (exllamav2's slot order within a layer)
    std::vector<std::string> projections;  // keys of the option dicts besides accuracy/total_bits
    std::vector<Exl2Option> options;
    uint64_t numel = 0;               // weights in the block (from the model or estimated)
    bool numel_estimated = false;
};

struct Exl2Measurement {
    std::string path;
    std::optional<int64_t> last_module_idx;
    std::vector<Exl2Block> blocks;    // in exllamav2's slot order: layer 0 attn, layer 0 mlp, layer 1 attn, ...
};

Result<Exl2Measurement> parse_exl2_measurement(const nlohmann::ordered_json& j, const std::string& what);
Result<Exl2Measurement> read_exl2_measurement(const std::filesystem::path& path);

// Weights per block. With a model, the sum of `<key>.*.<proj>.weight` element counts
// for the block's projections (exact; names as in the Hugging Face checkpoint).
// Without one, estimated from the option whose projections all share one plain
// bit width b, group size g and scale bits s: numel ~ total_bits / (b + s/g)
// (ignores per-row permutation and per-group headers, ~0.1% for 4096-wide layers).
Status set_exl2_numel(Exl2Measurement& m, const io::ModelIndex* model);

// The cost table the planner takes. Candidates are the distinct option labels of
// all blocks; a block offers only its own (others are marked not feasible).
CostTable exl2_cost_table(const Exl2Measurement& m);

// exllamav2's optimizer (exllamav2/conversion/optimize.py + ext_quant.cpp sim_anneal),
// re-implemented with a seeded generator instead of std::random_device.
struct AnnealOptions {
    uint64_t seed = 0;
    int samples = 80;                 // anneal_samples; three stages of this many runs
    int iterations = 1000;            // inner iterations per temperature step
    double temp_max = 2.0, temp_min = 0.0001, cooling = 0.995;
    double norm_lo = 1.5, norm_hi = 3.5, norm_2nd = 0.15;
};
struct AnnealResult {
    std::vector<size_t> choice;       // option index per block
    uint64_t bits = 0;                // total stored bits
    double best_norm = 0.0;           // the error exponent exllamav2 settled on
    double sum_err = 0.0, max_err = 0.0, sum_log_err = 0.0;
};
// weight_budget = int(numel * bpw) as optimize.py computes it.
Result<AnnealResult> exl2_anneal(const Exl2Measurement& m, uint64_t weight_budget, const AnnealOptions& opt = {});

}  // namespace qs::sensitivity
