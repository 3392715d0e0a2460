// Phase 11 (production migration): the unified pipeline is stopped and
// unscheduled, the monoliths and their cron job are back, and the batch job
// writes rows, logs progress and no error since the rollback.
#include <cctype>
#include <iterator>
#include <sstream>

#include <rollcheck/cron.hpp>
#include <rollcheck/cron_ran.hpp>
#include <rollcheck/freshness.hpp>
#include <rollcheck/log_scan.hpp>
#include <rollcheck/processes.hpp>

#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

namespace {

/// The crontab the target names: a file, or a user's `crontab -l`.
cron_input the_crontab() {
    cron_input in;
    if (!system().crontab_file.empty())
        in.sources = {cron_source::file(system().crontab_file)};
    else
        in.sources = {cron_source::user_crontab(system().crontab_user)};
    return in;
}

/// The job's log files, relative to the project unless absolute.
std::vector<std::string> job_logs() {
    std::vector<std::string> files;
    for (const auto& f : system().log_files)
        files.push_back(
            std::filesystem::path(f).is_absolute() ? f : (system().project_root / f).string());
    return files;
}

/// `text` as an RE2 pattern that matches it literally.
std::string literal_pattern(const std::string& text) {
    std::string pattern;
    for (const char c : text) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') pattern += '\\';
        pattern += c;
    }
    return pattern;
}

/// The pattern of the batch job's process: the stem of the first `.py` word
/// of the job's command ("batch_opportunity_scoring"), else its program.
std::string job_process_pattern() {
    std::istringstream in(system().job_command);
    const std::vector<std::string> words{std::istream_iterator<std::string>(in), {}};
    for (const auto& word : words)
        if (std::filesystem::path(word).extension() == ".py")
            return literal_pattern(std::filesystem::path(word).stem().string());
    return literal_pattern(std::filesystem::path(words.at(0)).filename().string());
}

/// The batch job ran since the rollback: its process is up, its log shows
/// progress since, or cron's record shows cron starting its entry since.
check_result batch_job_ran() {
    process_spec running;
    running.pattern = job_process_pattern();
    running.match = process_match::runs; // `tail -f` on its log is not the job
    auto process = check_processes(running);
    if (process.acceptable()) return process;
    log_scan_spec spec;
    spec.files = job_logs();
    spec.rotated = true;
    spec.rules.required = {
        {system().progress_patterns.empty() ? "." : system().progress_patterns[0], 1}};
    spec.since = suite::window_start("the batch job's run", std::chrono::hours(1));
    spec.stop_when_met = true;
    auto by_log = check_log_scan(spec);
    if (by_log.acceptable()) return by_log;
    std::vector<check_result> records;
    const auto& command = system().job_command;
    if (!system().cron_logs.empty()) {
        spec.files = system().cron_logs;
        spec.rules.required = {{cron_record_pattern(command, system().crontab_user), 1}};
        records.push_back(check_log_scan(spec));
        records.back().summary = fmt::format("cron's record: {}", records.back().summary);
    }
    if (system().cron_journal) {
        spec.files.clear();
        spec.rotated = false;
        spec.journal.enabled = true;
        spec.journal.identifier = "CRON";
        spec.rules.required = {{cron_journal_record_pattern(command, system().crontab_user), 1}};
        records.push_back(check_log_scan(spec));
        records.back().summary =
            fmt::format("cron's record in the journal: {}", records.back().summary);
    }
    for (const auto& record : records)
        if (record.acceptable()) return record;
    // No source shows the run; one that could not be read might have.
    by_log.status = std::max(by_log.status, worst(records));
    for (const auto& record : records)
        by_log.summary += fmt::format("; {}", record.summary);
    return by_log;
}

} // namespace

TEST_CASE("unified pipeline not running (any interpreter, any path)", "[phase11][P0]") {
    process_spec spec;
    spec.pattern = system().unified_pattern;
    // A process running the script, not one naming it: a pager open on it is not the pipeline.
    spec.match = process_match::runs;
    spec.expect = process_expectation::none;
    spec.wait = std::chrono::seconds(5);
    REQUIRE_VERIFIED(check_processes(spec));
}

TEST_CASE("scripts/core/*.py identical to the pre-cutover archive", "[phase11][P0]") {
    restored_spec spec;
    spec.root = system().project_root / "scripts/core";
    spec.archive = system().archive_dir;
    spec.paths = {"*.py"};
    REQUIRE_VERIFIED(check_restored(spec));
}

TEST_CASE("crontab valid as cron reads it", "[phase11][P0]") {
    cron_lint_spec spec;
    static_cast<cron_input&>(spec) = the_crontab();
    REQUIRE_VERIFIED(check_cron_lint(spec));
}

TEST_CASE("monolith cron entry restored as 0 2 * * *, unified pipeline not scheduled",
          "[phase11][P0]") {
    cron_expect_spec spec;
    static_cast<cron_input&>(spec) = the_crontab();
    spec.check_programs = false;
    spec.present = {{system().job_schedule, system().job_command, ""}};
    spec.absent = {system().unified_pattern};
    REQUIRE_VERIFIED(check_cron_expect(spec));
}

TEST_CASE("crontab equal to the pre-cutover snapshot", "[phase11][P1]") {
    cron_diff_spec spec;
    static_cast<cron_input&>(spec) = the_crontab();
    spec.check_programs = false;
    spec.snapshot = system().crontab_snapshot;
    REQUIRE_VERIFIED(spec.snapshot.empty()
                         ? check_result::error("cron.diff", "the target names no [cron] snapshot "
                                                            "(`rollcheck cron snapshot` before the "
                                                            "deploy writes one)")
                         : check_cron_diff(spec));
}

TEST_CASE("the batch job running, or run since the rollback", "[phase11][P1]") {
    REQUIRE_VERIFIED(batch_job_ran());
}

TEST_CASE("job log without error since the rollback (rotated files included), showing progress",
          "[phase11][P1]") {
    log_scan_spec spec;
    spec.files = job_logs();
    spec.rotated = true;
    spec.rules.errors = system().error_patterns;
    for (const auto& p : system().progress_patterns)
        spec.rules.required.push_back({p, 1});
    spec.since = suite::window_start("the job log's errors", std::chrono::hours(1));
    REQUIRE_VERIFIED(check_log_scan(spec));
}

TEST_CASE("rows written to opportunities_unified in the last hour", "[phase11][P0][db]") {
    recent_writes_spec spec;
    spec.connection = system().connection;
    spec.table = system().table;
    spec.column = system().timestamp_column;
    // An attempt re-run under --wait looks back to the same instant.
    spec.since = suite::window_start("recent writes", std::chrono::hours(1));
    REQUIRE_VERIFIED(check_recent_writes(spec));
}

TEST_CASE("no duplicated submission_id in opportunities_unified (after phase 11)",
          "[phase11][P0][db]") {
    REQUIRE_VERIFIED(check_duplicates(unique_key()));
}

TEST_CASE("no row of opportunities_unified lost against the baseline (after phase 11)",
          "[phase11][P0][db]") {
    REQUIRE_VERIFIED(compare_baseline(nothing_lost()));
}
