/// \file processes.hpp
/// Processes, read from /proc: those whose command line, or what they run,
/// matches a pattern are running (at least or exactly N) or are gone,
/// optionally waiting for that to become true within a deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "result.hpp"

namespace rollcheck {
/// What check_processes expects of the matching processes.
enum class process_expectation {
    at_least, ///< `count` or more are running
    exactly,  ///< exactly `count` are running
    none      ///< none is running (`count` is ignored)
};

/// What a process_spec's pattern is searched in.
enum class process_match {
    /// The whole command line, its arguments joined by spaces: a process
    /// that only names a file (`less run.py`, `tail -f`, `grep`) matches too.
    command_line,
    /// What the process runs: the script an interpreter runs (Python with
    /// its options, `/usr/bin/env python3`, a shell, perl, ruby, node),
    /// resolved against the process's working directory (/proc/PID/cwd);
    /// the module of `python -m`; otherwise its program (argv[0], resolved
    /// the same way, and /proc/PID/exe). A script run directly through its
    /// shebang shows as its interpreter running it. A process whose command
    /// line matches but that runs something else is not counted, and the
    /// evidence says it names the pattern without running it.
    runs
};

/// Which processes, and how many of them.
struct process_spec {
    /// RE2 pattern searched in the command line, or in what a process runs (`match`).
    std::string pattern;
    process_match match = process_match::command_line;
    process_expectation expect = process_expectation::at_least;
    std::size_t count = 1;
    /// How long to wait for the expectation to hold; zero looks once.
    std::chrono::milliseconds wait{0};
    /// Time between looks while waiting.
    std::chrono::milliseconds poll_interval{std::chrono::milliseconds(100)};
    /// Evidence items kept.
    std::size_t show = 10;
};

/// One process whose command line matched.
struct matched_process {
    pid_t pid = 0;
    std::string user;
    std::time_t started = 0; ///< seconds since the epoch
    std::string command_line;
    /// With process_match::runs: what it runs, "script /srv/app/run.py",
    /// "module app.run", "program /usr/bin/less" or "code given with -c".
    std::string runs;
};

/// Looks for processes whose command line (or what they run) matches
/// `spec.pattern`, until the expectation holds or `spec.wait` has passed
/// ("proc.running", or "proc.absent" when none is expected). Evidence lists
/// the matching processes: pid, user, start time, what it runs and command
/// line; with process_match::runs, then those that only name the pattern.
[[nodiscard]] ROLLCHECK_INLINE check_result check_processes(const process_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/process/processes_impl.hpp"
#endif
