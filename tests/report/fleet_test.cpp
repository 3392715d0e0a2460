// fleet.hpp: a suite's results.json read back whole, runs of several hosts
// merged with the host in every case's name, and `rollcheck report merge`
// writing the merged reports and exiting with the fleet's verdict.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/detail/report/json.hpp>
#include <rollcheck/fleet.hpp>

#include "report_support.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using rollcheck_test::read_text;

namespace {

/// The sample run with a waived case and a clean one, as two hosts might leave them.
run_record waived_run() {
    auto run = rollcheck_test::sample_run();
    run.cases[5].waived_by = waiver{run.cases[5].name, "9-10", "API retired next sprint",
                                    "2026-12-15",      "P2",   "waivers.toml:4:1"};
    return run;
}

run_record clean_run() {
    run_record run;
    run.suite = "verify-phase11";
    run.target = "/etc/rollcheck/web2.toml";
    run.hostname = "web2";
    run.user = "ops";
    run.version = "0.1.0";
    run.started = rollcheck_test::at("2026-11-28T09:20:00Z");
    run.finished = rollcheck_test::at("2026-11-28T09:30:00Z");
    run.recovery_targets = rollcheck_test::recovery_targets();
    auto c = rollcheck_test::make_case("crontab valid as cron reads it", "11", "P0",
                                       {check_result::pass("cron.lint", "1 entry, no finding")});
    c.attempts = 1;
    c.green_at = run.started + std::chrono::seconds(1);
    run.cases.push_back(std::move(c));
    return run;
}

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

} // namespace

TEST_CASE("a results.json read back writes the same results.json") {
    rollcheck_test::temp_dir dir;
    write_results_json(waived_run(), dir / "results.json");
    const auto reading = read_results_json(dir / "results.json");
    INFO(reading.error);
    REQUIRE(reading.run);
    CHECK(reading.error.empty());
    CHECK(detail::results_json_text(*reading.run) == read_text(dir / "results.json"));
    const auto& dup = reading.run->cases.at(0);
    CHECK(dup.results.at(0).evidence.total() == 2);
    CHECK(dup.results.at(0).status == verdict::fail);
    REQUIRE(reading.run->cases.at(5).waived_by);
    CHECK(reading.run->cases.at(5).waived_by->check == "the API no longer answers");
    CHECK(closing_line(*reading.run) == closing_line(waived_run()));
}

TEST_CASE("a results.json that cannot be read says which file and which key") {
    rollcheck_test::temp_dir dir;
    CHECK(read_results_json(dir / "absent.json").error ==
          "cannot read '" + (dir / "absent.json").string() + "': No such file or directory");
    write_text(dir / "junk.json", "{\"suite\": ");
    const auto junk = read_results_json(dir / "junk.json");
    CHECK_FALSE(junk.run);
    CHECK(junk.error ==
          (dir / "junk.json").string() + ": not JSON (a suite's results.json was expected)");

    auto j = nlohmann::json::parse(detail::results_json_text(rollcheck_test::sample_run()));
    j["cases"][2]["results"][0]["verdict"] = "green";
    write_text(dir / "bad.json", j.dump());
    CHECK(read_results_json(dir / "bad.json").error ==
          (dir / "bad.json").string() +
              ": not a suite's results.json: cases[2].results[0].verdict: 'green' is not a "
              "verdict (pass, warn, skip, fail, error), found \"green\"");
    j.erase("cases");
    write_text(dir / "bad.json", j.dump());
    CHECK(read_results_json(dir / "bad.json").error ==
          (dir / "bad.json").string() + ": not a suite's results.json: the top: no key 'cases'");
}

