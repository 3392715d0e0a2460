// Time to green and waivers in a run's record and its three reports; the
// retry that measures time to green, with real sleeps and a real clock.
#include <atomic>
#include <chrono>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/converge.hpp>
#include <rollcheck/waiver.hpp>

#include "report_support.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::at;

namespace {

/// A run of two phases whose cases turned green at known times.
run_record timed_run() {
    run_record run;
    run.suite = "verify-rehearsal";
    run.started = at("2026-11-28T09:10:00Z");
    run.finished = at("2026-11-28T09:12:00Z");
    run.since = at("2026-11-28T09:00:00Z");
    run.recovery_targets = rollcheck_test::recovery_targets();
    auto green = [](std::string name, std::string phase, const char* when) {
        auto c = rollcheck_test::make_case(std::move(name), std::move(phase), "P1",
                                           {check_result::pass("files.absent", "gone")});
        c.green_at = at(when);
        c.attempts = 1;
        return c;
    };
    run.cases.push_back(green("modules gone", "1-3", "2026-11-28T09:03:30Z"));
    run.cases.push_back(green("tests pass", "1-3", "2026-11-28T09:04:10Z"));
    run.cases.push_back(green("job ran", "11", "2026-11-28T09:11:00Z"));
    run.cases.back().attempts = 7;
    return run;
}

waiver waiver_for(std::string check, std::string phase, std::string expires = "2099-12-31") {
    waiver w;
    w.check = std::move(check);
    w.phase = std::move(phase);
    w.justification = "the snapshot predates the log-rotation entry; OPS-412";
    w.expires = std::move(expires);
    w.where = "waivers.toml:1:1";
    return w;
}

} // namespace

TEST_CASE("time to green is the last case of a phase to turn green, against its target") {
    const auto phases = recovery_of(timed_run());
    REQUIRE(phases.size() == 2);
    CHECK(phases[0].phase == "1-3");
    CHECK(phases[0].time_to_green == std::chrono::milliseconds(250s));
    CHECK(phases[0].met());
    CHECK(describe_recovery(phases[0]) == "4m 10s, target 5m: met with 50 s to spare");
    CHECK(phases[1].time_to_green == std::chrono::milliseconds(660s));
    CHECK_FALSE(phases[1].met());
    CHECK(describe_recovery(phases[1]) == "11m, target 5m: missed by 6m");
}

TEST_CASE("a phase with a check never verified has no time to green and misses its target") {
    auto run = timed_run();
    run.cases.push_back(rollcheck_test::make_case(
        "crontab restored", "11", "P1", {check_result::fail("cron.expect", "entry missing")}));
    const auto phases = recovery_of(run);
    CHECK_FALSE(phases[1].time_to_green);
    CHECK(phases[1].not_green == 1);
    CHECK(describe_recovery(phases[1]) == "not green: 1 check never verified, target 5m: missed");
}

TEST_CASE("the reports carry each check's green time and each phase's time to green") {
    rollcheck_test::temp_dir dir;
    auto run = timed_run();
    run.waited = true;
    REQUIRE(write_reports(run, dir / "r").empty());
    const auto json = nlohmann::json::parse(rollcheck_test::read_text(dir / "r" / "results.json"));
    CHECK(json["waited"] == true);
    CHECK(json["cases"][2]["attempts"] == 7);
    CHECK(json["cases"][2]["green_at"] == "2026-11-28T09:11:00.000Z");
    CHECK(json["cases"][2]["green_after_seconds"] == 660.0);
    CHECK(json["recovery"][0]["phase"] == "1-3");
    CHECK(json["recovery"][0]["time_to_green_seconds"] == 250.0);
    CHECK(json["recovery"][0]["target_seconds"] == 300.0);
    CHECK(json["recovery"][0]["met"] == true);
    CHECK(json["recovery"][1]["met"] == false);

    const auto md = rollcheck_test::read_text(dir / "r" / "report.md");
    CHECK_THAT(md, Catch::Contains("| 11 | P1 | PASS | 11m (7 attempts) | job ran |"));
    CHECK_THAT(md, Catch::Contains("## Time to green\n\nCounted from the rollback's start, "
                                   "2026-11-28T09:00:00.000Z; failing checks were re-run"));
    CHECK_THAT(md, Catch::Contains("| 1-3 | 4m 10s | 5m | 4m 10s, target 5m: met with 50 s to "
                                   "spare |"));

    const auto xml = rollcheck_test::read_text(dir / "r" / "junit.xml");
    CHECK_THAT(xml, Catch::Contains("<property name=\"time_to_green\" value=\"11m, target 5m: "
                                    "missed by 6m\"/>"));
    CHECK_THAT(xml, Catch::Contains("verified at 2026-11-28T09:11:00.000Z after 7 attempts"));
}

