// Internal state of the Learn windows: per-lesson controls and cached results,
// the lazily loaded demo model and digits data, the data-source picker shared by
// the tensor lessons, and a small background-job holder (QAT, Hessian traces).
#pragma once

#include "app/lessons/lesson_common.hpp"
#include "app/lessons/lessons.hpp"

#include "core/learn/model_lessons.hpp"
#include "core/learn/nonuniform_lessons.hpp"
#include "core/learn/uniform_lessons.hpp"
#include "core/nn/qat.hpp"

#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace qs::app::lessons {

// One background computation: started with a function that gets a Progress;
// the frame polls done() and reads the result under the lock.
template <class T>
class Job {
public:
    ~Job() { stop(); }
    void start(std::function<T(const Progress&)> fn) {
        stop();
        progress_ = Progress::make();
        done_ = false;
        result_.reset();
        thread_ = std::thread([this, fn = std::move(fn), p = progress_] {
            T r = fn(p);
            std::lock_guard lk(mu_);
            result_ = std::move(r);
            done_ = true;
        });
    }
    void cancel() { progress_.cancel(); }
    void stop() {
        progress_.cancel();
        if (thread_.joinable()) thread_.join();
    }
    void wait() {
        if (thread_.joinable()) thread_.join();
    }
    bool running() const { return thread_.joinable() && !done_.load(); }
    bool done() const { return done_.load(); }
    double fraction() const { return progress_.fraction(); }
    // Moves the finished result out (once).
    std::optional<T> take() {
        std::lock_guard lk(mu_);
        if (!done_) return std::nullopt;
        if (thread_.joinable()) thread_.join();
        auto r = std::move(result_);
        result_.reset();
        return r;
    }

private:
    std::thread thread_;
    Progress progress_;
    std::atomic<bool> done_{false};
    std::mutex mu_;
    std::optional<T> result_;
};

// Where a tensor lesson takes its values from.
struct DataSource {
    int choice = 0;            // 0 = the lesson's synthetic data, 1.. = demo weights, last = explorer tensor
    uint64_t key = 0;          // changes when the chosen data changes
    std::vector<float> values;
    int64_t rows = 1, cols = 0;
    std::string label;
};

struct DemoAssets {
    bool tried = false;
    std::string error;
    std::optional<nn::Model> model;
    std::optional<nn::DigitsSplit> data;
    double float_accuracy = 0;  // test split
    bool ok() const { return model && data; }
};

struct FormatsState {
    int format = 4;            // FP8 E4M3: small enough for the number line
    uint32_t code = 0x38;      // 1.0
    double typed = 0.1;
    int fixed_bits = 8, fixed_frac = 4;
    bool symlog = true;
};
struct ScaleState {
    std::array<float, 8> x{-1.2f, -0.4f, 0.0f, 0.35f, 0.9f, 1.7f, 2.6f, 3.1f};
    int n = 8;
    int bits = 4;
    bool symmetric = false;
    bool manual_clip = false;
    float clip_lo = -1.0f, clip_hi = 2.0f;
    int rounding = 0;
};
struct SymAsymState {
    DataSource src;
    int bits = 4;
    uint64_t key = 0;
    std::optional<learn::LevelUsage> sym, asym;
    std::string error;
};
struct ClipState {
    DataSource src;
    int bits = 4;
    float percentile = 99.9f;
    float clip_frac = 1.0f;    // the slider: clip = frac * amax
    uint64_t key = 0;
    std::optional<learn::ClipSweep> sweep;
    std::string error;
};
struct RoundingState {
    DataSource src;
    int bits = 3;
    int draws = 32;
    uint64_t key = 0;
    std::vector<learn::RoundingRow> rows;
    std::string error;
};
struct GranularityState {
    DataSource src;
    int bits = 4;
    int group_size = 16;
    float outlier_factor = 20.0f;
    uint64_t key = 0;
    std::vector<learn::GranularityRow> rows;
    std::string error;
};
struct NonUniformState {
    DataSource src;
    int bits = 3;
    int k_for_formula = 16;
    uint64_t key = 0;
    std::vector<learn::GridRow> rows;
    int shown = 1;
    std::string error;
};
struct OutlierState {
    DataSource src;
    int bits = 4;
    float threshold = 6.0f;
    uint64_t key = 0;
    std::vector<learn::OutlierPoint> points;
    std::optional<learn::Int8Decomposition> int8;
    std::string error;
};
struct MixedState {
    Job<Result<learn::MixedPrecisionStudy>> job;
    std::optional<learn::MixedPrecisionStudy> study;
    float budget = 4.0f;
    float last_budget = 4.0f;
    std::string error;
};
struct WhyState {
    int preset = 4;            // Mistral 7B
    double params_billion = 7.2;
    int format = 1;            // FP16
    bool kv = false;
    int context = 4096, batch = 1;
    float bandwidth_tbs = 2.0f;
};
struct LiveState {
    std::array<int, 8> bits{8, 8, 8, 8, 8, 8, 8, 8};     // per weight tensor; 0 = float
    std::array<int, 8> gran{1, 1, 1, 1, 1, 1, 1, 1};     // 0 tensor, 1 channel, 2 group
    std::optional<quant::QuantSpec> explorer;             // set: every layer uses the explorer's spec
    int act = 0;               // 0 off, 1 static minmax, 2 static percentile, 3 static KL, 4 dynamic
    int act_bits = 8;
    uint64_t key = 0;
    std::optional<learn::LiveAccuracy> result;
    std::string error;
    double ms = 0;
};
struct QatCurvePoint {
    int epoch = 0;
    double train_loss = 0, test_accuracy = 0, test_loss = 0;
};
struct QatState {
    int bits = 2;
    int epochs = 6;
    bool lsq = false;
    bool per_channel = true;
    Job<Result<nn::QatResult>> job;
    std::mutex curve_mu;
    std::vector<QatCurvePoint> curve;  // written by the job's epoch callback
    std::optional<double> ptq_accuracy;
    std::optional<nn::QatResult> result;
    std::string error;
};

struct LessonsImpl {
    Style style;
    std::array<bool, size_t(LessonId::Count)> open{};
    DemoAssets demo;
    FormatsState formats;
    ScaleState scale;
    SymAsymState symasym;
    ClipState clip;
    RoundingState rounding;
    GranularityState granularity;
    NonUniformState nonuniform;
    OutlierState outliers;
    MixedState mixed;
    WhyState why;
    LiveState live;
    QatState qat;

    const DemoAssets& assets();  // loads the demo model and data on first use
};

// The data-source combo of a tensor lesson. `synthetic` makes the lesson's own
// data; the explorer's tensor (if any) and the demo MLP's weights are offered too.
// Returns true when the data changed this frame.
bool data_source_combo(LessonsImpl& L, DataSource& src, const LessonInput& in, const char* synthetic_label,
                       const std::function<void(DataSource&)>& synthetic);

void draw_formats(LessonsImpl& L, bool* open);
void draw_scale_zero(LessonsImpl& L, bool* open);
void draw_sym_asym(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_clipping(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_rounding(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_granularity(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_nonuniform(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_outliers(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_mixed_precision(LessonsImpl& L, bool* open);
void draw_why_quantize(LessonsImpl& L, bool* open);
void draw_live_accuracy(LessonsImpl& L, const LessonInput& in, bool* open);
void draw_qat(LessonsImpl& L, bool* open);

// Hash helper for the lessons' recompute keys.
inline uint64_t mix_key(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
}
inline uint64_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

}  // namespace qs::app::lessons
