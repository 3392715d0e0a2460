// `rollcheck logs scan|follow` as an operator runs them: FILE:LINE:TEXT
// findings, JSON equal to grep -nE's list, stdin, exit statuses 0/1/2.
#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/command.hpp>

#include "log_test_support.hpp"
#include "run_program.hpp"

using namespace rollcheck;

namespace {

command_outcome cli(std::vector<std::string> args) {
    args.insert(args.begin(), "logs");
    return rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args));
}

/// The output with the elapsed time "(N ms)" made constant.
std::string without_elapsed(const std::string& text) {
    return std::regex_replace(text, std::regex(R"(\(\d+ ms\))"), "(N ms)");
}

const std::string app_log = "2026-11-28 09:26:24,123 INFO processed 10 submissions\n"
                            "2026-11-28 09:26:25,000 ERROR scoring failed\n"
                            "Traceback (most recent call last):\n"
                            "  File \"score.py\", line 12, in score\n"
                            "ValueError: empty batch\n"
                            "2026-11-28 09:26:26,000 INFO processed 12 submissions\n";

} // namespace

TEST_CASE("logs scan prints findings as FILE:LINE:TEXT and exits 1 on errors") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    const auto run = cli(
        {"scan", log, "--error", "ERROR|Traceback", "--require", "processed [0-9]+ submissions:2"});
    CHECK(run.exit_code == 1);
    CHECK(without_elapsed(run.out.text()) ==
          "FAIL logs.scan: 1 error event (2 lines) in " + log +
              " (249 bytes, 2026-11-28T09:26:24.123Z to 2026-11-28T09:26:26.000Z), at most 0 "
              "allowed; required 'processed [0-9]+ submissions' matched 2 lines (N ms)\n"
              "  - " +
              log +
              ":2:2026-11-28 09:26:25,000 ERROR scoring failed\n"
              "  - " +
              log + ":3:Traceback (most recent call last):  ⇒ line 5: ValueError: empty batch\n");
}

TEST_CASE("logs scan exits 0 when clean, 2 when it cannot read, 2 on bad arguments") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    auto run =
        cli({"scan", log, "-e", "CRITICAL", "-x", "nothing", "--since", "2026-11-28T09:00:00Z"});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::StartsWith("PASS logs.scan: no error line in " + log));

    run = cli({"scan", (dir / "missing.log").string(), "-e", "ERROR"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(),
               Catch::Contains("missing.log: cannot open: No such file or directory"));

    run = cli({"scan", log, "-e", "ERROR", "--since", "yesterday-ish"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("'yesterday-ish' is not a time"));

    run = cli({"scan", log, "-r", "processed", "--until-met"});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("stopped once every requirement was met"));
    run = cli({"scan", log, "-e", "ERROR", "-r", "processed", "--until-met"});
    CHECK(run.exit_code == 2);

    run = cli({"scan", log, "-e", "(unclosed"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(),
               Catch::Contains("error pattern '(unclosed' is not a valid RE2 regular expression: "
                               "missing ): (unclosed"));
}

TEST_CASE("logs scan --show all --json lists exactly the lines grep -nE lists") {
    rollcheck_test::temp_dir dir;
    std::string text;
    for (int i = 0; i < 3000; ++i)
        text += i % 37 == 0 ? fmt::format("2026-11-28 09:00:00,000 CRITICAL {}\n", i)
                            : fmt::format("2026-11-28 09:00:00,000 INFO line {} Error-free\n", i);
    const auto a = dir.write("a.log", text).string();
    const auto b =
        dir.write("b.log", "Traceback (most recent call last):\n  x\nKeyError: 1\n").string();
    const auto run =
        cli({"scan", a, b, "-e", "CRITICAL|Traceback|^Key", "--show", "all", "--json"});
    CHECK(run.exit_code == 1);
    const auto json = nlohmann::json::parse(run.out.text());
    std::string listed;
    for (const auto& item : json["evidence"])
        listed += fmt::format("{}:{}:{}\n", item["file"].get<std::string>(),
                              item["line"].get<int>(), item["text"].get<std::string>());
    command_spec grep;
    grep.argv = {"grep", "-nE", "CRITICAL|Traceback|^Key", a, b};
    CHECK(listed == run_command(grep).out.text());
}

TEST_CASE("logs scan loads neither libpq nor libcurl, and libsystemd only for a journal") {
    // LD_DEBUG=files: the loader names each library it loads, on stderr.
    const std::map<std::string, std::string> traced = {{"LD_DEBUG", "files"}};
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    auto run = rollcheck_test::run_program(ROLLCHECK_CLI, {"logs", "scan", log, "-e", "ERROR"},
                                           std::chrono::seconds(30), traced);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err.text(), Catch::Contains("libhs.so") && !Catch::Contains("libpq") &&
                                   !Catch::Contains("libcurl") && !Catch::Contains("libsystemd"));

    const auto journal = (dir / "none.journal").string();
    run = rollcheck_test::run_program(ROLLCHECK_CLI,
                                      {"logs", "scan", "--journal-file", journal, "-e", "ERROR"},
                                      std::chrono::seconds(30), traced);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("libsystemd.so.0"));
    CHECK_THAT(run.out.text(), Catch::Contains("journal file " + journal + ": no such file"));
}

