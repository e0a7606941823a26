// Makes a write fail half-way, for real: the code under test runs in a forked child
// whose file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) is `limit` bytes, so write()
// stores part of the data and then fails with EFBIG, as on a full disk. Then the
// caller checks what was left on disk. Returns the child's exit code (what `fn`
// returned), or -1 if it died of a signal.
#pragma once

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace qs::test {

inline int run_with_file_size_limit(uint64_t limit, const std::function<int()>& fn) {
    const pid_t pid = ::fork();
    if (pid < 0) return -2;
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl {};
        rl.rlim_cur = rl.rlim_max = rlim_t(limit);
        if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(99);
        ::_exit(fn());
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -3;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Files in `dir` whose name starts with '.' and contains ".tmp-": what AtomicFile and
// write_file_atomic leave if they do not clean up.
inline std::vector<std::string> temp_files_in(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string n = e.path().filename().string();
        if (!n.empty() && n[0] == '.' && n.find(".tmp-") != std::string::npos) out.push_back(n);
    }
    return out;
}

}  // namespace qs::test
