/// \file suite_main.hpp
/// The main of a phase suite. Include it in exactly one translation unit.
/// The suite is named after its program ("verify-phase7"), so one compiled
/// main serves every suite; define ROLLCHECK_SUITE_NAME to fix the name.
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

int main(int argc, char* argv[]) {
    // First, before any thread: a stopped run still writes its reports (stop.hpp).
    rollcheck::install_stop_signals();
#ifdef ROLLCHECK_SUITE_NAME
    return rollcheck::suite::run(argc, argv, ROLLCHECK_SUITE_NAME);
#else
    return rollcheck::suite::run(argc, argv,
                                 std::filesystem::path(argc > 0 ? argv[0] : "suite").filename());
#endif
}
