// The Controller owns AppState, the Worker and the caches. It applies intents,
// then reconciles: from the state it derives what should be computed (the
// selected tensor under the spec, under the pinned spec, the heatmap, ...),
// answers from the caches when it can, and otherwise submits worker jobs.
// update() hands finished results to the state. No GL, no ImGui: the GUI
// calls it once per frame; tests drive it directly.
#pragma once

#include "app/state/app_state.hpp"
#include "app/worker/lru_cache.hpp"
#include "app/worker/quantize_fn.hpp"
#include "app/worker/worker.hpp"
#include "core/io/tensor_cache.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

namespace qs::app {

using OpenModelFn = std::function<Result<io::ModelIndex>(const std::filesystem::path&)>;

struct ControllerOptions {
    QuantizeFn quantize;                         // required
    OpenModelFn open_model;                      // default: qs::io::open_model
    int worker_threads = 3;                      // interactive + pinned/heatmap + sweep side by side
    uint64_t tensor_cache_bytes = uint64_t(1) << 30;
    uint64_t result_cache_bytes = uint64_t(256) << 20;   // analyses (small: no buffers)
    size_t result_cache_entries = 128;
    uint64_t buffer_cache_bytes = uint64_t(768) << 20;   // results with dequantized/codes + heatmaps
    uint64_t max_buffer_elements = uint64_t(1) << 25;    // keep dequantized/codes up to 32M elements
    std::filesystem::path config_dir;            // empty: settings are neither read nor written
};

// What identifies a quantization result: the cache key.
struct ResultKey {
    ModelId model = 0;
    int64_t tensor = -1;
    quant::QuantSpec spec;
    int hist_bins = 256;
    bool buffers = false;  // dequantized + codes kept
    bool operator==(const ResultKey&) const = default;
};

struct HeatKey {
    ResultKey result;
    HeatmapKind kind = HeatmapKind::Weights;
    bool operator==(const HeatKey&) const = default;
};

struct TensorKey {
    ModelId model = 0;
    int64_t tensor = -1;
    bool operator==(const TensorKey&) const = default;
};

// Worker lanes. Opening model id k uses kLaneOpen + k.
enum : LaneId { kLaneA = 1, kLaneB, kLaneHeatA, kLaneHeatB, kLaneSweep, kLaneOpen = 1000 };

class Controller {
public:
    explicit Controller(ControllerOptions opts);
    ~Controller();
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    const AppState& state() const { return s_; }
    void apply(const Intent& in);
    void apply(const Intents& in);
    // Delivers finished work, then starts what the state now needs. Once per frame; never blocks.
    void update();
    // Nothing queued, running or waiting for delivery.
    bool settled() const;
    void set_notify(std::function<void()> notify) { worker_.set_notify(std::move(notify)); }
    void post(Message::Level level, std::string text);
    // Session restore (app/state/session_restore.cpp): A and B at once, a fresh undo history.
    void restore_specs(const quant::QuantSpec& spec, const std::optional<quant::QuantSpec>& pinned);

    // Cache sizes, for tests and the status bar.
    size_t cached_results() const { return results_.size(); }
    uint64_t tensor_cache_bytes() const { return tensors_.bytes_used(); }

private:
    void apply_one(const Intent& in);
    void set_spec(const quant::QuantSpec& spec, uint64_t gesture);
    void select(Selection sel);
    void open_file(const std::string& path);
    void close_model(ModelId id);
    void start_sweep(bool weights_only);
    void save_settings_quietly();
    void export_csv(CsvExport what, const std::string& path);
    void export_spec_json(const std::string& path);

    void reconcile();
    std::optional<ResultKey> want_result(const std::optional<quant::QuantSpec>& spec, bool buffers) const;
    void reconcile_analysis(LaneId lane, const std::optional<ResultKey>& want, std::optional<ResultKey>& requested,
                            Latest<Analysis>& slot, bool is_a);
    void reconcile_heatmap(LaneId lane, const std::optional<quant::QuantSpec>& spec, std::optional<HeatKey>& requested,
                           Latest<HeatmapBundle>& slot);
    void deliver_a(std::shared_ptr<const Analysis> v);
    std::shared_ptr<const io::ModelIndex> model_index(ModelId id) const;

    ControllerOptions opts_;
    AppState s_;
    io::TensorCache tensors_;
    LruCache<ResultKey, Analysis> results_;
    LruCache<ResultKey, quant::QuantResult> buffered_;
    LruCache<TensorKey, Pyramid> pyramids_;
    LruCache<HeatKey, HeatmapBundle> heatmaps_;
    std::optional<ResultKey> req_a_, req_b_;
    std::optional<HeatKey> req_heat_a_, req_heat_b_;
    std::chrono::steady_clock::time_point a_requested_at_{};
    ModelId next_model_id_ = 1;
    uint64_t next_message_id_ = 1;
    Worker worker_;  // last: destroyed first, so no job outlives what it points to
};

}  // namespace qs::app
