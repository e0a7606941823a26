// SIGBUS guard for reads of mapped files (see fault_guard.hpp). Why a signal
// handler and not only checks: the kernel can shrink the file between any check
// and the load. Why this is safe: the guarded region is a bare memcpy with no
// C++ objects, so siglongjmp out of it skips no destructor. The handler is the one
// piece of process state in core/; a signal disposition cannot be per object.
#include "core/io/fault_guard.hpp"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace qs::io {
namespace {

// Per thread: where to jump when the guarded copy on this thread faults.
// Initial-exec TLS in the executable, so reading it in the handler is safe.
thread_local sigjmp_buf* t_jump = nullptr;

struct sigaction g_previous{};  // written once, before the handler is installed

void on_sigbus(int sig, siginfo_t* info, void* ctx) {
    if (sigjmp_buf* jb = t_jump) {
        t_jump = nullptr;
        siglongjmp(*jb, 1);
    }
    // Not ours: behave as if we were never installed.
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction) return g_previous.sa_sigaction(sig, info, ctx);
    } else if (g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != SIG_DFL && g_previous.sa_handler) {
        return g_previous.sa_handler(sig);
    }
    // SIG_DFL (or SIG_IGN, which cannot skip a fault): restore and return, so the
    // faulting load runs again and the default action ends the process.
    sigaction(SIGBUS, &g_previous, nullptr);
    if (g_previous.sa_handler == SIG_IGN) signal(SIGBUS, SIG_DFL);
}

void install_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &g_previous);
    });
}

}  // namespace

bool copy_guarded(void* dst, const void* src, size_t n) {
    if (n == 0) return true;
    install_once();
    sigjmp_buf jb;
    // savemask=1: the handler runs with SIGBUS blocked unless SA_NODEFER; restoring
    // the mask on the jump keeps later faults deliverable either way.
    if (sigsetjmp(jb, 1) != 0) return false;  // t_jump was cleared by the handler
    t_jump = &jb;
    std::atomic_signal_fence(std::memory_order_seq_cst);  // armed before the first load
    std::memcpy(dst, src, n);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_jump = nullptr;
    return true;
}

}  // namespace qs::io