TEST_CASE("a waiver turns a failing P2 check into waived, still shown with its evidence") {
    rollcheck_test::temp_dir dir;
    auto run = timed_run();
    run.cases.push_back(rollcheck_test::make_case("crontab equal to the snapshot", "11", "P2",
                                                  {rollcheck_test::duplicates_failure()}));
    apply_waivers(run, {waiver_for("crontab equal to the snapshot", "11")}, run.finished);
    REQUIRE(run.cases.back().waived_by);
    CHECK(run.cases.back().standing() == "waived");
    CHECK(run_exit_status(run) == 0);
    CHECK(closing_line(run) == "WARN: 4 checks: 3 passed, 1 waived; verified: no action");

    REQUIRE(write_reports(run, dir / "r").empty());
    const auto json = nlohmann::json::parse(rollcheck_test::read_text(dir / "r" / "results.json"));
    CHECK(json["counts"]["waived"] == 1);
    CHECK(json["cases"][3]["verdict"] == "waived");
    CHECK(json["cases"][3]["check_verdict"] == "fail");
    CHECK(json["cases"][3]["waiver"]["expires"] == "2099-12-31");
    CHECK(json["cases"][3]["results"][0]["evidence"].size() == 2);
    const auto md = rollcheck_test::read_text(dir / "r" / "report.md");
    CHECK_THAT(md, Catch::Contains("### WAIVED · phase 11 · P2 · crontab equal to the snapshot"));
    CHECK_THAT(md, Catch::Contains("waived until 2099-12-31 (waivers.toml:1:1): the snapshot"));
    const auto xml = rollcheck_test::read_text(dir / "r" / "junit.xml");
    CHECK_THAT(xml, Catch::Contains("<skipped message=\"waived until 2099-12-31"));
}

TEST_CASE("a waiver never hides a P0 or P1 failure, nor one above its max_severity") {
    auto run = timed_run();
    run.cases.push_back(rollcheck_test::make_case(
        "crontab restored", "11", "P1", {check_result::fail("cron.expect", "entry missing")}));
    run.cases.push_back(rollcheck_test::make_case(
        "api down", "9-10", "P2", {check_result::fail("net.port", "port 8000 still open")}));
    auto capped = waiver_for("api down", "9-10");
    capped.max_severity = "P3";
    apply_waivers(run, {waiver_for("crontab restored", "11"), capped}, run.finished);
    CHECK_FALSE(run.cases[3].waived_by);
    CHECK_FALSE(run.cases[4].waived_by);
    CHECK(run_exit_status(run) == 1);
    REQUIRE(run.notes.size() == 2);
    CHECK(run.notes[0] == "waiver waivers.toml:1:1 not applied to 'crontab restored': the "
                          "failure is P1, and a waiver covers P2 at most (never P0 or P1)");
    CHECK(run.notes[1] == "waiver waivers.toml:1:1 not applied to 'api down': the failure is "
                          "P2, and a waiver covers P3 at most");
}

