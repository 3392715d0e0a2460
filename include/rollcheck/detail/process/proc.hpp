/// \file detail/process/proc.hpp
/// Reading the process table from /proc (Linux). A process may vanish between
/// listing /proc and reading its files: every reader returns nothing for it
/// rather than failing.
#pragma once

#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

namespace rollcheck::detail {

/// The fields of /proc/PID/stat that rollcheck uses.
struct proc_stat {
    pid_t pid = 0;
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
    pid_t session = 0;
    unsigned long long start_ticks = 0; ///< since boot, in clock ticks; tells a reused pid apart
    std::string comm;
};

/// /proc/PID/stat of `pid`, or nothing when the process is gone.
[[nodiscard]] inline std::optional<proc_stat> read_proc_stat(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // comm is in parentheses and may itself hold spaces and ')': the last ')' ends it.
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return std::nullopt;
    proc_stat s;
    s.pid = pid;
    s.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    std::string skip;
    rest >> s.state >> s.ppid >> s.pgrp >> s.session;
    // Fields 7..21 (tty_nr through itrealvalue) are not needed; field 22 is starttime.
    for (int field = 7; field <= 21 && rest; ++field)
        rest >> skip;
    rest >> s.start_ticks;
    if (!rest) return std::nullopt;
    return s;
}

/// The pids listed in /proc now.
[[nodiscard]] inline std::vector<pid_t> list_pids() {
    std::vector<pid_t> pids;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) return pids;
    while (const dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (end != entry->d_name && *end == '\0' && pid > 0)
            pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
    return pids;
}

/// Every process that still exists, as /proc/PID/stat describes it.
[[nodiscard]] inline std::vector<proc_stat> list_processes() {
    std::vector<proc_stat> all;
    for (const pid_t pid : list_pids())
        if (auto s = read_proc_stat(pid)) all.push_back(std::move(*s));
    return all;
}

/// The whole of /proc/PID/`name`; empty when the process is gone, even
/// mid-read (istream::read turns the ESRCH libstdc++ throws into a stop,
/// where an istreambuf_iterator would let it escape).
[[nodiscard]] inline std::string read_proc_file(pid_t pid, const char* name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
    std::string content;
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        content.append(buffer, static_cast<std::size_t>(in.gcount()));
    return content;
}

/// The arguments of `pid` as /proc/PID/cmdline holds them (NUL-separated);
/// empty for a kernel thread, a zombie, or a process that is gone.
[[nodiscard]] inline std::vector<std::string> read_proc_cmdline(pid_t pid) {
    const std::string raw = read_proc_file(pid, "cmdline");
    std::vector<std::string> args;
    std::size_t begin = 0;
    while (begin < raw.size()) {
        auto end = raw.find('\0', begin);
        if (end == std::string::npos) end = raw.size();
        args.push_back(raw.substr(begin, end - begin));
        begin = end + 1;
    }
    return args;
}

/// Where the symbolic link /proc/PID/`name` points ("cwd", "exe"); empty
/// when the process is gone or is not this user's to read.
[[nodiscard]] inline std::string read_proc_link(pid_t pid, const char* name) {
    const auto link = "/proc/" + std::to_string(pid) + "/" + name;
    std::vector<char> target(4096);
    const auto n = ::readlink(link.c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<std::size_t>(n) == target.size()) return {};
    return std::string(target.data(), static_cast<std::size_t>(n));
}

/// The real uid of `pid` (the "Uid:" line of /proc/PID/status), or nothing when it is gone.
[[nodiscard]] inline std::optional<uid_t> read_proc_uid(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Uid:", 0) == 0) {
            std::istringstream fields(line.substr(4));
            unsigned long uid = 0;
            if (fields >> uid) return static_cast<uid_t>(uid);
        }
    return std::nullopt;
}

/// The user name of `uid`, or the number when no account has it.
[[nodiscard]] inline std::string user_name(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16 * 1024);
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        return found->pw_name;
    return std::to_string(uid);
}

/// When the system booted, in seconds since the epoch (the "btime" line of /proc/stat).
[[nodiscard]] inline std::time_t boot_time() {
    std::ifstream in("/proc/stat");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("btime ", 0) == 0)
            return static_cast<std::time_t>(std::stoll(line.substr(6)));
    return 0;
}

/// When a process with `start_ticks` (proc_stat) started, in seconds since the epoch.
[[nodiscard]] inline std::time_t start_time(unsigned long long start_ticks) {
    static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    static const std::time_t booted = boot_time();
    return booted + static_cast<std::time_t>(start_ticks /
                                             static_cast<unsigned long long>(ticks_per_second));
}

} // namespace rollcheck::detail
