/// \file processes.hpp
/// Processes, read from /proc: those whose command line matches a pattern
/// are running (at least or exactly N) or are gone, optionally waiting for
/// that to become true within a deadline.
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

/// Which processes, and how many of them.
struct process_spec {
    /// RE2 pattern searched in the command line (its arguments joined by spaces).
    std::string pattern;
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
};

/// Looks for processes whose command line matches `spec.pattern`, until the
/// expectation holds or `spec.wait` has passed ("proc.running", or
/// "proc.absent" when none is expected). Evidence lists the matching
/// processes: pid, user, start time and command line.
[[nodiscard]] ROLLCHECK_INLINE check_result check_processes(const process_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/process/processes_impl.hpp"
#endif
