/// \file report.hpp
/// The reports of one suite run: what a phase suite leaves behind for CI and
/// for the incident record. One test case of a suite is one check of a phase
/// of the plan (docs/plan.md); a listener fills a run_record with them and
/// these functions write it out as JUnit XML, JSON, Markdown, Prometheus
/// metrics and an HTML page, and sum it up in one closing line and an exit status.
///
/// ```cpp
/// #include <rollcheck/report.hpp>
///
/// int main() {
///     rollcheck::run_record run;
///     run.suite = "verify-storage";
///     run.started = run.finished = std::chrono::system_clock::now();
///     rollcheck::case_record c;
///     c.name = "no duplicated order_id in orders";
///     c.phase = "7";
///     c.severity = "P0";
///     c.results.push_back(rollcheck::check_result::pass("db.duplicates", "no duplicates"));
///     run.cases.push_back(std::move(c));
///     if (const auto why = rollcheck::write_reports(run, "reports"); !why.empty()) return 2;
///     return rollcheck::run_exit_status(run);
/// }
/// ```
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/inline.hpp"
#include "result.hpp"
#include "time.hpp"

namespace rollcheck {

/// A team's waiver of a failing check: carried openly, with a reason and an
/// end, instead of the check being turned off (waiver.hpp reads them).
struct waiver {
    std::string check;         ///< the test case's name
    std::string phase;         ///< its phase: "11"
    std::string justification; ///< why the failure may stand for now
    std::string expires;       ///< "2026-12-15": valid through that day (local time)
    std::string max_severity;  ///< the most urgent severity it may cover ("P2"); empty: P2
    std::string where;         ///< "waivers.toml:4:1"
};

/// One test case of a suite: one check of a phase of the plan.
struct case_record {
    /// The test case name: "no duplicated key in the orders table".
    std::string name;
    /// The plan's id of the check ("phase7.no-row-lost"); empty for a test
    /// case written in C++ or a target's [[check]].
    std::string id;
    /// The id of the plan's phase the case belongs to.
    std::string phase;
    /// "P0" to "P3", from the plan's decision matrix.
    std::string severity;
    /// Every Catch2 tag of the case, e.g. "[phase7]", "[P1]", "[before]".
    std::vector<std::string> tags;
    /// The verifier results the case asserted (usually one).
    std::vector<check_result> results;
    /// A failure outside any verifier (an exception, a failed REQUIRE); empty when none.
    std::string failure;
    /// How long the case ran.
    double seconds = 0;
    /// How many times its verifiers ran: more than its results when `--wait`
    /// re-ran a check until it was verified.
    int attempts = 0;
    /// When the case was verified (its last verifier result acceptable);
    /// none when it never was.
    std::optional<time_point> green_at;
    /// The waiver that turned its failure into `waived`; none when not waived.
    std::optional<waiver> waived_by;
    /// Against a run taken before the rollback (compare_with_earlier_run),
    /// for a case failing now: "new since the rollback", "failing before the
    /// rollback too, same evidence" or "…, other evidence"; empty otherwise.
    std::string before_rollback;

    /// The worst verdict of `results`; `error` when `failure` is set, and
    /// `error` when there are neither results nor a failure: a case that
    /// checked nothing never passes. A waiver does not change it.
    [[nodiscard]] verdict worst() const;
    /// "pass" … "error" as worst() says, or "waived".
    [[nodiscard]] std::string standing() const;
};

/// One notice of a run's verdict to the team (notify.hpp sends them).
struct notice_record {
    std::string channel;     ///< "webhook" or "command"
    std::string destination; ///< "https://hooks.example.com" (never a path or query) or "mail"
    bool sent = false;       ///< the webhook answered 2xx, the command exited 0
    time_point at;           ///< when the attempt ended
    std::string outcome;     ///< "HTTP 200", "exited with status 1", "timed out after 10 s"
};

/// "webhook https://hooks.example.com: sent at 2026-11-28T09:14:03Z (HTTP 200)",
/// "command mail: NOT sent at …: exited with status 1": a notice in one line.
[[nodiscard]] ROLLCHECK_INLINE std::string describe_notice(const notice_record& n);

/// A row of the plan's decision matrix: what to do when the worst failing
/// check has this severity.
struct decision_row {
    std::string severity; ///< "P0"
    std::string action;   ///< "Immediate rollback"
    std::string approval; ///< "notify stakeholders"; may be empty
};

/// An item of the plan's "after rollback" checklist and what ticks it:
/// `proof` "checks" (the verdicts of the checks of `kinds`, or of every
/// check no other item claims when `kinds` is empty), "notices", "report"
/// or "people".
struct checklist_entry {
    std::string text;
    std::string proof;
    std::vector<std::string> kinds;
};

/// One run of a phase suite.
struct run_record {
    std::string suite;  ///< "verify-storage"
    std::string target; ///< the target file's path
    /// One line describing the environment, free of passwords
    /// ("database host db1 port 5432 database app; project /srv/app").
    std::string target_summary;
    time_point started, finished;
    std::optional<time_point> since; ///< when the rollback started
    /// Facts about the run a reader needs, e.g. which checks fell back to
    /// which default window without --since.
    std::vector<std::string> notes;
    std::vector<case_record> cases;
    std::string hostname, user, version;
    /// Per phase, the recovery time the plan promises ("7": 60 minutes),
    /// counted from `since` (from `started` without it).
    std::map<std::string, std::chrono::milliseconds> recovery_targets;
    bool waited = false; ///< failing checks were re-run until verified or their phase's deadline
    /// The notices of the verdict sent to the team; none when none was asked for.
    std::vector<notice_record> notices;
    /// The results.json of the run taken before the rollback that the
    /// failing cases were compared with; empty when none was.
    std::string before;
    /// The plan's decision matrix and its "after rollback" checklist; empty
    /// for a run that follows no plan.
    std::vector<decision_row> matrix;
    std::vector<checklist_entry> checklist;
    /// What stopped the run before its end ("SIGTERM", "its deadline
    /// (--deadline 30s)"); empty when it ran to its end.
    std::string interrupted_by;