TEST_CASE("logs scan of a journal on a machine without libsystemd is an error naming it") {
    // libsystemd hidden from the program (a private mount over it): this
    // needs root and unshare(1); elsewhere the case checks nothing and says so.
    if (::geteuid() != 0 || std::system("unshare --mount true 2>/dev/null") != 0) {
        WARN("not root, or no unshare(1): libsystemd cannot be hidden here");
        return;
    }
    rollcheck_test::temp_dir dir;
    const auto journal = (dir / "none.journal").string();
    const std::string hide = "mount --bind /dev/null \"$(readlink -f $(/sbin/ldconfig -p | "
                             "awk '/libsystemd.so.0 .*x86-64/ {print $NF; exit}'))\"";
    const auto run = rollcheck_test::run_program(
        "unshare",
        {"--mount", "sh", "-c", hide + " && exec \"$0\" logs scan --journal-file \"$1\" -e ERROR",
         ROLLCHECK_CLI, journal});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(),
               Catch::StartsWith("ERROR logs.scan: journal file " + journal +
                                 ": cannot be read: libsystemd cannot be loaded (") &&
                   Catch::Contains("install libsystemd0"));
}

TEST_CASE("logs scan reads stdin given as -") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    const auto run = run_command(
        command_spec::shell(fmt::format("{} logs scan - -e ERROR < '{}'", ROLLCHECK_CLI, log)));
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out.text(),
               Catch::Contains("  - (stdin):2:2026-11-28 09:26:25,000 ERROR scoring failed"));
}

TEST_CASE("logs follow watches for --for and fails without its heartbeat") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    const auto run =
        cli({"follow", log, "-e", "ERROR", "-r", "processed", "--for", "500ms", "--json"});
    CHECK(run.exit_code == 1);
    const auto json = nlohmann::json::parse(run.out.text());
    CHECK(json["check"] == "logs.follow");
    CHECK(json["summary"] ==
          "no error line in 500 ms of " + log +
              " (0 bytes written); required 'processed' matched 0 lines, at least 1 needed");

    const auto missing_for = cli({"follow", log, "-r", "processed"});
    CHECK(missing_for.exit_code == 2);
    CHECK_THAT(missing_for.err.text(), Catch::Contains("--for is required"));
}

TEST_CASE("logs scan and follow explain themselves with --help") {
    const auto scan = cli({"scan", "--help"});
    CHECK(scan.exit_code == 0);
    for (const char* option : {"--error", "--exclude", "--require", "--since", "--max-errors",
                               "--rotated", "--state", "--show", "--json", "--ignore-case"})
        CHECK_THAT(scan.out.text(), Catch::Contains(option));
    const auto follow = cli({"follow", "--help"});
    CHECK_THAT(follow.out.text(), Catch::Contains("--for"));
}
