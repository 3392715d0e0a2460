/// \file suite_main.hpp
/// The main of a phase suite. Include it in exactly one translation unit.
/// The suite is named after its program ("verify-phase7"), so one compiled
/// main serves every suite; define ROLLCHECK_SUITE_NAME to fix the name.
#pragma once

#define CATCH_CONFIG_RUNNER
// Evidence lines are long (keys, paths, log lines): wrapping them at 80
// columns would split the very text an operator searches for.
#ifndef CATCH_CONFIG_CONSOLE_WIDTH
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#endif
#include "suite.hpp"

CATCH_REGISTER_LISTENER(rollcheck::detail::suite_listener)

int main(int argc, char* argv[]) {
#ifdef ROLLCHECK_SUITE_NAME
    return rollcheck::suite::run(argc, argv, ROLLCHECK_SUITE_NAME);
#else
    return rollcheck::suite::run(argc, argv,
                                 std::filesystem::path(argc > 0 ? argv[0] : "suite").filename());
#endif
}
