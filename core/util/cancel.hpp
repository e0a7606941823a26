// Progress + cancellation for long work. The worker calls progress.update(done)
// between chunks; that call is also the cancellation check (as ImHex tasks do),
// so a job that reports progress can always be stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace qs {

// Shared between the requester (who may cancel) and the job (who reports).
struct ProgressState {
    std::atomic<bool> cancelled{false};
    std::atomic<uint64_t> done{0};
    std::atomic<uint64_t> total{0};
};

class Progress {
public:
    Progress() = default;  // a no-op progress: never cancelled, reports nowhere
    explicit Progress(std::shared_ptr<ProgressState> s) : s_(std::move(s)) {}

    // Returns false when the job should stop.
    bool update(uint64_t done) const {
        if (!s_) return true;
        s_->done.store(done, std::memory_order_relaxed);
        return !s_->cancelled.load(std::memory_order_relaxed);
    }
    void set_total(uint64_t total) const {
        if (s_) s_->total.store(total, std::memory_order_relaxed);
    }
    bool cancelled() const { return s_ && s_->cancelled.load(std::memory_order_relaxed); }
    void cancel() const { if (s_) s_->cancelled.store(true); }
    double fraction() const {
        if (!s_) return 0.0;
        uint64_t t = s_->total.load(std::memory_order_relaxed);
        return t ? double(s_->done.load(std::memory_order_relaxed)) / double(t) : 0.0;
    }
    static Progress make() { return Progress(std::make_shared<ProgressState>()); }

private:
    std::shared_ptr<ProgressState> s_;
};

}  // namespace qs
