// The command verifier against real commands: exit status, output patterns,
// error lines of jobs that exit 0, the output's tail as evidence, pytest's
// summary line, deadlines.
#include <chrono>
#include <csignal>
#include <string>

#include <pthread.h>

#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/process/output.hpp>

#include "code_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;

namespace {

command_check_spec shell(const std::string& script) {
    command_check_spec spec;
    spec.command = command_spec::shell(script);
    return spec;
}

} // namespace

TEST_CASE("a command that exits as expected passes, with its output's tail as evidence") {
    auto spec = shell("for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2");
    spec.tail_lines = 2;
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "command.run");
    CHECK(r.summary == "`/bin/sh -c 'for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2'` "
                       "exited with status 0");
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text == "stdout (last 2 lines):\n      line 4\n      line 5");
    CHECK(r.evidence.items()[1].text == "stderr (last 1 line):\n      oops");
    CHECK(r.totals["exit_status"] == 0);
}

TEST_CASE("a different exit status or a signal fails") {
    auto spec = shell("exit 3");
    auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "`/bin/sh -c 'exit 3'` exited with status 3 (expected status 0)");

    spec.expect_exit = 3;
    REQUIRE_VERDICT(check_command(spec), verdict::pass);

    spec = shell("kill -TERM $$");
    r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "`/bin/sh -c 'kill -TERM $$'` killed by signal 15 (Terminated) (expected "
                       "status 0)");
}

TEST_CASE("required and forbidden output patterns are checked on both streams") {
    auto spec = shell("echo 'scored 10 opportunities'; echo 'WARNING: slow' >&2");
    spec.must_match = {R"(scored \d+ opportunities)", "WARNING"};
    spec.must_not_match = {"Traceback"};
    REQUIRE_VERDICT(check_command(spec), verdict::pass);

    spec.must_match = {"all done"};
    spec.must_not_match = {"WARN(ING)?:", "Traceback"};
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    REQUIRE(r.evidence.items().size() == 4);
    CHECK(r.evidence.items()[0].text == "required pattern 'all done' not found in the output");
    CHECK(r.evidence.items()[1].text ==
          "stderr line 1 matches forbidden pattern 'WARN(ING)?:': WARNING: slow");
    CHECK(r.evidence.items()[1].data["line"] == "WARNING: slow");
}

TEST_CASE("an invalid pattern is refused before the command runs") {
    rollcheck_test::temp_dir dir;
    auto spec = shell("touch ran");
    spec.command.working_directory = dir.path();
    spec.must_not_match = {"(unclosed"};
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "forbidden pattern '(unclosed' is not a valid RE2 regular expression: missing ): "
          "(unclosed; the command was not run");
    CHECK_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST_CASE("patterns see every line, those past what output_limit keeps included") {
    auto spec = shell("echo start; head -c 100000 /dev/zero | tr '\\0' 'x'; echo; echo Traceback; "
                      "echo end");
    spec.command.output_limit = 1024;
    spec.must_not_match = {"Traceback"};
    spec.must_match = {"^start$", "end$"};
    spec.error_patterns.clear();
    spec.tail_lines = 0;
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "`/bin/sh -c 'echo start; head -c 100000 /dev/zero | tr '\\''\\0'\\'' "
                       "'\\''x'\\''; echo; echo Traceback; echo end'` exited with status 0");
    REQUIRE(r.evidence.items().size() == 1);
    CHECK(r.evidence.items()[0].text ==
          "stdout line 3 matches forbidden pattern 'Traceback': Traceback");
    CHECK(r.evidence.items()[0].data["line_number"] == 3);
    CHECK(r.totals["stdout_bytes"] == 100021);
}

TEST_CASE("pytest summary lines in their several shapes") {
    CHECK(detail::pytest_counts("x\n==== 3 passed, 2 warnings in 0.12s ====\n") ==
          nlohmann::json{{"passed", 3}, {"warning", 2}});
    CHECK(detail::pytest_counts("1 failed, 1 error in 75.20s (0:01:15)\n") ==
          nlohmann::json{{"failed", 1}, {"error", 1}});
    CHECK(detail::pytest_counts("===== no tests ran in 0.01s =====\n").empty());
    CHECK(detail::pytest_counts("collected 3 items\n").empty());
}

