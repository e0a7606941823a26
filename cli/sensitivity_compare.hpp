// `quantscope-cli sensitivity FILE --compare`: every sensitivity method side by
// side per tensor and spec, with the measured effect and Spearman/Kendall rows
// on a model quantscope can run (docs/sensitivity-compare.md).
#pragma once
#include "cli/plan_common.hpp"

#include <string>

namespace qs::cli {

struct CompareArgs {
    std::string file;
    std::string specs;        // comma-separated candidate list; empty = int2,int3,int4 (per-channel)
    bool json = false;
    bool no_eigen = false;
    bool no_fisher = false;
    SelectArgs select;        // data-free path only
    SourceArgs source;        // seed, tol, max_iter, threads; imatrix for the data-free path
};

int run_sensitivity_compare(const CompareArgs& a);

}  // namespace qs::cli
