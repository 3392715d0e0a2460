// The one translation unit of Catch2's runner and the suites' main, shared
// by every phase suite. A target file's [[check]] tables run through the
// command line's own option parsers.
#include <rollcheck/suite_main.hpp>

#include "cli.hpp"

namespace {

const bool declared_checks_run_as_commands = [] {
    rollcheck::suite::declared_check_runner() = [](const rollcheck::declared_check& check) {
        return rollcheck::cli::run_declared_check(check.kind, check.arguments, check.where);
    };
    return true;
}();

} // namespace