TEST_CASE("a command that cannot start or misses its deadline is an error, leaving nothing") {
    rollcheck_test::process_mark mark;
    auto spec = shell("sleep 100 & sleep 100");
    spec.command.timeout = 500ms;
    auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::StartsWith("`/bin/sh -c 'sleep 100 & sleep 100'` timed out after"));
    CHECK(r.elapsed < spec.command.timeout + 1s);
    CHECK(mark.marked_processes().empty());

    spec.command.argv = {"rollcheck-no-such-program-xyz"};
    r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "`rollcheck-no-such-program-xyz` could not start: "
                       "'rollcheck-no-such-program-xyz' not found on PATH");
}

namespace {

/// `python3 JOB` from tests/code/fixtures/jobs/.
command_check_spec job(const std::string& name) {
    command_check_spec spec;
    spec.command.argv = {rollcheck_test::python, std::string(CODE_FIXTURES) + "/jobs/" + name};
    spec.tail_lines = 0;
    return spec;
}

std::string shown(const command_check_spec& spec) {
    return "`" + spec.command.display() + "`";
}

} // namespace

TEST_CASE("a job that prints its own error marker and exits 0 fails on that line") {
    auto spec = job("batch_connection_refused.py");
    // The runbook's patterns do not know this job's marker: the caller adds it.
    REQUIRE_VERDICT(check_command(spec), verdict::pass);
    spec.error_patterns.push_back("✗ Error");
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == shown(spec) + " exited with status 0; 1 line matches an error pattern");
    REQUIRE(r.evidence.items().size() == 1);
    CHECK(r.evidence.items()[0].text ==
          "stdout line 3 matches error pattern '✗ Error': ✗ Error fetching submissions: [Errno "
          "111] Connection refused");
    CHECK(r.evidence.items()[0].data["problem"] == "error line");
    CHECK(r.totals["error_lines"] == 1);
}

TEST_CASE("a job's traceback on stderr fails it by the runbook's patterns, a clean job passes") {
    auto spec = job("batch_traceback.py");
    auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == shown(spec) + " exited with status 0; 2 lines match an error pattern");
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text == "stderr line 1 matches error pattern "
                                        "'ERROR|CRITICAL|Traceback': ERROR could not score "
                                        "submission");
    CHECK(r.evidence.items()[1].text == "stderr line 2 matches error pattern "
                                        "'ERROR|CRITICAL|Traceback': Traceback (most recent call "
                                        "last):");

    // The caller's patterns replace the runbook's.
    spec.error_patterns = {"^FATAL"};
    REQUIRE_VERDICT(check_command(spec), verdict::pass);

    spec = job("batch_clean.py");
    r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == shown(spec) + " exited with status 0");
    CHECK(r.totals["error_lines"] == 0);
}

TEST_CASE("a job printing 1 GiB is read to its last line in bounded memory") {
    command_check_spec spec;
    spec.command.argv = {std::string(CODE_FIXTURES) + "/jobs/batch_flood.sh"};
    spec.command.timeout = 120s;
    spec.tail_lines = 1;
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == shown(spec) + " exited with status 0; 1 line matches an error pattern");
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text ==
          "stdout line 67108865 matches error pattern 'ERROR|CRITICAL|Traceback': CRITICAL: lost "
          "the connection to the database");
    CHECK(r.evidence.items()[1].text ==
          "stdout (last 1 line):\n      CRITICAL: lost the connection to the database");
    CHECK(r.totals["stdout_bytes"] == 1073741824 + 46);
    // What rollcheck keeps of it: the capture's 64 KiB and one line being read.
    if (rollcheck_test::peak_memory_is_meaningful)
        CHECK(rollcheck_test::peak_rss_kib() < 200 * 1024);
}

TEST_CASE("a program starts with no signal blocked and SIGPIPE at its default, whatever this "
          "process does with them") {
    // This thread blocks SIGUSR1 and the process ignores SIGPIPE, as embedding
    // programs do; what a program inherits must not depend on it.
    sigset_t usr1, old_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
    const auto old_pipe = std::signal(SIGPIPE, SIG_IGN);
    command_spec spec;
    spec.argv = {"cat", "/proc/self/status"};
    const auto run = run_command(spec);
    std::signal(SIGPIPE, old_pipe);
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    REQUIRE(run.status == command_status::exited);
    const auto status = run.out.text();
    CHECK(status.find("SigBlk:\t0000000000000000\n") != std::string::npos);
    const auto ignored = status.substr(status.find("SigIgn:\t") + 8, 16);
    CHECK((std::stoull(ignored, nullptr, 16) & (1ULL << (SIGPIPE - 1))) == 0);
}
