// Session lock, autosave and the writer thread; see session_store.hpp.
#include "app/state/session_store.hpp"

#include "core/util/atomic_write.hpp"
#include "core/util/read_text.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace qs::app {

std::string utc_timestamp() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

SessionStore::SessionStore(std::filesystem::path dir, SessionTiming timing) : dir_(std::move(dir)), timing_(timing) {}

SessionStore::~SessionStore() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (lock_fd_ >= 0) ::close(lock_fd_);  // the lock file stays: only close_clean() means a clean exit
}

std::string SessionStore::lock_text(const char* what) const { return fmt::format("{} {}\n", ::getpid(), what); }

SessionStartup SessionStore::start() {
    SessionStartup out;
    if (dir_.empty()) return out;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    const std::string lp = lock_path().string();
    const int fd = ::open(lp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        out.error = fmt::format("{}: cannot create the session lock ({}); the session is not saved", lp,
                                std::strerror(errno));
        return out;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        out.other_instance = true;
        return out;
    }
    // Content left by the last run = it never reached its clean exit.
    char buf[128] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
        out.crashed = true;
        out.crashed_restoring = std::strstr(buf, "restoring") != nullptr;
    }
    lock_fd_ = fd;
    active_ = out.active = true;
    set_restoring(false);

    // A writer killed mid-write leaves its temporary file (the target is intact).
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        for (const char* base : {".session.json.tmp-", ".settings.json.tmp-", ".imgui.ini.tmp-"})
            if (name.rfind(base, 0) == 0) std::filesystem::remove(e.path(), ec);
    }

    if (std::filesystem::exists(session_path(), ec)) {
        auto text = read_text_file(session_path(), uint64_t(64) << 20);
        if (!text) {
            out.error = text.message();
        } else if (auto s = parse_session(*text, session_path().string()); !s) {
            out.error = s.message();
        } else {
            out.previous = std::move(*s);
        }
    }
    return out;
}

void SessionStore::set_restoring(bool on) {
    if (lock_fd_ < 0) return;
    const std::string t = lock_text(on ? "restoring" : "running");
    if (::ftruncate(lock_fd_, 0) == 0 && ::pwrite(lock_fd_, t.data(), t.size(), 0) == ssize_t(t.size()))
        ::fdatasync(lock_fd_);
}

void SessionStore::note(const Session& now, Clock::time_point t, const std::function<nlohmann::json()>& plan) {
    if (!active_) return;
    if (!baseline_) {
        baseline_ = now;
        saved_ = now;
        return;
    }
    if (!latest_ || !(*latest_ == now)) {
        latest_ = now;
        if (!(now == *saved_)) {
            if (!dirty_) first_unsaved_ = t;
            dirty_ = true;
            last_change_ = t;
        } else {
            dirty_ = false;  // changed back to what is on disk
        }
    }
    if (dirty_ && (t - last_change_ >= timing_.debounce || t - first_unsaved_ >= timing_.max_delay)) {
        Session s = *latest_;
        if (plan) s.last_plan = plan();
        enqueue(session_json_text(s, utc_timestamp()));
        saved_ = latest_;
        dirty_ = false;
    }
}

void SessionStore::enqueue(std::string text) {
    {
        std::lock_guard lk(mu_);
        pending_ = std::move(text);
        pending_gen_ = ++enqueued_;
        if (!writer_.joinable()) writer_ = std::thread([this] { writer_loop(); });
    }
    cv_.notify_all();
}

void SessionStore::writer_loop() {
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait(lk, [&] { return stop_ || pending_; });
        if (!pending_) return;  // stopping with nothing left
        std::string text = std::move(*pending_);
        pending_.reset();
        const uint64_t gen = pending_gen_;
        lk.unlock();
        const Status st = write(text);
        lk.lock();
        written_gen_ = gen;
        ++writes_;
        if (!st) errors_.push_back("session not saved: " + st.message());
        if (stop_ && !pending_) return;
    }
}

Status SessionStore::write(const std::string& text) {
    if (!rotated_) {
        // Keep the session found at start (once) before this run replaces it.
        // A hard link, not a rename: session.json stays whole until the atomic write replaces it.
        std::error_code ec;
        const auto prev = dir_ / "session-previous.json";
        if (std::filesystem::exists(session_path(), ec)) {
            std::filesystem::remove(prev, ec);
            std::filesystem::create_hard_link(session_path(), prev, ec);
            if (ec) std::filesystem::copy_file(session_path(), prev, ec);
        }
        rotated_ = true;
    }
    return write_file_atomic(session_path(), text);
}

std::vector<std::string> SessionStore::take_errors() {
    std::lock_guard lk(mu_);
    return std::exchange(errors_, {});
}

bool SessionStore::saved_current() const {
    std::lock_guard lk(mu_);
    return !dirty_ && !pending_ && written_gen_ == enqueued_;
}

uint64_t SessionStore::saves() const {
    std::lock_guard lk(mu_);
    return writes_;
}

Status SessionStore::close_clean(const Session& final_state, const std::function<nlohmann::json()>& plan) {
    if (!active_) return {};
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();  // finishes what was pending
    Status st;
    if (baseline_ && !(final_state == *saved_)) {
        Session s = final_state;
        if (plan) s.last_plan = plan();
        st = write(session_json_text(s, utc_timestamp()));
    }
    std::error_code ec;
    std::filesystem::remove(lock_path(), ec);
    ::close(lock_fd_);
    lock_fd_ = -1;
    active_ = false;
    return st;
}

}  // namespace qs::app
