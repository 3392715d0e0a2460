// `rollcheck cron …` as an operator runs it: output and exit status.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/command.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;

namespace {

command_outcome cli(std::vector<std::string> args) {
    args.insert(args.begin(), "cron");
    return rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args));
}

} // namespace

TEST_CASE("cron next prints one time a line, in UTC or the zone given") {
    const auto utc = cli({"next", "0 2 * * 0-7", "--from", "2026-11-28T10:00", "--count", "3"});
    CHECK(utc.exit_code == 0);
    CHECK(utc.out.text() == "2026-11-29T02:00\n2026-11-30T02:00\n2026-12-01T02:00\n");
    const auto berlin = cli({"next", "30 2 * * *", "--from", "2026-03-28T00:00", "--tz",
                             "Europe/Berlin", "--count", "3"});
    CHECK(berlin.out.text() == "2026-03-28T02:30\n2026-03-29T03:00\n2026-03-30T02:30\n");
    const auto previous = cli({"next", "@weekly", "--from", "2026-11-28T10:00", "--previous"});
    CHECK(previous.out.text() == "2026-11-22T00:00\n");
    const auto json =
        cli({"next", "0 2 * * *", "--from", "2026-11-28T10:00", "--count", "1", "--json"});
    CHECK(nlohmann::json::parse(json.out.text())["evidence"] ==
          nlohmann::json::parse(R"([{"local": "2026-11-29T02:00", "utc": "2026-11-29T02:00Z"}])"));
}

TEST_CASE("cron next --from takes ISO 8601 with a zone, an absolute time on any --tz") {
    const auto utc = cli({"next", "0 2 * * *", "--from", "2026-03-28T00:00:00Z", "--count", "1"});
    CHECK(utc.exit_code == 0);
    CHECK(utc.out.text() == "2026-03-28T02:00\n");
    // 01:30Z is 02:30 in Berlin: today's 02:00 is past, tomorrow's is skipped to 03:00.
    const auto berlin = cli({"next", "0 2 * * *", "--from", "2026-03-28T01:30:00Z", "--tz",
                             "Europe/Berlin", "--count", "1"});
    CHECK(berlin.exit_code == 0);
    CHECK(berlin.out.text() == "2026-03-29T03:00\n");
    const auto offset =
        cli({"next", "*/15 * * * *", "--from", "2026-03-28T09:05:30.250+01:00", "--count", "1"});
    CHECK(offset.exit_code == 0);
    CHECK(offset.out.text() == "2026-03-28T08:15\n");
}

TEST_CASE("cron next: an invalid expression or argument exits 2 with the reason") {
    const auto bad = cli({"next", "0 60 * * *"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.out.text(),
               Catch::StartsWith("ERROR cron.next: 1:3: hour 60 out of range 0-23 ("));
    const auto never = cli({"next", "0 0 30 2 *"});
    CHECK(never.exit_code == 2);
    CHECK_THAT(never.out.text(),
               Catch::StartsWith("ERROR cron.next: '0 0 30 2 *' does not fire within 400 years"));
    CHECK(cli({"next", "* * * * *", "--count", "0"}).exit_code == 2);
    CHECK(cli({"next", "* * * * *", "--from", "yesterday"}).exit_code == 2);
    CHECK(cli({"next", "* * * * *", "--tz", "Mars/Base"}).exit_code == 2);
}

TEST_CASE("cron lint names file, line and column and exits 1 on errors, 0 when clean") {
    rollcheck_test::temp_dir dir;
    const auto broken = dir.write("crontab", "0 2 * * * /bin/true\n0 60 * * * /bin/true\n");
    const auto r = cli({"lint", broken.string()});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.text(), Catch::Contains(broken.string() + ":2:3: hour 60 out of range 0-23"));
    const auto clean = dir.write("clean", "0 2 * * * /bin/true\n");
    CHECK(cli({"lint", clean.string()}).exit_code == 0);
    const auto system = dir.write("system", "0 2 * * * root /bin/true\n");
    CHECK(cli({"lint", "--system", system.string()}).exit_code == 0);
    const auto stdin_run = run_command(command_spec::shell(
        fmt::format("printf '0 2 * * 8 /bin/true\\n' | '{}' cron lint -", ROLLCHECK_CLI)));
    CHECK(stdin_run.exit_code == 1);
    CHECK_THAT(stdin_run.out.text(),
               Catch::Contains("<stdin>:1:9: day of week 8 out of range 0-7"));
    CHECK(cli({"lint", (dir / "missing").string()}).exit_code == 2);
}

