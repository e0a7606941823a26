// The GUI worker: delivery on poll(), newer-cancels-older per lane, stale
// results dropped (and offered to on_stale), errors as values, partial results.
#include "app/worker/worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;

// Polls until pred() or a timeout; the UI thread's loop in miniature.
template <class Pred>
bool poll_until(Worker& w, Pred pred, std::chrono::milliseconds timeout = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        w.poll();
        if (pred()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

TEST(Worker, DeliversOnPollOnly) {
    Worker w(2);
    int got = 0;
    std::atomic<bool> ran{false};
    w.submit<int>(
        1, "answer",
        [&](const JobContext<int>&) -> Result<std::shared_ptr<const int>> {
            ran = true;
            return std::make_shared<const int>(42);
        },
        [&](Result<std::shared_ptr<const int>> r) { got = **r; });
    while (!ran) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(5ms);
    EXPECT_EQ(got, 0);  // nothing happens behind the UI thread's back
    ASSERT_TRUE(poll_until(w, [&] { return got == 42; }));
    EXPECT_TRUE(poll_until(w, [&] { return w.idle(); }));
}

TEST(Worker, NewerJobCancelsOlderOnSameLane) {
    Worker w(2);
    std::atomic<bool> first_started{false}, first_saw_cancel{false};
    int delivered = 0, value = 0;
    w.submit<int>(
        7, "slow",
        [&](const JobContext<int>& ctx) -> Result<std::shared_ptr<const int>> {
            first_started = true;
            for (int i = 0; i < 5000 && ctx.progress.update(uint64_t(i)); ++i) std::this_thread::sleep_for(1ms);
            first_saw_cancel = ctx.progress.cancelled();
            if (first_saw_cancel) return Error{"cancelled"};
            return std::make_shared<const int>(1);
        },
        [&](Result<std::shared_ptr<const int>> r) {
            ++delivered;
            if (r) value = **r;
        });
    while (!first_started) std::this_thread::sleep_for(1ms);
    const Ticket t2 = w.submit<int>(
        7, "fast", [](const JobContext<int>&) -> Result<std::shared_ptr<const int>> { return std::make_shared<const int>(2); },
        [&](Result<std::shared_ptr<const int>> r) {
            ++delivered;
            if (r) value = **r;
        });
    ASSERT_TRUE(poll_until(w, [&] { return w.idle(); }));
    EXPECT_TRUE(first_saw_cancel);
    EXPECT_EQ(delivered, 1);  // only the newer one
    EXPECT_EQ(value, 2);
    EXPECT_EQ(w.generation(7), t2.generation);
}

TEST(Worker, QueuedOlderJobIsDroppedWithoutRunning) {
    Worker w(1);
    std::atomic<bool> gate{false};
    std::atomic<int> runs_b{0};
    // Occupy the only thread on another lane.
    w.submit<int>(
        1, "blocker",
        [&](const JobContext<int>&) -> Result<std::shared_ptr<const int>> {
            while (!gate) std::this_thread::sleep_for(1ms);
            return std::make_shared<const int>(0);
        },
        [](Result<std::shared_ptr<const int>>) {});
    int value = 0;
    auto job = [&](int v) {
        return [&, v](const JobContext<int>&) -> Result<std::shared_ptr<const int>> {
            ++runs_b;
            return std::make_shared<const int>(v);
        };
    };
    for (int v = 1; v <= 5; ++v)
        w.submit<int>(2, "b", job(v), [&](Result<std::shared_ptr<const int>> r) { value = **r; });
    gate = true;
    ASSERT_TRUE(poll_until(w, [&] { return w.idle(); }));
    EXPECT_EQ(runs_b.load(), 1);  // 1..4 never ran
    EXPECT_EQ(value, 5);
}

TEST(Worker, StaleResultGoesToOnStaleNotOnDone) {
    Worker w(2);
    std::atomic<bool> started{false}, release{false};
    int done = 0, stale = 0;
    // A job that ignores cancellation and finishes anyway.
    w.submit<int>(
        3, "stubborn",
        [&](const JobContext<int>&) -> Result<std::shared_ptr<const int>> {
            started = true;
            while (!release) std::this_thread::sleep_for(1ms);
            return std::make_shared<const int>(10);
        },
        [&](Result<std::shared_ptr<const int>>) { ++done; }, {},
        [&](Result<std::shared_ptr<const int>> r) { stale += **r; });
    while (!started) std::this_thread::sleep_for(1ms);
    w.cancel(3);  // makes it stale
    release = true;
    ASSERT_TRUE(poll_until(w, [&] { return w.idle(); }));
    EXPECT_EQ(done, 0);
    EXPECT_EQ(stale, 10);
}

TEST(Worker, ExceptionsAndErrorsBecomeValues) {
    Worker w(1);
    std::string err1, err2;
    w.submit<int>(
        1, "throws", [](const JobContext<int>&) -> Result<std::shared_ptr<const int>> { throw std::runtime_error("boom"); },
        [&](Result<std::shared_ptr<const int>> r) { err1 = r.message(); });
    w.submit<int>(
        2, "fails", [](const JobContext<int>&) -> Result<std::shared_ptr<const int>> { return Error{"bad file"}; },
        [&](Result<std::shared_ptr<const int>> r) { err2 = r.message(); });
    ASSERT_TRUE(poll_until(w, [&] { return !err1.empty() && !err2.empty(); }));
    EXPECT_NE(err1.find("boom"), std::string::npos);
    EXPECT_EQ(err2, "bad file");
}

TEST(Worker, LanesAreIndependent) {
    Worker w(2);
    int a = 0, b = 0;
    w.submit<int>(
        1, "a", [](const JobContext<int>&) -> Result<std::shared_ptr<const int>> { return std::make_shared<const int>(1); },
        [&](Result<std::shared_ptr<const int>> r) { a = **r; });
    w.submit<int>(
        2, "b", [](const JobContext<int>&) -> Result<std::shared_ptr<const int>> { return std::make_shared<const int>(2); },
        [&](Result<std::shared_ptr<const int>> r) { b = **r; });
    ASSERT_TRUE(poll_until(w, [&] { return a == 1 && b == 2; }));
}

TEST(Worker, PartialResultsArriveBeforeTheFinalOne) {
    Worker w(1);
    std::vector<int> seen;
    w.submit<int>(
        1, "partials",
        [](const JobContext<int>& ctx) -> Result<std::shared_ptr<const int>> {
            for (int i = 1; i <= 3; ++i) ctx.publish(std::make_shared<const int>(i));
            return std::make_shared<const int>(100);
        },
        [&](Result<std::shared_ptr<const int>> r) { seen.push_back(**r); },
        [&](std::shared_ptr<const int> p) { seen.push_back(*p); });
    ASSERT_TRUE(poll_until(w, [&] { return seen.size() == 4; }));
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 100}));
}

