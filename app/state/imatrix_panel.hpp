// The Importance window's state (issue 9): a llama.cpp imatrix loaded off the UI
// thread, and for the selected weight tensor its per-input-column importance and
// the imatrix-weighted MSE of spec A (and pinned B) beside the plain MSE. Jobs run
// on std::async; update() polls them each frame. No GL, no ImGui.
#pragma once

#include "app/state/app_state.hpp"
#include "core/io/imatrix.hpp"

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs::app {

struct ImportanceStats {
    std::string tensor;
    std::string note;                    // how the imatrix entry was found / why it is missing
    std::vector<float> columns;          // importance per input column (mean over MoE matrices)
    int64_t n_mat = 1;
    double col_max = 0, col_median = 0;
    struct Metric {
        std::string spec;
        double mse = 0;                  // mean (x - x^)^2
        double weighted_mse = 0;         // sum_ij w_j (x - x^)^2 / sum_ij w_j
    };
    std::optional<Metric> a, b;
};

class ImatrixPanel {
public:
    bool open = false;
    std::string path_input;

    void load(const std::string& path);  // replaces the loaded file when it succeeds
    void update(const AppState& app);    // polls jobs; starts one when the selection or specs change
    bool settled() const { return !load_job_.valid() && !job_.valid(); }

    const io::Imatrix* imatrix() const { return imatrix_.get(); }
    bool loading() const { return load_job_.valid(); }
    bool computing() const { return job_.valid(); }
    const std::string& load_error() const { return load_error_; }
    const std::shared_ptr<const ImportanceStats>& stats() const { return stats_; }
    const std::string& error() const { return error_; }

private:
    std::shared_ptr<const io::Imatrix> imatrix_;
    std::future<Result<io::Imatrix>> load_job_;
    std::string load_error_;
    std::future<Result<ImportanceStats>> job_;
    std::shared_ptr<const ImportanceStats> stats_;
    std::string error_;
    std::string key_;                    // what stats_ (or the running job) answers
};

}  // namespace qs::app
