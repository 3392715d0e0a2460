/// \file suite_main.hpp
/// The main of a suite. Include it in exactly one translation unit. The
/// suite is named after its program, so one compiled main serves every
/// phase of a plan (a link named as a phase's program runs that phase);
/// define ROLLCHECK_SUITE_NAME to fix the name.
#pragma once

#define CATCH_CONFIG_RUNNER
// The listener that records each test case derives from Catch2's reporter types.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
// Evidence lines are long (keys, paths, log lines): wrapping them at 80
// columns would split the very text an operator searches for.
#ifndef CATCH_CONFIG_CONSOLE_WIDTH
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#endif
#include "detail/suite/runner.hpp"

// The registration macro builds a variable name from the type: no `::` in it.
using rollcheck_suite_listener = rollcheck::detail::suite_listener;
CATCH_REGISTER_LISTENER(rollcheck_suite_listener)

/// ROLLCHECK_DEFAULT_PLAN, when defined: the plan file a target that names
/// none follows, found in the first of ROLLCHECK_PLAN_DIRS (':'-separated,
/// relative to this program's own directory) that holds it, so that the
/// build tree and an installed prefix both find theirs.
inline std::filesystem::path rollcheck_default_plan() {
#if defined(ROLLCHECK_DEFAULT_PLAN) && defined(ROLLCHECK_PLAN_DIRS)
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    const std::string dirs = ROLLCHECK_PLAN_DIRS;
    std::filesystem::path first;
    for (std::size_t start = 0; start <= dirs.size();) {
        auto end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        const auto plan =
            (self.parent_path() / dirs.substr(start, end - start) / ROLLCHECK_DEFAULT_PLAN)
                .lexically_normal();
        if (first.empty()) first = plan;
        if (std::filesystem::exists(plan, ec)) return plan;
        start = end + 1;
    }
    return first; // not found: the run says so, naming where it looked first
#else
    return {};
#endif
}

int main(int argc, char* argv[]) {
    // First, before any thread: a stopped run still writes its reports (stop.hpp).
    rollcheck::install_stop_signals();
#ifdef ROLLCHECK_SUITE_NAME
    const std::string name = ROLLCHECK_SUITE_NAME;
#else
    const std::string name = std::filesystem::path(argc > 0 ? argv[0] : "suite").filename();
#endif
    return rollcheck::suite::run(argc, argv, name, rollcheck_default_plan());
}
