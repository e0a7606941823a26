// Sensitivity methods side by side: per weight tensor and candidate spec, the
// value of every proxy quantscope offers (Hessian trace and top eigenvalue,
// empirical Fisher, llama.cpp-style imatrix, plain weight error, the exact
// second-order Taylor term) and, on a model quantscope can run, the MEASURED
// loss increase and accuracy drop on held-out data when that tensor alone is
// quantized; then each method's rank correlation with the measured effect.
// Formulas per method: method_defs() and docs/sensitivity-compare.md.
#pragma once
#include "core/io/imatrix.hpp"
#include "core/io/model_index.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/sensitivity/candidates.hpp"
#include "core/sensitivity/fisher.hpp"
#include "core/sensitivity/hessian.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::sensitivity {

struct MethodDef {
    std::string id;         // "hawq", stable (JSON keys, CLI)
    std::string label;      // short column title, e.g. "Tr(H)/n*SSE"
    std::string formula;    // one line for users
    bool error_scaled = false;  // depends on the spec (multiplies a quantization error)
    bool needs_data = true;     // needs calibration data / a runnable model (or an imatrix)
};

// Every method, in table order: trace, hawq, eig, eig_bound, fisher, fisher_w,
// imatrix, imatrix_w, taylor, mse, sse, rel.
const std::vector<MethodDef>& method_defs();
const MethodDef* find_method(std::string_view id);

struct CompareRow {
    std::string tensor;
    std::string spec;                 // the candidate's label
    uint64_t numel = 0;
    double sse = 0;                   // ||Q(W) - W||^2
    std::vector<double> values;       // per CompareResult::methods (NaN: not computed)
    double loss_increase = 0;         // measured: test loss with this tensor quantized - float test loss (nats)
    double accuracy_drop = 0;         // measured: float test accuracy - quantized (fraction)
};

struct Correlation {
    double spearman = 0;              // vs measured loss increase (NaN: undefined, e.g. a constant column)
    double kendall = 0;               // tau-b vs measured loss increase
    double spearman_accuracy = 0;     // vs measured accuracy drop
    size_t n = 0;                     // points
};

struct CompareResult {
    std::string model;                // informational
    bool measured = false;            // loss_increase / accuracy_drop / correlations are filled
    double float_loss = 0, float_accuracy = 0;  // test set, float weights
    int64_t calibration_samples = 0, test_samples = 0;
    std::vector<std::string> tensors;
    std::vector<std::string> specs;
    std::vector<MethodDef> methods;   // the columns present
    std::vector<CompareRow> rows;     // tensor-major: rows[t * specs.size() + s]
    std::vector<Correlation> pooled;  // per method: over every (tensor, spec) row
    std::vector<std::vector<Correlation>> per_spec;  // [spec][method]: across tensors at that spec
    int hvp_calls = 0;
    std::vector<std::string> notes;   // e.g. traces that did not converge

    const CompareRow& row(size_t t, size_t s) const { return rows[t * specs.size() + s]; }
};

struct CompareOptions {
    std::vector<CandidateSpec> specs;  // at least one
    TraceOptions trace;                // Hutchinson on the training loss
    bool eigen = true;                 // power iteration per tensor (adds ~max_iterations HVPs each)
    EigenOptions eigen_opts;
    bool fisher = true;
    FisherOptions fisher_opts;
    int threads = 0;
    std::function<void(std::string_view phase)> on_phase;  // called before each phase (any thread: the caller's)
};

// On a runnable model: Hessian, Fisher and imatrix from `data.train`, measured
// effect on `data.test`. Cancelling returns an error "cancelled".
Result<CompareResult> compare_demo(const nn::Model& model, const nn::DigitsSplit& data, const CompareOptions& opts,
                                   const Progress& progress = {});

// On any model (no data): weight error methods, and the imatrix ones when
// `imatrix` is given. `tensors` are indices into m.tensors (quantizable ones).
Result<CompareResult> compare_data_free(const io::ModelIndex& m, const std::vector<size_t>& tensors,
                                        const CompareOptions& opts, const io::Imatrix* imatrix = nullptr,
                                        const Progress& progress = {});

// Fills pooled / per_spec from rows (called by both; exposed for tests).
void correlate(CompareResult& r);

// {"quantscope_sensitivity_compare": 1, ...}: docs/sensitivity-compare.md.
nlohmann::json compare_to_json(const CompareResult& r);

}  // namespace qs::sensitivity
