/// \file detail/stop_impl.hpp
/// Definitions of stop.hpp, included at its end, and the registry of what a
/// second signal must take down before the program ends.
#pragma once

#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../stop.hpp"
#include "process/proc.hpp"

namespace rollcheck {

namespace detail {

/// The one stop of this process: set once, never cleared.
struct stop_state {
    std::atomic<bool> stopped{false};
    std::atomic<int> signal{0};
    std::atomic<std::chrono::steady_clock::rep> at{0};
    std::mutex mutex;
    std::string reason;
    /// Readable once stopped: an eventfd written once and never read.
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
};

inline stop_state& stop() {
    static stop_state instance;
    return instance;
}

/// Set on a thread doing what a stopped run still owes (its notices), bounded
/// by deadlines of its own: the stop does not cut that work short.
inline bool& stop_exempt() {
    thread_local bool exempt = false;
    return exempt;
}

/// While alive, this thread's work goes on after a stop (see stop_exempt).
class after_stop_scope {
public:
    after_stop_scope() : was_(std::exchange(stop_exempt(), true)) {}
    ~after_stop_scope() { stop_exempt() = was_; }
    after_stop_scope(const after_stop_scope&) = delete;
    after_stop_scope& operator=(const after_stop_scope&) = delete;

private:
    bool was_;
};

/// Marks the stop; the first request wins and later ones change nothing.
inline void mark_stop(int signal, const std::string& reason) {
    auto& s = stop();
    {
        const std::lock_guard lock(s.mutex);
        if (s.stopped.load()) return;
        s.reason = reason;
        s.signal = signal;
        s.at = std::chrono::steady_clock::now().time_since_epoch().count();
        s.stopped = true;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(s.fd, &one, sizeof one);
}

/// What a second signal takes down before the program ends: the process
/// groups of the commands and servers running, the scratch directories made.
class stop_registry {
public:
    static void add_group(pid_t group) {
        change([&](auto& r) { r.groups.insert(group); });
    }
    static void remove_group(pid_t group) {
        change([&](auto& r) { r.groups.erase(group); });
    }
    static void add_dir(const std::filesystem::path& dir) {
        change([&](auto& r) { r.dirs.insert(dir); });
    }
    static void remove_dir(const std::filesystem::path& dir) {
        change([&](auto& r) { r.dirs.erase(dir); });
    }

    /// Kills every group and removes every directory, as far as it can.
    static void take_down() {
        auto& r = instance();
        // Another thread may hold the lock forever once the program is told
        // to end; the clean-up is best effort, so it does not wait long.
        std::unique_lock lock(r.mutex, std::defer_lock);
        for (int i = 0; i < 100 && !lock.try_lock(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (!lock.owns_lock()) return;
        for (const pid_t group : r.groups)
            ::kill(-group, SIGKILL);
        // A server must be gone before its files are: give the kills a moment.
        if (!r.groups.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        for (const auto& dir : r.dirs) {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    }

private:
    std::mutex mutex;
    std::set<pid_t> groups;
    std::set<std::filesystem::path> dirs;

    static stop_registry& instance() {
        static stop_registry r;
        return r;
    }
    template <typename Change>
    static void change(Change&& apply) {
        auto& r = instance();
        const std::lock_guard lock(r.mutex);
        apply(r);
    }
};

/// The file that marks a directory in the temporary directory as a
/// rollcheck process's scratch space: "PID START_TICKS", its owner.
inline constexpr const char* scratch_owner_file = ".rollcheck-owner";

/// Marks `dir` (named `rollcheck-*` in the temporary directory) as this
/// process's scratch space: a second signal removes it, and should this
/// process die without removing it (SIGKILL), the next rollcheck program
/// does. Returns why it could not be marked; empty when it was.
inline std::string mark_scratch_dir(const std::filesystem::path& dir) {
    const auto self = read_proc_stat(::getpid());
    std::ofstream out(dir / scratch_owner_file);
    out << ::getpid() << ' ' << (self ? self->start_ticks : 0) << '\n';
    stop_registry::add_dir(dir);
    return out.flush() ? std::string() : "cannot write " + (dir / scratch_owner_file).string();
}

/// The scratch directory `dir` is gone, or about to be: nothing to take down.
inline void unmark_scratch_dir(const std::filesystem::path& dir) {
    stop_registry::remove_dir(dir);
}

/// Whether the process named in the owner file `owner` is gone; a file not
/// (yet) readable names no one, and nothing is judged by it.
inline bool scratch_owner_gone(const std::filesystem::path& owner) {
    std::ifstream in(owner);
    pid_t pid = 0;
    unsigned long long ticks = 0;
    if (!(in >> pid >> ticks) || pid <= 0) return false;
    const auto s = read_proc_stat(pid);
    return !s || s->start_ticks != ticks; // a reused pid is another process
}

/// Kills what still runs from `dir` (a restore's server, whose command line
/// names its data directory there), with its process group when it leads one.
inline void kill_processes_in(const std::filesystem::path& dir) {
    const std::string needle = dir.string() + "/";
    const auto running = [&] {
        std::vector<proc_stat> found;
        for (const auto& p : list_processes())
            if (p.pid != ::getpid() && p.state != 'Z' &&
                read_proc_file(p.pid, "cmdline").find(needle) != std::string::npos)
                found.push_back(p);
        return found;
    };
    for (const auto& p : running())
        ::kill(p.pgrp == p.pid ? -p.pid : p.pid, SIGKILL);
    for (int i = 0; i < 100 && !running().empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

/// Removes the scratch directories that rollcheck processes now gone left in
/// the temporary directory (SIGKILL cannot be caught), ending first what
/// still runs from them. Best effort: a directory it cannot read is left.
inline void remove_stale_scratch() {
    std::error_code ec;
    const auto tmp = std::filesystem::temp_directory_path(ec);
    if (ec) return;
    std::vector<std::filesystem::path> stale;
    for (std::filesystem::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& dir = it->path();
        if (dir.filename().string().rfind("rollcheck-", 0) == 0 &&
            scratch_owner_gone(dir / scratch_owner_file))
            stale.push_back(dir);
    }
    for (const auto& dir : stale) {
        kill_processes_in(dir);
        std::filesystem::remove_all(dir, ec);
    }
}

/// The signals of the stop path.
inline sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (const int sig : {SIGTERM, SIGINT, SIGHUP})
        sigaddset(&set, sig);
    return set;
}

/// "SIGTERM", "SIGINT", "SIGHUP".
inline std::string signal_name(int sig) {
    switch (sig) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "signal " + std::to_string(sig);
    }
}

} // namespace detail

inline void install_stop_signals() {
    static std::once_flag once;
    std::call_once(once, [] {
        const sigset_t set = detail::stop_signals();
        ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
        (void)detail::stop(); // its eventfd exists before any signal comes
        detail::remove_stale_scratch();
        std::thread([set] {
            for (;;) {
                int sig = 0;
                if (::sigwait(&set, &sig) != 0) continue;
                if (!detail::stop().stopped.load()) {
                    detail::mark_stop(sig, detail::signal_name(sig));
                    continue;
                }
                // A second signal: whoever sent it will not wait any longer.
                detail::stop_registry::take_down();
                ::_exit(128 + sig);
            }
        }).detach();
    });
}

inline void request_stop(const std::string& reason) {
    detail::mark_stop(0, reason);
}

inline bool stop_requested() noexcept {
    return detail::stop().stopped.load() && !detail::stop_exempt();
}

inline std::string stop_reason() {
    auto& s = detail::stop();
    const std::lock_guard lock(s.mutex);
    return s.reason;
}

inline std::chrono::steady_clock::time_point stop_time() noexcept {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(detail::stop().at.load()));
}

inline int stop_exit_status() noexcept {
    const int sig = detail::stop().signal.load();
    return sig > 0 ? 128 + sig : 2;
}

inline int stop_fd() noexcept {
    return detail::stop().fd;
}

inline bool sleep_unless_stopped(std::chrono::steady_clock::duration span) {
    if (detail::stop_exempt()) {
        std::this_thread::sleep_for(span);
        return true;
    }
    const auto until = std::chrono::steady_clock::now() + span;
    while (!stop_requested()) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        pollfd p{stop_fd(), POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000 * 60 * 60)));
    }
    return false;
}

} // namespace rollcheck
