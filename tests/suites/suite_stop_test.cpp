// A stopped run still tells what it found and leaves nothing behind: a suite
// or the command line sent SIGTERM while a check's command runs writes every
// report, says which check the signal cut short and which never ran, exits
// 128+15, and no process of its command outlives it.
#include <algorithm>
#include <csignal>
#include <regex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <rollcheck/report.hpp>

#include "process_mark.hpp"
#include "stop_support.hpp"

using namespace rollcheck_test;

TEST_CASE("a suite sent SIGTERM while a command runs reports every check and leaves no process",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-command.toml");
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 143);
    CHECK(s.closing() == "ERROR: 5 checks: 3 passed, 2 errors; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by SIGTERM");
    const auto& json = s.json;
    const auto& stopped = find_case(json, "a job stopped mid-way");
    CHECK(stopped["verdict"] == "error");
    const std::regex cut("interrupted by SIGTERM after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    const auto& after = find_case(json, "a check after the stop");
    CHECK(after["verdict"] == "error");
    CHECK(after["failure"] == "not run: the run was interrupted");
    CHECK(after["results"].empty());
    const std::regex note("the run was interrupted by SIGTERM after [0-9.]+ m?s: the check then "
                          "running and those after it are errors");
    CHECK(std::any_of(json["notes"].begin(), json["notes"].end(), [&](const auto& n) {
        return std::regex_match(n.template get<std::string>(), note);
    }));
    check_reports(s.reports);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the command line sent SIGTERM while its command runs says so and leaves no process",
          "[cli][stop]") {
    const process_mark mark;
    const auto r = run_program(ROLLCHECK_CLI,
                               {"run", "--", "/bin/sh", "-c", "sleep 30 & kill -TERM $PPID; wait"});
    INFO(r.err.text());
    CHECK(r.exit_code == 143);
    const std::regex said("ERROR command\\.run: `/bin/sh -c 'sleep 30 & kill -TERM \\$PPID; wait'` "
                          "interrupted by SIGTERM after [0-9.]+ m?s; its process tree was killed");
    CHECK(std::regex_search(r.out.text(), said));
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a suite past its --deadline stops as a signal would, its reports written",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-deadline.toml", {"--deadline", "3s"});
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 2);
    CHECK(s.closing() == "ERROR: 4 checks: 3 passed, 1 error; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by its "
                         "deadline (--deadline 3s)");
    const auto& stopped = find_case(s.json, "a job longer than the run may take");
    const std::regex cut("interrupted by its deadline \\(--deadline 3s\\) after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the target's [rollback] deadline stops a suite as --deadline does", "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-target-deadline.toml");
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 2);
    CHECK(s.closing() == "ERROR: 4 checks: 3 passed, 1 error; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by its "
                         "deadline ([rollback] deadline 3 s)");
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the command line sent SIGTERM during a query cancels it on the server",
          "[cli][stop][postgres]") {
    const auto db = slow_keys_database();
    temp_dir dir;
    const auto out = dir / "out.txt";
    const pid_t pid = spawn({ROLLCHECK_CLI, "db", "duplicates", "--dsn", postgres().conninfo(db),
                             "--table", "public.slow_keys", "--key", "k"},
                            out);

    REQUIRE(soon([&] { return busy_backends(db, "slow_keys") == 1; }));
    ::kill(pid, SIGTERM);
    const int status = exit_status_of(pid);
    std::this_thread::sleep_for(std::chrono::seconds(1));

    CHECK(busy_backends(db, "slow_keys") == 0);
    CHECK(status == 143);
    CHECK_THAT(read_text(out),
               Catch::StartsWith("ERROR db.duplicates: interrupted by SIGTERM while "
                                 "checking public.slow_keys on "));
    CHECK_THAT(read_text(out), Catch::Contains(": its query was cancelled on the server"));
}

TEST_CASE("the command line sent SIGTERM during a restore check leaves no scratch cluster",
          "[cli][stop][postgres]") {
    const restore_in_flight run;
    ::kill(run.pid, SIGTERM);

    CHECK(exit_status_of(run.pid) == 143);
    const auto out = read_text(run.dir / "out.txt");
    CHECK_THAT(out, Catch::StartsWith("ERROR db.backup-restore: ") &&
                        Catch::Contains(" interrupted by SIGTERM after "));
    CHECK(restore_dirs(run.tmp).empty());
    CHECK_FALSE(runs_from(run.scratch));
}

TEST_CASE("a scratch cluster that a run killed by SIGKILL left is removed by the next run",
          "[cli][stop][postgres]") {
    const restore_in_flight run;
    ::kill(run.pid, SIGKILL);
    CHECK(exit_status_of(run.pid) == -1);
    REQUIRE(std::filesystem::exists(run.scratch));

    const pid_t next = spawn({ROLLCHECK_CLI, "--version"}, run.dir / "version.txt", {run.tmpdir()});
    CHECK(exit_status_of(next) == 0);
    CHECK_FALSE(std::filesystem::exists(run.scratch));
    CHECK_FALSE(runs_from(run.scratch));
}

TEST_CASE("the command line sent SIGTERM while it follows a log ends the window there",
          "[cli][stop]") {
    temp_dir dir;
    const auto log = dir.write("app.log", "");
    const pid_t pid = spawn(
        {ROLLCHECK_CLI, "logs", "follow", log.string(), "--for", "10m", "--require", "heartbeat"},
        dir / "out.txt");
    REQUIRE(soon([&] { return stop_path_installed(pid); }));
    ::kill(pid, SIGTERM);

    CHECK(exit_status_of(pid) == 143);
    const std::regex said("ERROR logs\\.follow: interrupted by SIGTERM after [0-9.]+ m?s of " +
                          log.string() + " \\(0 bytes written\\) \\([0-9]+ ms\\)\n");
    const auto out = read_text(dir / "out.txt");
    INFO(out);
    CHECK(std::regex_match(out, said));
}

TEST_CASE("a suite sent SIGTERM while --wait re-runs a failing check ends the back-off there",
          "[suite][stop]") {
    const stopped_suite s("stop-wait.toml", {"--wait"});
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 143);
    const auto& waited = find_case(s.json, "a job that is never back");
    const std::regex cut("interrupted by SIGTERM after [0-9.]+ m?s");
    CHECK(std::regex_match(waited["failure"].get<std::string>(), cut));
    require_valid_junit(s.reports / "junit.xml");
}
