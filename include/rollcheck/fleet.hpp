/// \file fleet.hpp
/// One suite run on several hosts, reported as one run: each host's
/// `results.json` (a suite's `--report`) read back, and the runs merged with
/// the host in front of every check's name, so that the JUnit file and the
/// Markdown summary of a fleet say which host failed what. `rollcheck report
/// merge` is this header on the command line (docs/fleet.md).
///
/// ```cpp
/// #include <rollcheck/fleet.hpp>
///
/// int main() {
///     std::vector<rollcheck::host_run> runs;
///     for (const char* host : {"web1", "web2"}) {
///         auto reading = rollcheck::read_results_json(std::string("reports/") + host +
///                                                      "/results.json");
///         runs.push_back(reading.run ? rollcheck::host_run{host, std::move(*reading.run)}
///                                    : rollcheck::unreadable_host_run(host, reading.error));
///     }
///     const rollcheck::run_record fleet = rollcheck::merge_host_runs(runs);
///     if (!rollcheck::write_reports(fleet, "reports/fleet").empty()) return 2;
///     return rollcheck::run_exit_status(fleet);
/// }
/// ```
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "detail/inline.hpp"
#include "report.hpp"

namespace rollcheck {

/// One host's run of a suite.
struct host_run {
    std::string host; ///< the name the merged reports give it: "web1"
    run_record run;
};

/// A results.json read back: the run, or why it could not be (the file, and
/// the key or the parse position).
struct run_reading {
    std::optional<run_record> run;
    std::string error;
};

/// Reads a `results.json` that write_results_json wrote back into a
/// run_record: the run's facts, every case with its verdicts, evidence,
/// waiver and time to green, and the recovery targets. Evidence items keep
/// their text when the file holds text, their JSON otherwise.
[[nodiscard]] ROLLCHECK_INLINE run_reading read_results_json(const std::filesystem::path& file);

/// The run of a host whose report is missing or unreadable: one case, "the
/// host's report was read", in error with `why`, and no times (they do not
/// count in the fleet's). A host that left no report must not drop out of
/// a fleet's verdict.
[[nodiscard]] ROLLCHECK_INLINE host_run unreadable_host_run(const std::string& host,
                                                            const std::string& why);

/// The runs of several hosts as one: every case named "HOST: NAME" (its
/// phase, severity, tags, results and waiver kept), the earliest start and
/// `since`, the latest finish, each host's notes prefixed with the host, one
/// note per host with its suite, closing line and exit status, and `hostname`
/// listing the hosts. Hosts keep the order given; a host may appear more
/// than once (several suites of one host).
[[nodiscard]] ROLLCHECK_INLINE run_record merge_host_runs(const std::vector<host_run>& runs);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/report/fleet_impl.hpp"
#endif
