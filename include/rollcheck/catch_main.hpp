/// \file catch_main.hpp
/// A Catch2 main for verification suites. Include it in exactly one
/// translation unit of a suite (rollcheck's own build compiles it once into
/// the `rollcheck_catch_main` library). It keeps every Catch2 option
/// (`-r junit -o report.xml`, tags, `--list-tests`) and adds:
///
///   --target FILE   the description of the system under verification
///
/// and it makes a test filter that matches nothing a failure (exit 2), so a
/// gate with a mistyped tag cannot pass by running no test.
#pragma once

#define CATCH_CONFIG_RUNNER
// Evidence lines are long (keys, paths, log lines): wrapping them at 80
// columns would split the very text an operator searches for.
#ifndef CATCH_CONFIG_CONSOLE_WIDTH
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#endif
#include "catch.hpp"

#include <system_error>

namespace rollcheck::testing {

/// Parses the command line, checks rollcheck's options and runs the session.
inline int run_suite(int argc, char* argv[]) {
    Catch::Session session;
    std::string target;
    using Catch::clara::Opt;
    session.cli(session.cli() |
                Opt(target, "file")["--target"]("description of the system under verification"));
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;

    if (!target.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(target, ec)) {
            Catch::cerr() << "error: --target " << target << ": no such file\n";
            return 2;
        }
        options().target = target;
    }
    auto& data = session.configData();
    data.warnings = static_cast<Catch::WarnAbout::What>(data.warnings | Catch::WarnAbout::NoTests);
    return session.run();
}

} // namespace rollcheck::testing

int main(int argc, char* argv[]) {
    return rollcheck::testing::run_suite(argc, argv);
}
