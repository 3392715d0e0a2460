/// \file detail/proc.hpp
/// Reading the process table from /proc (Linux). A process may vanish between
/// listing /proc and reading its files: every reader returns nothing for it
/// rather than failing.
#pragma once

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/types.h>

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
    // Fields 8..21 (tty_nr through itrealvalue) are not needed; field 22 is starttime.
    for (int field = 8; field <= 21 && rest; ++field)
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

} // namespace rollcheck::detail
