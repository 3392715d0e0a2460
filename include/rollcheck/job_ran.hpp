/// \file job_ran.hpp
/// "The batch job ran since the rollback": a process runs it now, its log
/// shows progress since, or cron's record shows cron starting it since.
/// Where cron_ran.hpp asks whether the run a schedule made due happened,
/// this asks whether any run happened since a time, however it was started:
/// after a rollback the job is often started by hand, off its schedule.
///
/// ```cpp
/// rollcheck::job_ran_spec spec;
/// spec.command = "cd /srv/app && python3 scripts/core/nightly_export.py";
/// spec.logs = {"/srv/app/logs/batch.log"};
/// spec.cron_logs = {"/var/log/syslog"};
/// spec.user = "app";
/// const auto r = rollcheck::check_job_ran(spec); // since an hour ago
/// ```
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/inline.hpp"
#include "log_scan.hpp"
#include "result.hpp"
#include "time.hpp"

namespace rollcheck {

/// `job.ran`: the job's sources, tried in turn until one shows a run.
struct job_ran_spec {
    /// The job's command as the crontab writes it. Required: its process and
    /// cron's record are known by it.
    std::string command;
    /// RE2 pattern searched in what each process runs (process_match::runs,
    /// so that `tail -f` on its log is not the job); empty:
    /// job_process_pattern(command).
    std::string process;
    /// The job's log files or globs, rotated siblings (FILE.N, FILE.N.gz) read too.
    std::vector<std::string> logs;
    /// RE2 pattern of a log line that shows the job working; "." is any line.
    std::string progress = ".";
    /// Only log lines and cron records at or after this; empty: an hour
    /// before the check.
    std::optional<time_point> since;
    /// The crontab's owner in cron's record; empty: any.
    std::string user;
    /// Where cron records the runs it starts, `CRON[pid]: (user) CMD
    /// (command)`: syslog files or globs, rotated siblings read too.
    std::vector<std::string> cron_logs;
    /// Cron's record in the systemd journal (entries with SYSLOG_IDENTIFIER
    /// CRON unless another is given): read when enabled or given files or a
    /// directory.
    log_journal cron_journal;
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Passes when a process runs the job, else when its log shows a line
/// matching `progress` since `since`, else when cron's record shows cron
/// starting `command` since then; the summary and `totals.proved_by` say
/// which source did. When none does it fails, naming every source and what
/// each showed; a source that could not be read might have shown the run,
/// so then the result is an error. A log read to its end with no line since
/// `since` shows no run: it counts as read.
[[nodiscard]] ROLLCHECK_INLINE check_result check_job_ran(const job_ran_spec& spec);

/// The pattern of the job's process, from its command: the stem of the
/// first `.py` word ("nightly_export"), else the file name of its
/// first word, quoted as a literal. Cron's `%` (the rest is the job's
/// input) ends the command, as it does in cron's record.
[[nodiscard]] ROLLCHECK_INLINE std::string job_process_pattern(std::string_view command);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/jobs/job_ran_impl.hpp"
#endif