    /// The worst verdict of the cases, a waived case counting as `warn`;
    /// `error` when there is none.
    [[nodiscard]] verdict worst() const;
};

/// How long a phase took to turn green, against its recovery target.
struct phase_recovery {
    std::string phase;
    /// From the rollback's start (or the run's) to the last of its cases
    /// turning green; none when a case never did.
    std::optional<std::chrono::milliseconds> time_to_green;
    std::optional<std::chrono::milliseconds> target; ///< none: the run names no target
    std::size_t not_green = 0;                       ///< cases never verified (waived ones apart)
    std::size_t waived = 0;

    /// Green, and within the target when there is one.
    [[nodiscard]] bool met() const noexcept {
        return time_to_green && (!target || *time_to_green <= *target);
    }
};

/// Per phase of `run`, in the plan's order, its time to green.
[[nodiscard]] ROLLCHECK_INLINE std::vector<phase_recovery> recovery_of(const run_record& run);

/// "4 min 12 s, target 5 min: met by 48 s", "not green: 2 checks never
/// verified, target 5 min: missed": a phase's recovery in one phrase.
[[nodiscard]] ROLLCHECK_INLINE std::string describe_recovery(const phase_recovery& p);

/// The run in one line: its worst verdict, the cases counted per verdict
/// (fails and errors apart) and the decision matrix's action for the most
/// severe failing (fail or error) case, or "verified: no action":
///
/// ```text
/// PASS: 3 checks: 2 passed, 1 warned; verified: no action
/// FAIL: 2 checks: 1 passed, 1 failed; worst failing severity P3: Fix forward — no rollback needed
/// ```
///
/// A failing case without a P0-P3 severity is "unrated": it outranks P1-P3
/// (it might be P0) and asks for an assessment instead of an action.
[[nodiscard]] ROLLCHECK_INLINE std::string closing_line(const run_record& run);

/// Marks each failing case of `run` against the reports of a run of the same
/// suite taken before the rollback: `earlier` is its results.json, or a
/// directory holding it (directly or under the suite's name). A case that
/// failed then too, with the same failing checks and evidence, did not fail
/// because of the rollback. Returns why the earlier run cannot be read
/// (nothing is marked then); empty on success.
[[nodiscard]] ROLLCHECK_INLINE std::string
compare_with_earlier_run(run_record& run, const std::filesystem::path& earlier);

/// The suite's exit status: 0 pass, warn or skip, 1 fail, 2 error.
[[nodiscard]] ROLLCHECK_INLINE int run_exit_status(const run_record& run);

/// Writes `run` as JUnit XML valid against the Ant schema (the one Jenkins
/// and GitLab read): one testsuite per phase. Throws std::runtime_error
/// naming the file when it cannot be written.
ROLLCHECK_INLINE void write_junit(const run_record& run, const std::filesystem::path& file);

/// Writes `run` as JSON: the run's facts, counts, closing line and every
/// case with its results in to_json's shape. Throws std::runtime_error
/// naming the file when it cannot be written.
ROLLCHECK_INLINE void write_results_json(const run_record& run, const std::filesystem::path& file);

/// Writes the incident record the plan's "Document" step asks for, in
/// Markdown: closing line, the "After rollback" checklist, the checks, the
/// evidence of what failed, environment and times. Throws
/// std::runtime_error naming the file when it cannot be written.
ROLLCHECK_INLINE void write_report_md(const run_record& run, const std::filesystem::path& file);

/// Writes `run` as Prometheus metrics in the text exposition format (for
/// node_exporter's textfile collector): per check whether it was verified,
/// its duration and when it turned green; per phase time to green against
/// its target; the run's exit status, time and counts. Throws
/// std::runtime_error naming the file when it cannot be written.
ROLLCHECK_INLINE void write_metrics(const run_record& run, const std::filesystem::path& file);

/// Writes `run` as one self-contained HTML page for people to look at: the
/// closing line, the "After rollback" checklist, the phases in verdict
/// colours, a chart of each phase's time to green against its recovery
/// target (inline SVG), every check with the evidence of the failing ones
/// folded under it, the waivers and the decision matrix's action. No
/// script, nothing fetched. Throws std::runtime_error naming the file when
/// it cannot be written.
ROLLCHECK_INLINE void write_report_html(const run_record& run, const std::filesystem::path& file);

/// The files write_reports writes, in the order it writes them: the one
/// list that the suites' "reports:" line and their `--report` help read.
inline constexpr std::array<std::string_view, 5> report_files{
    "junit.xml", "results.json", "report.md", "rollcheck.prom", "report.html"};

/// Creates `dir` and writes the report_files into it (junit.xml,
/// results.json, report.md, rollcheck.prom and report.html), each
/// atomically (whole or not at all). Returns what went wrong, or "" when
/// all were written; never throws for an I/O fault, and writes every file
/// it can even when one fails.
[[nodiscard]] ROLLCHECK_INLINE std::string write_reports(const run_record& run,
                                                         const std::filesystem::path& dir);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/report/report_impl.hpp"
#endif
