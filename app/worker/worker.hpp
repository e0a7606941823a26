// The GUI's background worker: a small thread pool running named jobs on
// "lanes". A newer job on a lane cancels the lane's older ones (queued ones are
// dropped, the running one sees Progress::cancelled()), and a result that
// arrives after a newer request is stale: it never reaches on_done. Results
// are handed back on the UI thread by poll(), so the frame loop never waits.
// No GL, no ImGui: unit-tested in tests/app/.
#pragma once

#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace qs::app {

using LaneId = uint32_t;

struct Ticket {
    LaneId lane = 0;
    uint64_t generation = 0;  // 0 = no job
    Progress progress;        // shared with the job: fraction() for a progress bar, cancel()
};

struct JobInfo {
    std::string name;
    LaneId lane;
    double fraction;  // 0..1, 0 when the job reports no total
};

// Handed to a running job: progress (also the cancellation check) and a way to
// publish intermediate values (a sweep's rows so far).
template <class T>
class JobContext {
public:
    JobContext(Progress p, std::function<void(std::shared_ptr<const T>)> post) : progress(std::move(p)), post_(std::move(post)) {}
    Progress progress;
    // Delivered to on_partial on the UI thread unless the job is stale by then.
    void publish(std::shared_ptr<const T> partial) const { post_(std::move(partial)); }

private:
    std::function<void(std::shared_ptr<const T>)> post_;
};

class Worker {
public:
    explicit Worker(int threads = 2);
    ~Worker();  // cancels everything and joins
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    template <class T>
    using JobFn = std::function<Result<std::shared_ptr<const T>>(const JobContext<T>&)>;
    template <class T>
    using DoneFn = std::function<void(Result<std::shared_ptr<const T>>)>;
    template <class T>
    using PartialFn = std::function<void(std::shared_ptr<const T>)>;

    // Runs `fn` on a worker thread. on_done gets its result on the thread that
    // calls poll(), only if no newer job was submitted on `lane` (or the lane
    // cancelled) meanwhile; on_stale (optional) gets successful stale results,
    // e.g. to cache them. Exceptions thrown by fn become an error value.
    template <class T>
    Ticket submit(LaneId lane, std::string name, JobFn<T> fn, DoneFn<T> on_done, PartialFn<T> on_partial = {},
                  DoneFn<T> on_stale = {});

    // Cancels the lane's jobs and makes their results stale.
    void cancel(LaneId lane);
    // Delivers finished results; returns how many callbacks ran. UI thread only.
    size_t poll();
    uint64_t generation(LaneId lane) const;
    bool idle() const;                       // nothing queued, running or waiting for poll()
    std::vector<JobInfo> active() const;     // running and queued jobs, for a status bar
    // Called (from a worker thread) whenever something is ready for poll(): the
    // GUI wakes its event loop with it (glfwPostEmptyEvent). After
    // set_notify({}) returns, the previous callback is never called again.
    void set_notify(std::function<void()> notify);

private:
    struct Job {
        LaneId lane;
        uint64_t generation;
        std::string name;
        Progress progress;
        // Runs the work; returns what to do on the UI thread when current, and when stale.
        std::function<std::pair<std::function<void()>, std::function<void()>>(const Progress&)> run;
    };
    struct Done {
        LaneId lane;
        uint64_t generation;
        std::function<void()> deliver;   // when current
        std::function<void()> if_stale;  // when stale (may be empty)
    };

    Ticket begin_submit(LaneId lane);  // new generation for the lane; cancels its older jobs
    void push(Job job);
    void post(Done d);
    void loop();
    void cancel_locked(LaneId lane);
    void call_notify();

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    struct Running {
        std::string name;
        LaneId lane;
        uint64_t generation;
        Progress progress;
    };
    std::vector<Running> running_;  // jobs being run right now
    std::vector<Done> done_;
    std::unordered_map<LaneId, uint64_t> generation_;
    uint64_t next_generation_ = 1;
    bool stop_ = false;
    std::mutex notify_mu_;            // guards notify_ and its calls (never taken with mu_ held)
    std::function<void()> notify_;
    std::vector<std::thread> threads_;
};

// ---- template implementation ------------------------------------------------

template <class T>
Ticket Worker::submit(LaneId lane, std::string name, JobFn<T> fn, DoneFn<T> on_done, PartialFn<T> on_partial,
                      DoneFn<T> on_stale) {
    Ticket ticket = begin_submit(lane);
    const uint64_t gen = ticket.generation;
    auto run = [this, fn = std::move(fn), on_done = std::move(on_done), on_partial = std::move(on_partial),
                on_stale = std::move(on_stale), lane, gen](const Progress& progress)
        -> std::pair<std::function<void()>, std::function<void()>> {
        auto post_partial = [this, lane, gen, on_partial](std::shared_ptr<const T> v) {
            if (on_partial) post(Done{lane, gen, [on_partial, v] { on_partial(v); }, {}});
        };
        const JobContext<T> ctx(progress, post_partial);
        auto result = std::make_shared<Result<std::shared_ptr<const T>>>(Error{"not run"});
        try {
            *result = fn(ctx);
        } catch (const std::bad_alloc&) {
            *result = Error{"out of memory"};
        } catch (const std::exception& e) {
            *result = Error{std::string("internal error: ") + e.what()};
        }
        std::function<void()> stale;
        if (on_stale && result->ok()) stale = [on_stale, result] { on_stale(std::move(*result)); };
        return {[on_done, result] { on_done(std::move(*result)); }, std::move(stale)};
    };
    push(Job{lane, gen, std::move(name), ticket.progress, std::move(run)});
    return ticket;
}

}  // namespace qs::app
