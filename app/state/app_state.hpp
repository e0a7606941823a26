// AppState: everything the views draw, as plain data. Only the Controller
// writes it (applying intents and delivering worker results); views get a
// const reference. Results are immutable and shared (shared_ptr<const T>), so
// a view can keep drawing an older result while a newer one computes.
#pragma once

#include "app/state/intents.hpp"
#include "app/state/settings.hpp"
#include "app/state/spec_history.hpp"
#include "app/worker/analysis.hpp"
#include "app/worker/heatmap_data.hpp"
#include "app/worker/sweep.hpp"
#include "core/io/model_index.hpp"
#include "core/quant/spec.hpp"
#include "core/util/cancel.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs::app {

enum class JobStatus : uint8_t {
    Empty,    // nothing requested (no tensor selected, view hidden)
    Running,  // a job is computing the current request; `value` may be an older one
    Ready,    // `value` answers the current request
    Failed,   // `error` says why; `value` is empty
};

// The latest answer to one kind of request.
template <class T>
struct Latest {
    JobStatus status = JobStatus::Empty;
    std::shared_ptr<const T> value;
    std::string error;
    Progress progress;  // of the running job (fraction() for a progress bar)
};

struct OpenModel {
    enum class State : uint8_t { Loading, Ready, Failed };
    ModelId id = 0;
    std::string path;
    State state = State::Loading;
    std::shared_ptr<const io::ModelIndex> index;  // when Ready
    std::string error;                            // when Failed
    double open_ms = 0.0;
};

struct Selection {
    ModelId model = 0;
    int64_t tensor = -1;
    bool valid() const { return model != 0 && tensor >= 0; }
    bool operator==(const Selection&) const = default;
};

struct Message {
    enum class Level : uint8_t { Info, Warning, Error };
    uint64_t id = 0;
    Level level = Level::Info;
    std::string text;
};

// Timing of the interactive path, for the status bar and the bench script.
struct LatencyStats {
    uint64_t requests = 0;        // A requests (cache misses submitted to the worker)
    uint64_t cache_hits = 0;      // A requests answered from the cache
    uint64_t delivered = 0;       // A results delivered (current, not stale)
    uint64_t stale_dropped = 0;   // results that arrived after a newer request
    double last_request_to_result_ms = 0.0;  // request (intent applied) -> result in AppState
    double last_quantize_ms = 0.0;           // quantize() time on the worker
};

struct AppState {
    std::vector<OpenModel> models;
    ModelId shown_model = 0;                   // the browser's active tab
    Selection selection;
    quant::QuantSpec spec;                     // A: the spec being edited
    SpecHistory history;
    std::optional<quant::QuantSpec> pinned;    // B: pinned for comparison
    Latest<Analysis> a, b;                     // spec / pinned spec on the selected tensor
    std::shared_ptr<const Analysis> previous;  // A's value before the last change (metric deltas)
    HeatmapKind heatmap_kind = HeatmapKind::Weights;
    Latest<HeatmapBundle> heat_a, heat_b;
    Latest<SweepTable> sweep;
    ModelId sweep_model = 0;
    std::vector<Message> messages;
    Settings settings;                         // UI scale, theme, bins, recent files (persisted)
    std::array<bool, size_t(ViewId::Count)> show{};  // window visibility
    LatencyStats stats;

    const OpenModel* find_model(ModelId id) const;
    const io::TensorInfo* selected_info() const;  // nullptr when nothing (valid) is selected
    bool busy() const;  // something the user waits for is computing
};

}  // namespace qs::app
