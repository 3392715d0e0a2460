/// \file detail/process/spawn.hpp
/// Starting a program with posix_spawn, and what runs need around it: the
/// PATH search execvp does, the environment execve takes, pipes whose ends
/// no other program inherits, and the exit status.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../stop.hpp"
#include "../unique_fd.hpp"

namespace rollcheck::detail {

/// `name` looked up in this process's PATH as execvp would (an empty entry
/// is the working directory); empty when no entry holds an executable file.
inline std::filesystem::path search_path(const std::string& name) {
    const char* env = std::getenv("PATH");
    const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t from = 0;
    while (from <= path.size()) {
        auto to = path.find(':', from);
        if (to == std::string::npos) to = path.size();
        const std::string dir = path.substr(from, to - from);
        const std::filesystem::path candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat s {};
        if (::stat(candidate.c_str(), &s) == 0 && S_ISREG(s.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        from = to + 1;
    }
    return {};
}

/// This process's environment with `overrides` applied, as execve takes it.
class environment_block {
public:
    explicit environment_block(const std::map<std::string, std::string>& overrides) {
        for (char** var = ::environ; *var != nullptr; ++var) {
            const std::string entry = *var;
            const auto name = entry.substr(0, entry.find('='));
            if (overrides.count(name) == 0) entries_.push_back(entry);
        }
        for (const auto& [name, value] : overrides)
            entries_.push_back(name + "=" + value);
        for (auto& entry : entries_)
            pointers_.push_back(entry.data());
        pointers_.push_back(nullptr);
    }
    [[nodiscard]] char** envp() { return pointers_.data(); }

private:
    std::vector<std::string> entries_;
    std::vector<char*> pointers_;
};

/// A pipe whose ends close on exec: a program started by this thread or
/// another inherits neither (the child gets its end by dup2, which clears
/// the flag).
struct pipe_ends {
    unique_fd read;
    unique_fd write;

    /// False with errno set when no pipe could be made.
    bool open() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        read.reset(fds[0]);
        write.reset(fds[1]);
        return true;
    }
};

/// What a program is started with.
struct spawn_request {
    std::filesystem::path program; ///< absolute, or relative to this process's directory
    std::vector<std::string> argv; ///< argv[0] included
    char** envp = nullptr;
    std::filesystem::path working_directory; ///< empty: this process's
    int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
};

/// Starts `request` in a process group of its own, no signal blocked, and
/// SIGPIPE and the stop signals at their default actions whatever this
/// process does with them; no other descriptor of this process is
/// inherited. Returns its pid, or -1 with `error` the errno of what failed
/// (exec's included).
inline pid_t spawn_in_own_group(const spawn_request& request, int& error) {
    std::vector<char*> argv;
    for (const auto& word : request.argv)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);

    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_adddup2(&files, request.stdin_fd, 0);
    posix_spawn_file_actions_adddup2(&files, request.stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&files, request.stderr_fd, 2);
    if (!request.working_directory.empty())
        posix_spawn_file_actions_addchdir_np(&files, request.working_directory.c_str());
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    // Descriptors another thread opened without O_CLOEXEC (a tmpfile) stay here.
    posix_spawn_file_actions_addclosefrom_np(&files, 3);
#endif

    sigset_t none, defaults = stop_signals();
    sigemptyset(&none);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);

    pid_t pid = -1;
    error = ::posix_spawn(&pid, request.program.c_str(), &files, &attributes, argv.data(),
                          request.envp);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attributes);
    return error == 0 ? pid : -1;
}

/// A started program as waitpid sees it.
struct child_state {
    bool ended = false; ///< it exited or was killed: see status
    bool lost = false;  ///< not this process's child (reaped elsewhere, SIGCHLD ignored)
    int status = 0;     ///< waitpid's raw status, when ended
};

/// waitpid for `pid` without waiting, retried when a signal interrupts it.
inline child_state poll_child(pid_t pid) {
    child_state state;
    for (;;) {
        const pid_t got = ::waitpid(pid, &state.status, WNOHANG);
        if (got < 0 && errno == EINTR) continue;
        state.ended = got == pid;
        state.lost = got < 0;
        return state;
    }
}

} // namespace rollcheck::detail