TEST_CASE("an expired waiver covers nothing, and an unused one is reported") {
    auto run = timed_run();
    run.cases.push_back(rollcheck_test::make_case(
        "api down", "9-10", "P3", {check_result::fail("net.port", "port 8000 still open")}));
    // Valid through its expiry day, not a moment longer.
    apply_waivers(run, {waiver_for("api down", "9-10", "2026-11-28")}, at("2026-11-28T12:00:00"));
    CHECK(run.cases[3].waived_by);
    run.cases[3].waived_by.reset();
    apply_waivers(run, {waiver_for("api down", "9-10", "2026-11-27"), waiver_for("job ran", "11")},
                  at("2026-11-28T12:00:00"));
    CHECK_FALSE(run.cases[3].waived_by);
    REQUIRE(run.notes.size() == 2);
    CHECK_THAT(run.notes[0], Catch::StartsWith("waiver waivers.toml:1:1 for 'api down' expired "
                                               "on 2026-11-27"));
    CHECK_THAT(run.notes[1], Catch::StartsWith("waiver waivers.toml:1:1 unused: 'job ran' did "
                                               "not fail"));
}

TEST_CASE("a waiver file reads [[waiver]] tables, and each fault names its line") {
    auto reading = parse_waivers("[[waiver]]\ncheck = \"api down\"\nphase = \"9-10\"\n"
                                 "justification = \"decommissioned next week\"\n"
                                 "expires = 2026-12-15\nmax_severity = \"P3\"\n",
                                 "waivers.toml");
    REQUIRE(reading.ok());
    REQUIRE(reading.waivers.size() == 1);
    CHECK(reading.waivers[0].expires == "2026-12-15");
    CHECK(reading.waivers[0].where == "waivers.toml:1:1");

    // A waiver file is read without a plan: any phase id reads.
    reading = parse_waivers("[[waiver]]\ncheck = \"api down\"\nphase = \"db-cutover\"\n"
                            "expires = \"2026-13-01\"\nowner = \"ops\"\n\n"
                            "[[waiver]]\ncheck = \"x\"\nphase = \"11\"\njustification = \" \"\n"
                            "expires = 2026-12-15\nmax_severity = \"P1\"\n",
                            "waivers.toml");
    REQUIRE_FALSE(reading.ok());
    CHECK(reading.waivers.empty());
    std::vector<std::string> texts;
    for (const auto& e : reading.errors)
        texts.push_back(e.text());
    CHECK(texts == std::vector<std::string>{
                       "waivers.toml:5:1: [[waiver]]: unknown key 'owner'",
                       "waivers.toml:1:1: [[waiver]]: missing key 'justification'",
                       "waivers.toml:4:11: [[waiver]] expires: '2026-13-01' is not a date "
                       "(2026-12-15)",
                       "waivers.toml:10:17: [[waiver]] justification: empty",
                       "waivers.toml:12:16: [[waiver]] max_severity: 'P1': a waiver covers P2 "
                       "or P3 only"});
}

TEST_CASE("retry_until_verified re-runs a check with back-off until it is verified") {
    int calls = 0;
    retry_policy policy;
    policy.deadline = std::chrono::system_clock::now() + 10s;
    policy.first_delay = 20ms;
    const auto out = retry_until_verified(
        [&] {
            return ++calls < 3 ? check_result::fail("test.flaky", "not yet")
                               : check_result::pass("test.flaky", "green");
        },
        policy);
    CHECK(out.attempts == 3);
    CHECK(out.last.passed());
    CHECK(out.green_at);
}

TEST_CASE("retry_until_verified stops at the deadline, and an error stays an error") {
    int calls = 0;
    retry_policy policy;
    policy.deadline = std::chrono::system_clock::now() + 300ms;
    policy.first_delay = 20ms;
    policy.max_delay = 80ms;
    const auto start = std::chrono::system_clock::now();
    const auto out = retry_until_verified(
        [&] {
            ++calls;
            return check_result::error("test.broken", "cannot connect");
        },
        policy);
    CHECK(out.last.status == verdict::error);
    CHECK_FALSE(out.green_at);
    CHECK(out.attempts == calls);
    // Back-off, not a spin: 20, 40, 80, 80 … ms fit at most 6 waits in 300 ms.
    CHECK(calls >= 3);
    CHECK(calls <= 8);
    CHECK(std::chrono::system_clock::now() - start >= 300ms);

    policy.deadline = std::chrono::system_clock::now() - 1s;
    calls = 0;
    CHECK(retry_until_verified([&] { return ++calls, check_result::fail("t", "no"); }, policy)
              .attempts == 1);
}
