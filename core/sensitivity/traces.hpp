// Per-tensor Hessian traces as a file: what `quantscope-cli sensitivity --demo`
// writes and what `--traces F` reads, so traces computed elsewhere (PyHessian,
// a training cluster) drive the planner. Schema "quantscope_traces": 1 in
// docs/plan.md.
#pragma once
#include "core/util/result.hpp"
#include <nlohmann/json.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace qs::sensitivity {

struct TensorTrace {
    double trace = 0.0;                   // Tr(H) of the tensor's diagonal block
    double std_error = 0.0;               // of the estimate; 0 when exact or unknown
    uint64_t numel = 0;                   // 0 = not stated (then the model's count is used)
    int iterations = 0;
    bool converged = true;
    std::optional<double> top_eigenvalue;
    double mean_diagonal(uint64_t n) const { return n ? trace / double(n) : 0.0; }  // Tr / n
};

struct TraceTable {
    std::string model;                    // informational
    std::string method = "hutchinson";
    std::map<std::string, TensorTrace, std::less<>> tensors;
};

nlohmann::json traces_to_json(const TraceTable& t);
// `what` names the source in messages (a path).
Result<TraceTable> traces_from_json(const nlohmann::json& j, const std::string& what);
Result<TraceTable> read_traces(const std::filesystem::path& path);
Status write_traces(const TraceTable& t, const std::filesystem::path& path);  // atomic

}  // namespace qs::sensitivity
