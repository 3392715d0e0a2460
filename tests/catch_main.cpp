// The tests' main, the one translation unit that holds Catch2's runner. It
// keeps every Catch2 option (`-r junit -o report.xml`, tags, `--list-tests`)
// and adds:
//
//   --target FILE   a file for a test program to read (catch_options.hpp)
//
// and it makes a test filter that matches nothing a failure (exit 2), so a
// ctest run with a mistyped filter cannot pass by running no test.
#define CATCH_CONFIG_RUNNER
// Evidence lines are long (keys, paths, log lines): wrapping them at 80
// columns would split the very text an operator searches for.
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#include <rollcheck/catch.hpp>

#include <filesystem>
#include <string>
#include <system_error>

#include "catch_options.hpp"

int main(int argc, char* argv[]) {
    Catch::Session session;
    std::string target;
    using Catch::clara::Opt;
    session.cli(session.cli() | Opt(target, "file")["--target"]("a file for the tests to read"));
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;

    if (!target.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(target, ec)) {
            Catch::cerr() << "error: --target " << target << ": no such file\n";
            return 2;
        }
        rollcheck_test::options().target = target;
    }
    auto& data = session.configData();
    data.warnings = static_cast<Catch::WarnAbout::What>(data.warnings | Catch::WarnAbout::NoTests);
    return session.run();
}
