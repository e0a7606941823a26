// Where the session lives and when it is written, under the config folder:
//   session.json           the session (app/state/session.hpp), written atomically
//   session-previous.json  the one found at start, kept (hard link) before the first save
//   session.lock           "PID running" while the app runs; removed at a clean exit.
//                          Found at start with content = the last run died (kill -9,
//                          crash, power loss). flock() on it tells a live second
//                          instance apart (the kernel drops the lock when a process
//                          dies), which then neither restores nor saves.
// Autosave is debounced: note() is called every frame with the state (comparing is
// cheap); once it differs from what was saved and has been still for `debounce`
// (or has kept changing for `max_delay`), it is serialised on the UI thread and
// written by a small writer thread, so the frame loop never waits on the disk.
#pragma once

#include "app/state/session.hpp"
#include "core/util/result.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace qs::app {

struct SessionTiming {
    std::chrono::milliseconds debounce{2000};   // still for this long -> save
    std::chrono::milliseconds max_delay{10000};  // changing all the time -> save at least this often
};

struct SessionStartup {
    bool active = false;           // this instance owns the session (autosave on)
    bool other_instance = false;   // another live quantscope holds the lock
    bool crashed = false;          // the last run did not exit cleanly
    bool crashed_restoring = false;  // ... and it died while restoring its session
    std::optional<SessionLoad> previous;  // the session found at start
    std::string error;             // the session file was there but unreadable
};

class SessionStore {
public:
    using Clock = std::chrono::steady_clock;
    explicit SessionStore(std::filesystem::path dir, SessionTiming timing = {});
    ~SessionStore();  // flushes nothing and keeps the lock file: a clean exit calls close_clean()
    SessionStore(const SessionStore&) = delete;
    SessionStore& operator=(const SessionStore&) = delete;

    // Takes the lock, tells whether the last run crashed, reads the last session and
    // removes temporary files a killed writer left behind.
    SessionStartup start();
    bool active() const { return active_; }
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path session_path() const { return dir_ / "session.json"; }
    std::filesystem::path lock_path() const { return dir_ / "session.lock"; }

    // While restoring, the lock says so: a crash during the restore is not restored again.
    void set_restoring(bool on);

    // The state every frame; the first call sets the baseline (an untouched app never
    // overwrites the last session). `plan` is asked for only when a save is made.
    void note(const Session& now, Clock::time_point t, const std::function<nlohmann::json()>& plan);
    // Errors from the writer since the last call (the UI posts them).
    std::vector<std::string> take_errors();
    // The state noted last has been written (nothing pending or in flight).
    bool saved_current() const;
    uint64_t saves() const;  // completed writes

    // A clean exit: writes `final_state` synchronously if it changed, stops the
    // writer, removes the lock file. Nothing is written by an inactive store.
    Status close_clean(const Session& final_state, const std::function<nlohmann::json()>& plan);

private:
    void enqueue(std::string text);
    void writer_loop();
    Status write(const std::string& text);
    std::string lock_text(const char* what) const;

    std::filesystem::path dir_;
    SessionTiming timing_;
    bool active_ = false;
    int lock_fd_ = -1;

    // UI thread only
    std::optional<Session> baseline_;   // the state at the first note()
    std::optional<Session> saved_;      // last state handed to the writer
    std::optional<Session> latest_;
    Clock::time_point last_change_{}, first_unsaved_{};
    bool dirty_ = false;
    bool rotated_ = false;              // session.json moved to session-previous.json
    uint64_t enqueued_ = 0;

    // shared with the writer
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::optional<std::string> pending_;
    uint64_t pending_gen_ = 0, written_gen_ = 0, writes_ = 0;
    bool stop_ = false;
    std::vector<std::string> errors_;
    std::thread writer_;
};

// "2026-11-23T14:30:05Z"
std::string utc_timestamp();

}  // namespace qs::app
