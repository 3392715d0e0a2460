/// \file log_scan.hpp
/// The log scanner: no error since the rollback, the pipeline's progress
/// lines present, at the speed of ripgrep. Reads files, globs, rotated
/// siblings (`app.log.1`, `app.log.2.gz`) and stdin in bounded memory;
/// matches with Vectorscan (RE2 where Vectorscan cannot express a pattern),
/// both linear-time, so no pattern or line can hang a gate.
///
/// ```cpp
/// rollcheck::log_scan_spec spec;
/// spec.files = {"logs/nightly_export.log"};
/// spec.rules.errors = {"ERROR|CRITICAL|Traceback"};
/// spec.rules.required = {{"processed [0-9]+ submissions", 1}};
/// // Only what was logged since the rollback began (here: 30 minutes ago).
/// spec.since = std::chrono::system_clock::now() - std::chrono::minutes(30);
/// REQUIRE_VERIFIED(rollcheck::check_log_scan(spec));
/// ```
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "log_format.hpp"
#include "result.hpp"

namespace rollcheck {
/// A pattern that must match at least `min_count` lines (a heartbeat).
struct log_requirement {
    std::string pattern;
    std::size_t min_count = 1;
    /// Report the last line it matched (file, line, time) in the totals;
    /// costs a count of the newlines before that line.
    bool locate_last = false;
};

/// What counts as an error and what must be present. Patterns use RE2
/// syntax (POSIX ERE is a subset of it; no backreferences), match bytes
/// (as grep in the C locale), and match a line when they match anywhere in it.
struct log_rules {
    std::vector<std::string> errors;   ///< a line matching one is an error…
    std::vector<std::string> excludes; ///< …unless it matches one of these (known benign)
    std::vector<log_requirement> required;
    bool ignore_case = false;
    std::size_t max_errors = 0; ///< error events allowed (a traceback is one event)
};

/// The systemd journal as a log source, read through libsystemd's
/// sd-journal: each entry's MESSAGE gives the lines, the entry's time places
/// them. A machine without a journal is an error, never a pass.
struct log_journal {
    bool enabled = false; ///< read the journal (implied by `files` or `directory`)
    /// Journal files to read, as `journalctl --file`; empty: `directory`.
    std::vector<std::string> files;
    /// A journal directory, as `journalctl --directory`; empty: the
    /// machine's (/var/log/journal, /run/log/journal).
    std::string directory;
    std::string unit;       ///< only this systemd unit's entries ("app" is app.service)
    std::string identifier; ///< only entries with this SYSLOG_IDENTIFIER
};

/// `check_log_scan`: the lines of some logs, once.
struct log_scan_spec {
    std::vector<std::string> files; ///< paths or globs; "-" is stdin
    log_journal journal;            ///< the journal instead of `files`, when enabled
    log_rules rules;
    /// Only lines at or after this time (lines without a timestamp belong
    /// to the event above them).
    std::optional<std::chrono::system_clock::time_point> since;
    log_format format = log_format::automatic;
    json_log_fields json;             ///< with JSON lines: the record's fields
    bool rotated = false;             ///< also read FILE.N and FILE.N.gz, oldest first
    std::filesystem::path state_file; ///< resume where the last run stopped (empty: off)
    std::size_t show = 10;            ///< error lines kept as evidence (show_all: every one)
    /// Stop reading once every required pattern has its minimum: "did the
    /// job log progress since T" needs one line, not the whole log. Only
    /// without error patterns (an error could be anywhere) and without a
    /// state file (the rest would count as read).
    bool stop_when_met = false;
};

/// `check_log_follow`: the lines written to some logs during a window.
struct log_follow_spec {
    std::vector<std::string> files; ///< paths or globs, resolved when the window opens
    log_rules rules;                ///< at least one required pattern: the heartbeat
    std::chrono::milliseconds window{std::chrono::seconds(60)};
    std::chrono::milliseconds poll_interval{std::chrono::milliseconds(200)};
    log_format format = log_format::automatic;
    json_log_fields json; ///< with JSON lines: the record's fields
    std::size_t show = 10;
};

/// Scans logs once: error lines (minus exclusions) against `max_errors`,
/// required patterns against their minimum, only since `since` if given.
/// Check name "logs.scan". Evidence: `FILE:LINE:TEXT` per error line;
/// from the journal, `journal:UNIT:TIME: MESSAGE`.
[[nodiscard]] ROLLCHECK_INLINE check_result check_log_scan(const log_scan_spec& spec);

/// Follows logs for `window` from their current end: fails when an error
/// line appears or a required pattern (the heartbeat) falls short in the
/// window. Survives rotation by rename-and-create and by copytruncate.
/// Check name "logs.follow".
[[nodiscard]] ROLLCHECK_INLINE check_result check_log_follow(const log_follow_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/logs/log_scan_impl.hpp"
#endif
