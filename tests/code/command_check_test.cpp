// The command verifier against real commands: exit status, output patterns,
// the output's tail as evidence, pytest's summary line, deadlines.
#include <chrono>
#include <string>

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
    CHECK(r.evidence.items()[1].text == "forbidden pattern 'WARN(ING)?:' matched: WARNING: slow");
    CHECK(r.evidence.items()[1].data["line"] == "WARNING: slow");
}

TEST_CASE("an invalid pattern is refused before the command runs") {
    rollcheck_test::temp_dir dir;
    auto spec = shell("touch ran");
    spec.command.working_directory = dir.path();
    spec.must_not_match = {"(unclosed"};
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "pattern '(unclosed' is not a valid RE2 regular expression: missing ): "
                       "(unclosed; the command was not run");
    CHECK_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST_CASE("output beyond the limit makes an absent pattern undecidable, not a pass") {
    auto spec = shell("echo start; head -c 100000 /dev/zero | tr '\\0' 'x'; echo; echo end");
    spec.command.output_limit = 1024;
    spec.must_not_match = {"Traceback"};
    spec.must_match = {"end$"};
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::error);
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text ==
          "'Traceback' is not in the output kept, and the output was longer than output_limit: "
          "the part not kept is unknown");
}

TEST_CASE("pytest's summary line is read into the summary and the totals") {
    rollcheck_test::temp_dir dir;
    dir.write("tests/test_sample.py", "import pytest\n\n"
                                      "def test_one():\n    assert 1 == 1\n\n"
                                      "def test_two():\n    assert 1 == 2\n\n"
                                      "@pytest.mark.skip\ndef test_three():\n    pass\n");
    command_check_spec spec;
    spec.command.argv = {rollcheck_test::python, "-m",     "pytest", "-p",
                         "no:cacheprovider",     "tests/", "-v"};
    spec.command.working_directory = dir.path();
    const auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("exited with status 1 (expected status 0); pytest: 1 "
                                          "failed, 1 passed, 1 skipped"));
    CHECK(r.totals["pytest"] == nlohmann::json{{"failed", 1}, {"passed", 1}, {"skipped", 1}});
}

TEST_CASE("pytest summary lines in their several shapes") {
    CHECK(detail::pytest_counts("x\n==== 3 passed, 2 warnings in 0.12s ====\n") ==
          nlohmann::json{{"passed", 3}, {"warning", 2}});
    CHECK(detail::pytest_counts("1 failed, 1 error in 75.20s (0:01:15)\n") ==
          nlohmann::json{{"failed", 1}, {"error", 1}});
    CHECK(detail::pytest_counts("===== no tests ran in 0.01s =====\n").empty());
    CHECK(detail::pytest_counts("collected 3 items\n").empty());
    // In the summary, "error" and "warning" take their plural; pytest's outcome words do not.
    CHECK(detail::describe_counts(
              detail::pytest_counts("== 2 failed, 3 passed, 2 warnings, 2 errors in 0.31s ==\n")) ==
          "2 errors, 2 failed, 3 passed, 2 warnings");
    CHECK(detail::describe_counts(detail::pytest_counts("1 failed, 1 error in 0.10s\n")) ==
          "1 error, 1 failed");
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
