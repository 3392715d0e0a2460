// results.json and report.md, and write_reports writing all five files.
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/detail/report/html.hpp>
#include <rollcheck/detail/report/json.hpp>
#include <rollcheck/detail/report/junit.hpp>
#include <rollcheck/detail/report/markdown.hpp>
#include <rollcheck/detail/report/prometheus.hpp>

#include "report_support.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using rollcheck_test::read_text;

namespace {

const std::string fffd = "\xEF\xBF\xBD";

std::string report_md_of(const run_record& run, const rollcheck_test::temp_dir& dir) {
    write_report_md(run, dir / "report.md");
    return read_text(dir / "report.md");
}

} // namespace

TEST_CASE("results.json holds the run, its counts and every case in to_json's shape") {
    rollcheck_test::temp_dir dir;
    const auto run = rollcheck_test::sample_run();
    write_results_json(run, dir / "results.json");
    const auto j = nlohmann::json::parse(read_text(dir / "results.json"));
    CHECK(j["suite"] == "verify-rehearsal");
    CHECK(j["target"] == "/etc/rollcheck/staging.toml");
    CHECK(j["target_summary"] == run.target_summary);
    CHECK(j["hostname"] == "db1");
    CHECK(j["started"] == "2026-11-28T09:26:24.000Z");
    CHECK(j["finished"] == "2026-11-28T09:27:29.500Z");
    CHECK(j["since"] == "2026-11-28T09:00:00.000Z");
    CHECK(j["verdict"] == "error");
    CHECK(j["exit_status"] == 2);
    CHECK(j["closing_line"] == closing_line(run));
    CHECK(j["counts"] == nlohmann::json{{"checks", 8},
                                        {"pass", 3},
                                        {"warn", 1},
                                        {"skip", 1},
                                        {"fail", 1},
                                        {"error", 2},
                                        {"waived", 0}});
    REQUIRE(j["cases"].size() == 8);
    const auto& dup = j["cases"][0];
    CHECK(dup["name"] == "no duplicated submission_id in opportunities_unified");
    CHECK(dup["phase"] == "7");
    CHECK(dup["severity"] == "P0");
    CHECK(dup["tags"] == nlohmann::json{"[phase7]", "[P0]", "[after]"});
    CHECK(dup["verdict"] == "fail");
    CHECK(dup["failure"].is_null());
    CHECK(j["cases"][7]["failure"] == "REQUIRE( rows_written > 0 ) failed: 0 > 0");
    REQUIRE(dup["results"].size() == 1);
    const auto& result = dup["results"][0];
    CHECK(result["check"] == "db.duplicates");
    CHECK(result["evidence_total"] == 2);
    CHECK(result["totals"]["excess_rows"] == 3);
    CHECK(result["elapsed_ms"] == 12);
    CHECK(result["evidence"][0]["submission_id"] == "t3_<abc>&\"x\"");
    // Invalid UTF-8 became U+FFFD; control characters are JSON escapes.
    CHECK(result["evidence"][1]["submission_id"] == "t3_" + fffd + fffd + "\x01\x1b[0m");
}

TEST_CASE("results.json says when --since was not given") {
    rollcheck_test::temp_dir dir;
    auto run = rollcheck_test::sample_run();
    run.since.reset();
    write_results_json(run, dir / "results.json");
    CHECK(nlohmann::json::parse(read_text(dir / "results.json"))["since"].is_null());
}

TEST_CASE("report.md opens with the closing line and the plan's after-rollback checklist") {
    rollcheck_test::temp_dir dir;
    const auto md = report_md_of(rollcheck_test::sample_run(), dir);
    CHECK_THAT(md,
               Catch::StartsWith("# Rollback verification: verify-rehearsal\n\n**ERROR: 8 checks: "
                                 "3 passed, 1 warned, 1 skipped, 1 failed, 2 errors; worst "
                                 "failing severity P0: Immediate rollback — notify "
                                 "stakeholders**\n\n"));
    CHECK_THAT(md, Catch::Contains(
                       "## After rollback\n\n"
                       "- [ ] System functionality verified — ERROR (6 verdicts: 3 passed, 1 "
                       "warned, 1 skipped, 1 error)\n"
                       "- [ ] No data loss confirmed — ERROR (3 verdicts: 1 passed, 1 failed, 1 "
                       "error)\n"
                       "- [x] Incident documented — this report\n"
                       "- [ ] Root cause identified — for people to fill in\n"
                       "- [ ] Remediation plan created — for people to fill in\n"
                       "- [ ] Stakeholders updated — for people to fill in\n"));
}