TEST(Worker, DestructorCancelsRunningJobs) {
    std::atomic<bool> started{false}, saw_cancel{false};
    {
        Worker w(1);
        w.submit<int>(
            1, "forever",
            [&](const JobContext<int>& ctx) -> Result<std::shared_ptr<const int>> {
                started = true;
                while (ctx.progress.update(0)) std::this_thread::sleep_for(1ms);
                saw_cancel = true;
                return Error{"cancelled"};
            },
            [](Result<std::shared_ptr<const int>>) {});
        while (!started) std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(saw_cancel);
}

TEST(Worker, ActiveListsRunningJobsWithProgress) {
    Worker w(1);
    std::atomic<bool> started{false}, release{false};
    w.submit<int>(
        1, "named job",
        [&](const JobContext<int>& ctx) -> Result<std::shared_ptr<const int>> {
            ctx.progress.set_total(4);
            ctx.progress.update(1);
            started = true;
            while (!release) std::this_thread::sleep_for(1ms);
            return std::make_shared<const int>(0);
        },
        [](Result<std::shared_ptr<const int>>) {});
    while (!started) std::this_thread::sleep_for(1ms);
    auto act = w.active();
    ASSERT_EQ(act.size(), 1u);
    EXPECT_EQ(act[0].name, "named job");
    EXPECT_DOUBLE_EQ(act[0].fraction, 0.25);
    EXPECT_FALSE(w.idle());
    release = true;
    ASSERT_TRUE(poll_until(w, [&] { return w.idle(); }));
}

}  // namespace
}  // namespace qs::app