TEST_CASE("merged runs name the host in every case and keep the worst verdict") {
    const auto fleet = merge_host_runs({{"web1", waived_run()}, {"web2", clean_run()}});
    REQUIRE(fleet.cases.size() == waived_run().cases.size() + 1);
    for (std::size_t i = 0; i + 1 < fleet.cases.size(); ++i)
        CHECK(fleet.cases[i].name == "web1: " + waived_run().cases[i].name);
    CHECK(fleet.cases.back().name == "web2: crontab valid as cron reads it");
    CHECK(fleet.cases[5].waived_by->check == "web1: the API no longer answers");
    CHECK(fleet.hostname == "web1, web2");
    CHECK(fleet.suite == "verify-rehearsal, verify-phase11");
    CHECK(fleet.started == rollcheck_test::at("2026-11-28T09:20:00Z"));
    CHECK(fleet.finished == rollcheck_test::at("2026-11-28T09:30:00Z"));
    CHECK(fleet.since == rollcheck_test::at("2026-11-28T09:00:00Z"));
    CHECK(fleet.worst() == verdict::error);
    CHECK(fleet.notes.at(0) == "web1: verify-rehearsal (/etc/rollcheck/staging.toml): " +
                                   closing_line(waived_run()) + "; exit status 2");
    CHECK(fleet.notes.at(1) == "web1: logs.scan: no --since, so the last 1h of the log was read");
    CHECK(fleet.notes.at(2) ==
          "web2: verify-phase11 (/etc/rollcheck/web2.toml): PASS: 1 check: 1 passed; verified: "
          "no action; exit status 0");

    const auto one_clean = merge_host_runs({{"web2", clean_run()}});
    CHECK(run_exit_status(one_clean) == 0);
    CHECK(closing_line(one_clean) == "PASS: 1 check: 1 passed; verified: no action");
}

TEST_CASE("a host without a report is an error of the fleet, not a missing line") {
    const auto fleet = merge_host_runs(
        {{"web2", clean_run()}, unreadable_host_run("web3", "cannot read 'r/web3/results.json'")});
    REQUIRE(fleet.cases.size() == 2);
    CHECK(fleet.cases[1].name == "web3: the host's report was read");
    CHECK(fleet.cases[1].worst() == verdict::error);
    CHECK(run_exit_status(fleet) == 2);
    // Its run has no times: the fleet's are web2's.
    CHECK(fleet.started == clean_run().started);
    CHECK(fleet.finished == clean_run().finished);
}

TEST_CASE("rollcheck report merge writes one JUnit file and one summary for the fleet") {
    rollcheck_test::temp_dir dir;
    std::filesystem::create_directories(dir / "web1");
    std::filesystem::create_directories(dir / "web2");
    REQUIRE(write_reports(waived_run(), dir / "web1").empty());
    REQUIRE(write_reports(clean_run(), dir / "web2").empty());

    auto merged = rollcheck_test::run_program(ROLLCHECK_CLI,
                                              {"report", "merge", "--out", (dir / "fleet").string(),
                                               "web1=" + (dir / "web1").string(),
                                               "web2=" + (dir / "web2" / "results.json").string()});
    INFO(merged.out.text() << merged.err.text());
    CHECK(merged.exit_code == 2); // web1's run holds an error
    CHECK_THAT(merged.out.text(),
               Catch::Contains("web2: verify-phase11 (/etc/rollcheck/web2.toml): PASS"));
    const auto junit = read_text(dir / "fleet" / "junit.xml");
    CHECK_THAT(junit, Catch::Contains("name=\"web1: no duplicated submission_id in "
                                      "opportunities_unified\""));
    CHECK_THAT(junit, Catch::Contains("name=\"web2: crontab valid as cron reads it\""));
    CHECK(junit.find("<testcase classname=\"phase11\" name=\"crontab") == std::string::npos);
    const auto md = read_text(dir / "fleet" / "report.md");
    CHECK_THAT(md, Catch::Contains("web2: crontab valid as cron reads it"));
    const auto json = nlohmann::json::parse(read_text(dir / "fleet" / "results.json"));
    CHECK(json["hostname"] == "web1, web2");
    CHECK(json["exit_status"] == 2);

    // Only the clean host: the fleet passes.
    auto clean = rollcheck_test::run_program(
        ROLLCHECK_CLI,
        {"report", "merge", "--out", (dir / "clean").string(), "web2=" + (dir / "web2").string()});
    CHECK(clean.exit_code == 0);

    // A host whose report is missing fails the merge with exit 2, in the report too.
    auto missing = rollcheck_test::run_program(
        ROLLCHECK_CLI, {"report", "merge", "--out", (dir / "missing").string(),
                        "web2=" + (dir / "web2").string(), "web3=" + (dir / "web3").string()});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err.text(), Catch::Contains("rollcheck report merge: web3: cannot read"));
    CHECK_THAT(read_text(dir / "missing" / "junit.xml"),
               Catch::Contains("name=\"web3: the host's report was read\""));

    auto usage = rollcheck_test::run_program(
        ROLLCHECK_CLI, {"report", "merge", "--out", (dir / "x").string(), "web1"});
    CHECK(usage.exit_code == 2);
    CHECK_THAT(usage.err.text(), Catch::Contains("expected HOST=REPORT"));
}