TEST_CASE("the checklist ticks what passed and says what this run did not check") {
    rollcheck_test::temp_dir dir;
    run_record run;
    run.checklist = rollcheck_test::after_rollback_checklist();
    run.cases.push_back(
        rollcheck_test::make_case("no duplicated submission_id", "7", "P0",
                                  {check_result::pass("db.duplicates", "no duplicates"),
                                   check_result::warn("db.backup", "backup is 26 hours old")}));
    const auto md = report_md_of(run, dir);
    CHECK_THAT(md, Catch::Contains("- [ ] System functionality verified — not checked by this "
                                   "run\n- [x] No data loss confirmed — WARN (2 verdicts: 1 "
                                   "passed, 1 warned)\n"));
    CHECK_THAT(md, Catch::Contains("## Evidence of what failed\n\nNothing failed.\n"));
}

TEST_CASE("report.md's table lists every check by phase, in the order they ran, with | escaped") {
    rollcheck_test::temp_dir dir;
    const auto md = report_md_of(rollcheck_test::sample_run(), dir);
    CHECK_THAT(
        md, Catch::Contains("| phase | severity | verdict | green after | name | summary |\n"
                            "|---|---|---|---|---|---|\n"
                            "| 7 | P0 | FAIL | never | no duplicated submission_id in "
                            "opportunities_unified | db.duplicates: 2 duplicated "
                            "submission_id values in public.opportunities_unified |\n"
                            "| 7 | P0 | PASS | 26m 40s | no row present at the baseline is missing "
                            "now | db.compare: all 1,204 rows of the baseline are present |\n"
                            "| 7 | P1 | ERROR | never | the backup is a readable pg_dump archive | "
                            "db.backup: could not verify: backup_20261128.sql: no such file |\n"
                            "| 1-3 | P3 | PASS | 26m 32s | the new module paths and test files are "
                            "gone | files.absent: all 6 paths are gone under /srv/app |\n"
                            "| 1-3 | P3 | WARN | 26m 36s | pytest tests/ -v exits 0 | command.run: "
                            "exited 0 after 4.5 s; 2 tests skipped |\n"));
    CHECK_THAT(md, Catch::Contains(
                       "| 11 | P1 | PASS | 26m 52s | the scoring log has no ERROR \\| CRITICAL "
                       "lines | logs.scan: 0 ERROR \\| CRITICAL lines in 120 lines |\n"));
    CHECK_THAT(
        md, Catch::Contains("| 11 | P1 | ERROR | never | the old pipeline restarts | command.run: "
                            "scoring monolith started with --limit 100; failure: REQUIRE( "
                            "rows_written > 0 ) failed: 0 > 0 |\n"));
}

TEST_CASE("report.md shows the evidence of every failing check, and only theirs") {
    rollcheck_test::temp_dir dir;
    const auto md = report_md_of(rollcheck_test::sample_run(), dir);
    CHECK_THAT(md, Catch::Contains("### FAIL · phase 7 · P0 · no duplicated submission_id in "
                                   "opportunities_unified\n\n```text\nFAIL db.duplicates: 2 "
                                   "duplicated submission_id values in "
                                   "public.opportunities_unified (12 ms)\n"
                                   "  - submission_id=t3_<abc>&\"x\": 3 rows\n"
                                   "  - submission_id=t3_" +
                                   fffd + fffd + fffd + fffd + "[0m: 2 rows\n```\n"));
    CHECK_THAT(md, Catch::Contains("### ERROR · phase 7 · P1 · the backup is a readable pg_dump "
                                   "archive\n\n```text\nERROR db.backup: could not verify: "
                                   "backup_20261128.sql: no such file (0 ms)\n```\n"));
    CHECK_THAT(md, Catch::Contains("### ERROR · phase 11 · P1 · the old pipeline restarts\n\n"
                                   "```text\nfailure: REQUIRE( rows_written > 0 ) failed: 0 > "
                                   "0\n```\n"));
    CHECK_THAT(md, !Catch::Contains("### WARN"));
    CHECK_THAT(md, !Catch::Contains("### PASS"));
}

