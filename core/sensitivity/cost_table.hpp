// The cost table: for every quantizable tensor and every candidate spec, the
// stored size and the predicted cost (importance-weighted squared error). It is
// the expensive, per-tensor part of planning, so it can be computed in shards
// (a slice of the tensors per job) and merged; planning from a full table takes
// milliseconds. JSON schema "quantscope_costs": 1 (docs/plan.md).
#pragma once
#include "core/io/model_index.hpp"
#include "core/sensitivity/candidates.hpp"
#include "core/sensitivity/importance.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"
#include <nlohmann/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace qs::sensitivity {

struct CandidateCost {
    bool feasible = true;
    std::string why;               // when not feasible (e.g. the spec does not fit the shape)
    double bits_per_weight = 0.0;
    double sum_sq_err = 0.0;       // sum (x - x^)^2
    double cost = 0.0;             // predicted loss increase
    double sqnr_db = 0.0;
};

struct TensorCosts {
    uint64_t index = 0;            // position in the model's tensor list
    std::string name;
    std::vector<int64_t> shape;
    std::string dtype;
    uint64_t numel = 0;
    double sum_sq = 0.0;           // sum x^2
    double score = 0.0;            // sensitivity shown to users (TensorWeight::score)
    double score_se = 0.0;
    std::string note;
    std::vector<CandidateCost> costs;  // one per candidate, same order
};

struct KeptTensor {
    uint64_t index = 0;
    std::string name;
    std::vector<int64_t> shape;
    std::string dtype;
};

struct Shard {
    uint32_t index = 0;            // 0-based
    uint32_t count = 1;
};
// "i/n" with 1 <= i <= n (1-based, as job arrays number tasks).
Result<Shard> parse_shard(std::string_view text);

struct CostTable {
    std::string model;             // path as given
    std::string fingerprint;       // of the model's tensor list (names, shapes, dtypes, sizes)
    Source source = Source::DataFree;
    std::vector<CandidateSpec> candidates;
    Shard shard;
    uint64_t quantizable_total = 0;  // over all shards
    std::vector<TensorCosts> tensors;  // this shard's, in model order
    std::vector<KeptTensor> kept;      // tensors left as they are (same list in every shard)
};

std::string model_fingerprint(const io::ModelIndex& m);

// The tensors of `quantizable` that shard `s` owns: largest-first assignment to
// the least-loaded shard (by elements), so shards finish together. Deterministic.
std::vector<size_t> shard_tensors(const io::ModelIndex& m, const std::vector<size_t>& quantizable, Shard s);

struct CostOptions {
    int threads = 0;               // passed to quant::quantize
    // Called before each tensor (elements x candidates done so far, of total), e.g. for a progress bar.
    std::function<void(uint64_t done, uint64_t total, const std::string& tensor)> on_tensor;
};

// Decodes each of the shard's tensors once and quantizes it under every candidate.
// Cancelling returns an error ("cancelled").
Result<CostTable> compute_costs(const io::ModelIndex& m, const std::vector<size_t>& quantizable,
                                const std::vector<size_t>& kept, const std::vector<CandidateSpec>& candidates,
                                const Importance& importance, Shard shard, const CostOptions& opts = {},
                                const Progress& progress = {});

nlohmann::json cost_table_to_json(const CostTable& t);
Result<CostTable> cost_table_from_json(const nlohmann::json& j, const std::string& what);
Result<CostTable> read_cost_table(const std::filesystem::path& path);
Status write_cost_table(const CostTable& t, const std::filesystem::path& path);  // atomic

// Joins the shards of one run: same model fingerprint, candidates, source and
// shard count; every shard exactly once; every quantizable tensor exactly once.
Result<CostTable> merge_cost_tables(std::vector<CostTable> parts);

}  // namespace qs::sensitivity
