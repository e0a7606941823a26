// Hessian spectra from Hessian-vector products, for Hessian-aware sensitivity
// (HAWQ): per-block trace by Hutchinson's estimator (Rademacher probes, running
// mean with its standard error, until a relative tolerance or an iteration cap)
// and the eigenvalue of largest magnitude by power iteration. Both work on any
// HVP operator; nn_hvp() makes one for a core/nn model. Seeded (the same seed
// gives the same numbers) and cancellable through core/util/cancel.hpp.
#pragma once

#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace qs::sensitivity {

// hv = H v over a fixed dimension; an error aborts the estimate.
using HvpFn = std::function<Status(std::span<const double> v, std::span<double> hv)>;

// A contiguous block of the parameter vector (one tensor / layer).
struct ParamBlock {
    std::string name;
    size_t offset = 0;
    size_t size = 0;
};

struct TraceOptions {
    uint64_t seed = 1;
    int min_iterations = 10;    // samples before convergence is tested
    int max_iterations = 300;   // cap on samples per block
    double rel_tol = 0.05;      // converged when std_error <= rel_tol * |trace|
    // true:  a separate probe per unconverged block (zero outside it): variance
    //        2 sum_{i != j in b} H_ij^2, one HVP per block per iteration, each block
    //        stops on its own. The default: on the tests' tiny model it converges
    //        to 3% in ~3,000 HVPs where joint probes have not after 20,000.
    // false: one probe z over all parameters per iteration; block b's sample is
    //        z_b . (H z)_b (one HVP serves every block; the cross-block terms add
    //        variance sum_{i in b, j not in b} H_ij^2, not bias).
    bool per_block_probes = true;
};

struct BlockTrace {
    std::string name;
    size_t size = 0;
    double trace = 0;        // estimate of Tr(H_bb) = E[z_b^T H_bb z_b]
    double std_error = 0;    // standard error of that mean (sample std / sqrt(iterations))
    int iterations = 0;      // samples averaged
    bool converged = false;
    double mean_diagonal() const { return size ? trace / double(size) : 0.0; }  // Tr / n (HAWQ-v2)
};

struct TraceResult {
    std::vector<BlockTrace> blocks;
    int hvp_calls = 0;
    bool converged = false;  // every block converged
    bool cancelled = false;  // stopped through the Progress; the estimates so far are kept
};

Result<TraceResult> hutchinson_trace(const HvpFn& hvp, size_t dim, std::span<const ParamBlock> blocks,
                                     const TraceOptions& opts = {}, const Progress& progress = {});

struct EigenOptions {
    uint64_t seed = 1;
    int max_iterations = 100;
    double rel_tol = 1e-4;  // converged when |lambda_k - lambda_{k-1}| <= rel_tol * |lambda_k|
};

struct EigenResult {
    double eigenvalue = 0;           // Rayleigh quotient v^T H v at the last iterate (largest |lambda|)
    std::vector<double> eigenvector; // unit norm, over the block (or everything)
    int iterations = 0;
    bool converged = false;
    bool cancelled = false;
};

// Power iteration on H (block == nullptr) or on the diagonal block H_bb.
Result<EigenResult> top_eigenvalue(const HvpFn& hvp, size_t dim, const ParamBlock* block,
                                   const EigenOptions& opts = {}, const Progress& progress = {});

// HAWQ-v2's layer cost: Omega = Tr(H) / n * ||Q(W) - W||^2.
inline double hawq_v2_cost(double trace, size_t n, double squared_error) {
    return n ? trace / double(n) * squared_error : 0.0;
}

// For core/nn models: H v of the mean cross-entropy over `data` at the model's
// weights, in float64 (the model and data are copied into the function).
HvpFn nn_hvp(const nn::Model& model, const nn::Dataset& data, int threads = 0);
// One block per parameter tensor, in Arch::params order (weights_only: skip biases).
std::vector<ParamBlock> nn_param_blocks(const nn::Arch& arch, bool weights_only = false);

}  // namespace qs::sensitivity
