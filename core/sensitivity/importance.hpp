// What weights a tensor's quantization error into a predicted loss increase,
// by source (see docs/plan.md, "Sensitivity"):
//   hessian-trace / traces-json  HAWQ-v2: cost = Tr(H)/n * ||Q(W) - W||^2
//   imatrix                      llama.cpp importance: cost = sum_ij imp_j (Q(W) - W)_ij^2,
//                                 the expected output error energy E||dW x||^2 under a
//                                 diagonal activation second moment
//   data-free                    cost = ||Q(W) - W||^2 / ||W||^2 * n / N (relative error
//                                 times the tensor's share of the quantized parameters)
#pragma once
#include "core/io/imatrix.hpp"
#include "core/sensitivity/traces.hpp"
#include "core/util/result.hpp"
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace qs::sensitivity {

enum class Source { HessianTrace, TracesJson, Imatrix, DataFree };

std::string_view source_name(Source s);  // "hessian-trace", "traces-json", "imatrix", "data-free"
Result<Source> parse_source(std::string_view name);
// One sentence for users on how far to trust the source's ranking.
std::string_view source_trust(Source s);

// The weighting of one tensor's squared error.
struct TensorWeight {
    double scale = 1.0;                // multiplies sum (x - x^)^2 (scalar sources)
    std::span<const float> columns;    // imatrix: per input column (x n_mat), else empty
    int64_t n_per_row = 0;             // imatrix: columns per row
    int64_t n_mat = 1;                 // imatrix: matrices (MoE experts)
    double score = 0.0;                // the sensitivity shown to users (Tr/n, mean importance, ...)
    double score_se = 0.0;             // its standard error, 0 when not estimated
    std::string note;                  // e.g. "not in the imatrix: median importance used"
    bool needs_dequantized() const { return !columns.empty(); }
};

// Holds the source's data; weight_for() looks a tensor up. The traces / imatrix
// passed in must outlive this object.
class Importance {
public:
    static Importance data_free(uint64_t quantized_params_total);
    static Importance from_traces(const TraceTable& traces, Source s = Source::TracesJson);
    static Importance from_imatrix(const io::Imatrix& imatrix);

    Source source() const { return source_; }
    // `sum_sq` = sum x^2 of the tensor (data-free needs it). Errors: a traces file
    // without the tensor, an imatrix entry whose length does not fit the shape.
    Result<TensorWeight> weight_for(std::string_view name, std::span<const int64_t> shape, uint64_t numel,
                                    double sum_sq) const;

private:
    Source source_ = Source::DataFree;
    uint64_t total_ = 0;
    const TraceTable* traces_ = nullptr;
    const io::Imatrix* imatrix_ = nullptr;
    double median_importance_ = 1.0;   // for tensors the imatrix does not cover
};

// cost = sum_ij w_j (x_ij - xq_ij)^2 with the row/column/matrix layout of `w`.
double weighted_sq_error(const TensorWeight& w, std::span<const float> x, std::span<const float> xq);

}  // namespace qs::sensitivity
