// Runs of a phase suite built by hand, the way the suites' listener fills
// them: real check_result values of every verdict, evidence holding XML's
// special characters, invalid UTF-8 and control characters, and `|` in a
// summary.
#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <rollcheck/report.hpp>

#include "test_support.hpp"

namespace rollcheck_test {

/// `text` (ISO 8601 with a zone) as a time point; throws when it is not one.
inline rollcheck::time_point at(const std::string& text) {
    std::string why;
    const auto t = rollcheck::parse_time(text, why);
    if (!t) throw std::invalid_argument(why);
    return *t;
}

inline rollcheck::case_record make_case(std::string name, std::string phase, std::string severity,
                                        std::vector<rollcheck::check_result> results,
                                        double seconds = 0.25) {
    rollcheck::case_record c;
    c.name = std::move(name);
    c.tags = {"[phase" + phase + "]", "[" + severity + "]", "[after]"};
    c.phase = std::move(phase);
    c.severity = std::move(severity);
    c.results = std::move(results);
    c.seconds = seconds;
    return c;
}

/// The recovery targets of plans/reddit_harbor.toml's phases, counted from
/// the rollback's start: the reports are tested against a plan's promises
/// without reading a plan.
inline std::map<std::string, std::chrono::milliseconds> recovery_targets() {
    using std::chrono::minutes;
    return {{"1-3", minutes(5)}, {"4-5", minutes(15)}, {"6", minutes(20)}, {"7", minutes(60)},
            {"8", minutes(10)},  {"9-10", minutes(5)}, {"11", minutes(5)}};
}

/// The evidence of a real duplicates check, with bytes no report may copy as they are.
inline rollcheck::check_result duplicates_failure() {
    auto r = rollcheck::check_result::fail(
        "db.duplicates", "2 duplicated submission_id values in public.opportunities_unified");
    r.evidence.add({"submission_id=t3_<abc>&\"x\": 3 rows",
                    {{"submission_id", "t3_<abc>&\"x\""}, {"rows", 3}}});
    r.evidence.add({"submission_id=t3_\xff\xfe\x01\x1b[0m: 2 rows",
                    {{"submission_id", "t3_\xff\xfe\x01\x1b[0m"}, {"rows", 2}}});
    r.totals = {{"duplicated_keys", 2}, {"excess_rows", 3}};
    r.elapsed = std::chrono::milliseconds(12);
    return r;
}

/// One run of every verdict, cases deliberately not grouped by phase: the
/// reports list the phases in the order their first cases ran.
/// The decision matrix of plans/reddit_harbor.toml, as a run following it carries it.
inline std::vector<rollcheck::decision_row> decision_matrix() {
    return {{"P0", "Immediate rollback", "notify stakeholders"},
            {"P1", "Rollback within 1 hour", "tech lead approval"},
            {"P2", "Rollback within 24 hours", "team discussion"},
            {"P3", "Fix forward", "no rollback needed"}};
}

/// The "after rollback" checklist of plans/reddit_harbor.toml.
inline std::vector<rollcheck::checklist_entry> after_rollback_checklist() {
    return {{"System functionality verified", "checks", {}},
            {"No data loss confirmed",
             "checks",
             {"db.compare", "db.duplicates", "db.baseline", "db.backup", "db.baseline-file"}},
            {"Incident documented", "report", {}},
            {"Root cause identified", "people", {}},
            {"Remediation plan created", "people", {}},
            {"Stakeholders updated", "people", {}},
            {"Team notified", "notices", {}}};
}

inline rollcheck::run_record sample_run() {
    using rollcheck::check_result;
    rollcheck::run_record run;
    run.suite = "verify-rehearsal";
    run.target = "/etc/rollcheck/staging.toml";
    run.target_summary = "database host db1 port 5432 database reddit_harbor; project /srv/app";
    run.started = at("2026-11-28T09:26:24Z");
    run.finished = at("2026-11-28T09:27:29.500Z");
    run.since = at("2026-11-28T09:00:00Z");
    run.notes = {"logs.scan: no --since, so the last 1h of the log was read"};
    run.hostname = "db1";
    run.user = "ops";
    run.version = "0.1.0";
    run.cases.push_back(make_case("no duplicated submission_id in opportunities_unified", "7", "P0",
                                  {duplicates_failure()}, 0.012));
    run.cases.push_back(
        make_case("the new module paths and test files are gone", "1-3", "P3",
                  {check_result::pass("files.absent", "all 6 paths are gone under /srv/app")}));
    run.cases.push_back(
        make_case("pytest tests/ -v exits 0", "1-3", "P3",
                  {check_result::warn("command.run", "exited 0 after 4.5 s; 2 tests skipped")}));
    run.cases.push_back(make_case(
        "no row present at the baseline is missing now", "7", "P0",
        {check_result::pass("db.compare", "all 1,204 rows of the baseline are present")}));
    run.cases.push_back(make_case(
        "the backup is a readable pg_dump archive", "7", "P1",
        {check_result::error("db.backup", "could not verify: backup_20261128.sql: no such file")}));
    run.cases.push_back(make_case(
        "the API no longer answers", "9-10", "P2",
        {check_result::skip("net.http", "not applicable: the sandbox runs no containers")}));
    run.cases.push_back(
        make_case("the scoring log has no ERROR | CRITICAL lines", "11", "P1",
                  {check_result::pass("logs.scan", "0 ERROR | CRITICAL lines in 120 lines")}));
    auto old_pipeline =
        make_case("the old pipeline restarts", "11", "P1",
                  {check_result::pass("command.run", "scoring monolith started with --limit 100")});
    old_pipeline.failure = "REQUIRE( rows_written > 0 ) failed: 0 > 0";
    run.cases.push_back(std::move(old_pipeline));
    // As the suite's listener records them: each case ran its checks once,
    // and those verified turned green as the run went.
    run.recovery_targets = recovery_targets();
    run.matrix = decision_matrix();
    run.checklist = after_rollback_checklist();
    auto green = run.started;
    for (auto& c : run.cases) {
        c.attempts = static_cast<int>(c.results.size());
        green += std::chrono::seconds(4);
        if (c.worst() < rollcheck::verdict::fail) c.green_at = green;
    }
    return run;
}

} // namespace rollcheck_test
