// The worker's queue and threads; see worker.hpp for the contract.
#include "app/worker/worker.hpp"

#include <algorithm>

namespace qs::app {

Worker::Worker(int threads) {
    threads = std::max(1, threads);
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

Worker::~Worker() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        for (auto& j : queue_) j.progress.cancel();
        for (auto& r : running_) r.progress.cancel();
        queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void Worker::cancel_locked(LaneId lane) {
    for (auto& r : running_)
        if (r.lane == lane) r.progress.cancel();
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->lane == lane) {
            it->progress.cancel();
            it = queue_.erase(it);
        } else {
            ++it;
        }
    }
}

Ticket Worker::begin_submit(LaneId lane) {
    std::lock_guard lock(mu_);
    cancel_locked(lane);
    const uint64_t gen = next_generation_++;
    generation_[lane] = gen;
    return Ticket{lane, gen, Progress::make()};
}

void Worker::push(Job job) {
    {
        std::lock_guard lock(mu_);
        if (stop_) return;
        queue_.push_back(std::move(job));
    }
    cv_.notify_one();
}

void Worker::cancel(LaneId lane) {
    std::lock_guard lock(mu_);
    cancel_locked(lane);
    generation_[lane] = next_generation_++;  // whatever is in flight is now stale
}

uint64_t Worker::generation(LaneId lane) const {
    std::lock_guard lock(mu_);
    auto it = generation_.find(lane);
    return it == generation_.end() ? 0 : it->second;
}

void Worker::post(Done d) {
    {
        std::lock_guard lock(mu_);
        done_.push_back(std::move(d));
    }
    call_notify();
}

void Worker::call_notify() {
    // Called under notify_mu_, so once set_notify({}) returns no call of the old
    // callback is in flight: the app clears it before its window goes away.
    std::lock_guard lock(notify_mu_);
    if (notify_) notify_();
}

void Worker::set_notify(std::function<void()> notify) {
    std::lock_guard lock(notify_mu_);
    notify_ = std::move(notify);
}

size_t Worker::poll() {
    std::vector<Done> done;
    {
        std::lock_guard lock(mu_);
        done.swap(done_);
    }
    size_t delivered = 0;
    for (auto& d : done) {
        // Callbacks may submit new jobs, so the generation is read per item.
        if (generation(d.lane) == d.generation) {
            d.deliver();
            ++delivered;
        } else if (d.if_stale) {
            d.if_stale();
        }
    }
    return delivered;
}

bool Worker::idle() const {
    std::lock_guard lock(mu_);
    return queue_.empty() && running_.empty() && done_.empty();
}

std::vector<JobInfo> Worker::active() const {
    std::lock_guard lock(mu_);
    std::vector<JobInfo> out;
    for (const auto& r : running_) out.push_back({r.name, r.lane, r.progress.fraction()});
    for (const auto& j : queue_) out.push_back({j.name, j.lane, 0.0});
    return out;
}

void Worker::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            running_.push_back({job.name, job.lane, job.generation, job.progress});
        }
        auto [deliver, if_stale] = job.run(job.progress);
        {
            // One critical section, so idle() never sees the job neither running nor done.
            std::lock_guard lock(mu_);
            auto it = std::find_if(running_.begin(), running_.end(),
                                   [&](const Running& r) { return r.generation == job.generation; });
            if (it != running_.end()) running_.erase(it);
            done_.push_back(Done{job.lane, job.generation, std::move(deliver), std::move(if_stale)});
        }
        call_notify();
    }
}

}  // namespace qs::app