TEST_CASE("cron expect, snapshot and diff exit 0 when healthy, 1 when not") {
    rollcheck_test::temp_dir dir;
    const auto tab = dir.write("crontab", "0 2 * * * python scripts/core/batch.py\n");
    const std::vector<std::string> expect = {
        "expect", "--schedule", "0 2 * * *", "--command", "python scripts/core/batch.py",
        "--file", tab.string(), "--absent",  "unified"};
    CHECK(cli(expect).exit_code == 0);
    const auto snapshot = (dir / "cron.snapshot").string();
    CHECK(cli({"snapshot", "-o", snapshot, "--file", tab.string()}).exit_code == 0);
    CHECK(cli({"diff", snapshot}).exit_code == 0);

    dir.write("crontab", "0 2 * * * python scripts/core/batch.py\n* * * * * run_unified.py\n");
    const auto forbidden = cli(expect);
    CHECK(forbidden.exit_code == 1);
    CHECK_THAT(
        forbidden.out.text(),
        Catch::Contains(tab.string() +
                        ":2: '* * * * * run_unified.py' matches forbidden pattern 'unified'"));
    const auto diff = cli({"diff", snapshot, "--json"});
    CHECK(diff.exit_code == 1);
    CHECK(nlohmann::json::parse(diff.out.text())["totals"]["added"] == 1);
    CHECK(cli({"expect", "--schedule", "0 2 * * *"}).exit_code == 2); // --command missing
}

TEST_CASE("cron ran exits 0 when the job logged since its last run, 1 when not, 2 without a log") {
    rollcheck_test::temp_dir dir;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    const auto fresh = dir.write("fresh.log", std::string(stamp) + " scoring done\n");
    const auto stale = dir.write("stale.log", "2020-01-01T00:00:00Z scoring done\n");
    const std::vector<std::string> every_minute{"ran", "--schedule", "* * * * *", "--grace",
                                                "1m",  "--match",    "scoring",   "--log"};
    auto with_log = [&](const std::filesystem::path& log) {
        auto args = every_minute;
        args.push_back(log.string());
        return cli(args);
    };
    const auto ran = with_log(fresh);
    CHECK(ran.exit_code == 0);
    CHECK_THAT(ran.out.text(), Catch::StartsWith("PASS cron.ran: '* * * * *' logged a line "
                                                 "containing 'scoring' at "));
    const auto late = with_log(stale);
    CHECK(late.exit_code == 1);
    CHECK_THAT(late.out.text(), Catch::Contains("the last one is from 2020-01-01T00:00 (line 1)"));
    const auto missing = with_log(dir / "missing.log");
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.out.text(), Catch::Contains("missing.log: cannot open: No such file"));
}

TEST_CASE("cron ran reads cron's record with --cron-log and --command, and needs a source") {
    rollcheck_test::temp_dir dir;
    const auto syslog = dir.write("syslog", "2026-11-28T02:00:01Z host CRON[9]: (app) CMD "
                                            "(python score.py)\n");
    const std::vector<std::string> args{
        "ran",           "--schedule", "0 2 * * *",       "--cron-log",
        syslog.string(), "--command",  "python score.py", "--json"};
    const auto ran = cli(args);
    CHECK(ran.exit_code == 1); // the record is days old by now
    const auto json = nlohmann::json::parse(ran.out.text());
    CHECK(json["totals"]["cron_records"] == 1);
    CHECK_THAT(json["summary"].get<std::string>(),
               Catch::StartsWith("no record of cron starting 'python score.py' in '" +
                                 syslog.string() + "'"));
    const auto none = cli({"ran", "--schedule", "0 2 * * *"});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.out.text(), Catch::Contains("no source to read"));
}
