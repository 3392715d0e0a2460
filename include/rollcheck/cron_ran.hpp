/// \file cron_ran.hpp
/// "Did the job run": where cron meets the logs. The job left a line in its
/// log after its last scheduled time, or cron recorded starting it (read with
/// the log scanner, so it pays for Vectorscan and zlib, which the other cron
/// verifiers do not).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cron_schedule.hpp"
#include "detail/inline.hpp"
#include "log_scan.hpp"
#include "result.hpp"

namespace rollcheck {

/// `cron.ran`: the job left a line in its log after its last scheduled time,
/// or cron's own record shows it started it then. Give the job's log, cron's
/// record (syslog files, the journal), or several: any source proves a run,
/// and the result says which one did.
struct cron_ran_spec {
    std::string schedule;      ///< the entry's schedule
    std::string zone = "UTC";  ///< its zone (CRON_TZ, or the host's)
    std::filesystem::path log; ///< the job's log file; empty: cron's record only
    std::string match;         ///< text a line of the job contains; empty: any line
    std::chrono::milliseconds grace{std::chrono::minutes(15)}; ///< time a run has to log
    std::optional<cron_time> now; ///< the time of the check; default the clock's
    std::string log_zone;         ///< zone of log times without offset; empty: `zone`
    /// Where cron records the runs it starts, `CRON[pid]: (user) CMD
    /// (command)`: syslog files (Debian: /var/log/syslog, or /var/log/cron.log
    /// under rsyslog's `cron.*` rule) or globs, rotated siblings included.
    std::vector<std::string> cron_logs;
    /// Cron's record in the systemd journal: entries with SYSLOG_IDENTIFIER
    /// CRON (unless another identifier is given) whose MESSAGE is `(user) CMD
    /// (command)`. Read when enabled, or when journal files or a directory
    /// are given; the machine's journal otherwise.
    log_journal cron_journal;
    /// The entry's command as the crontab writes it (with cron_logs or cron_journal).
    std::string command;
    std::string user; ///< the crontab's owner in cron's record; empty: any
};

[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_ran(const cron_ran_spec& spec);

/// The RE2 pattern of cron's record of starting `command` (as the crontab
/// writes it) for `user` (any when empty). Cron records the command up to its
/// first unescaped `%` (the rest is the job's input) with `\%` unescaped;
/// blanks match any run of blanks.
[[nodiscard]] ROLLCHECK_INLINE std::string cron_record_pattern(std::string_view command,
                                                               std::string_view user = {});

/// The same record as the journal keeps it: the MESSAGE `(user) CMD
/// (command)` of an entry with SYSLOG_IDENTIFIER CRON, anchored at its start.
[[nodiscard]] ROLLCHECK_INLINE std::string cron_journal_record_pattern(std::string_view command,
                                                                       std::string_view user = {});

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/cron/cron_ran_impl.hpp"
#endif