TEST_CASE("report.md bounds the evidence it shows") {
    rollcheck_test::temp_dir dir;
    auto r = check_result::fail("logs.scan", "48,214 ERROR lines");
    r.evidence = bounded_evidence(show_all); // the verifier kept more than the report shows
    r.evidence.add({"a line with ``` inside", {}});
    for (int i = 0; i < 25; ++i)
        r.evidence.add({fmt::format("line {}: ERROR {}", i, std::string(400, 'x')), {}});
    r.evidence.count_more(48'188);
    run_record run;
    run.cases.push_back(rollcheck_test::make_case("no ERROR in the log", "11", "P1", {r}));
    const auto md = report_md_of(run, dir);
    // A fence longer than the evidence's own ``` keeps the block whole.
    CHECK_THAT(md, Catch::Contains("````text\nFAIL logs.scan: 48,214 ERROR lines (0 ms)\n"
                                   "  - a line with ``` inside\n"));
    CHECK_THAT(md, Catch::Contains("  - line 8: ERROR"));
    CHECK_THAT(md, !Catch::Contains("  - line 9: ERROR"));
    CHECK_THAT(md, Catch::Contains("x [… 114 more bytes]\n"));
    CHECK_THAT(md, Catch::Contains("  … 48204 more not shown\n````\n"));
}

TEST_CASE("report.md ends with the environment and the times") {
    rollcheck_test::temp_dir dir;
    const auto md = report_md_of(rollcheck_test::sample_run(), dir);
    CHECK_THAT(md, Catch::Contains("## Environment\n\n- Suite: verify-rehearsal\n"
                                   "- Target: /etc/rollcheck/staging.toml\n"
                                   "- Target summary: database host db1 port 5432 database "
                                   "reddit_harbor; project /srv/app\n- Host: db1\n- User: ops\n"
                                   "- rollcheck version: 0.1.0\n"));
    CHECK_THAT(md, Catch::Contains("## Times\n\n- Started: 2026-11-28T09:26:24.000Z\n"
                                   "- Finished: 2026-11-28T09:27:29.500Z\n- Duration: 1m 5s\n"
                                   "- Rollback started (--since): 2026-11-28T09:00:00.000Z\n"));
    CHECK_THAT(md, Catch::EndsWith("## Notes\n\n- logs.scan: no --since, so the last 1h of the "
                                   "log was read\n"));
}

TEST_CASE("write_reports writes the five files into a directory it creates") {
    rollcheck_test::temp_dir dir;
    const auto run = rollcheck_test::sample_run();
    const auto out = dir / "reports/verify-rehearsal";
    CHECK(write_reports(run, out).empty());
    CHECK(read_text(out / "junit.xml") == detail::junit_text(run));
    CHECK(read_text(out / "results.json") == detail::results_json_text(run));
    CHECK(read_text(out / "report.md") == detail::report_md_text(run));
    CHECK(read_text(out / "rollcheck.prom") == detail::prometheus_text(run));
    CHECK(read_text(out / "report.html") == detail::report_html_text(run));
    // Kept for docs/reports.md when asked: the real output of this run.
    if (const char* keep = std::getenv("ROLLCHECK_KEEP_SAMPLE_REPORTS"))
        CHECK(write_reports(run, keep).empty());
}

TEST_CASE("write_reports says what went wrong instead of throwing") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("not-a-directory", "x");
    std::string why;
    REQUIRE_NOTHROW(why = write_reports(rollcheck_test::sample_run(), file / "reports"));
    CHECK_THAT(why, Catch::StartsWith("cannot create " + (file / "reports").string() + ": "));
    CHECK_THROWS_WITH(write_junit(run_record{}, file / "junit.xml"),
                      Catch::Contains("cannot write " + (file / "junit.xml").string()));
}

TEST_CASE("a run that follows no plan answers a checklist of its checks alone") {
    rollcheck_test::temp_dir dir;
    run_record run;
    run.cases.push_back(rollcheck_test::make_case("orders exported", "orders", "P1",
                                                  {check_result::pass("files.absent", "gone")}));
    const auto md = report_md_of(run, dir);
    CHECK_THAT(md, Catch::Contains("## After rollback\n\n- [x] Checks verified — PASS (1 verdict: "
                                   "1 passed)\n"));
    CHECK_THAT(md, !Catch::Contains("Team notified"));
}
