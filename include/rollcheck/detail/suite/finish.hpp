/// \file detail/suite/finish.hpp
/// The end of a suite run: the closing line, the notices, the comparison
/// with a run taken before the rollback, and the reports.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "../../notify.hpp"
#include "../../report.hpp"
#include "../../stop.hpp"
#include "../../suite.hpp"
#include "../../wording.hpp"

namespace rollcheck::detail {

/// One line naming the environment, as the reports show it (never a password).
inline std::string describe_target(const target& t) {
    return fmt::format("project {}; database {}; table {}", t.project_root.string(),
                       t.connection.dsn.empty() ? std::string("from the PG* environment")
                                                : mask_dsn(t.connection.dsn),
                       t.table.display());
}

inline std::string host_name() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

inline std::string user_name() {
    const char* user = std::getenv("USER");
    return user != nullptr ? user : std::to_string(::getuid());
}

/// A run that could not start its checks: the reason as an error case, so
/// that every report still says why nothing was verified.
inline void record_setup_error(const std::string& check, const std::string& why) {
    case_record c;
    c.name = "the suite can start";
    c.results.push_back(check_result::error(check, why));
    state().record.cases.push_back(std::move(c));
}

/// Where the run's verdict is sent (--notify, --notify-command).
inline notify_spec& run_notify() {
    static notify_spec spec;
    return spec;
}

/// Sends the notices asked for and says how each went; a notice that did
/// not go out is reported, and changes nothing of the verdict.
inline void notify_team(run_record& record) {
    record.notices = send_notices(run_notify(), record);
    for (const auto& n : record.notices)
        (n.sent ? std::cout : std::cerr)
            << (n.sent ? "notice: " : "warning: notice: ") << describe_notice(n) << '\n';
}

/// `--before DIR`, or the target's `[rollback] before`.
inline std::filesystem::path& before_reports() {
    static std::filesystem::path dir;
    return dir;
}

/// Marks the failing cases against the run taken before the rollback, when
/// one was named; a run that cannot be read is said, and changes no verdict.
inline void compare_before_rollback(run_record& record) {
    auto earlier = before_reports();
    if (earlier.empty() && state().loaded) earlier = state().loaded->before;
    if (earlier.empty()) return;
    if (const auto why = compare_with_earlier_run(record, earlier); !why.empty()) {
        std::cerr << "warning: --before: " << why << '\n';
        record.notes.push_back("--before: " + why + "; failures not compared");
    }
}

/// A stop that came once every check had ended (while the notices went
/// out): the verdicts stand, but the reports say so, and a gate still reads
/// a stopped run. Returns the exit status.
inline int note_stop_after_checks(run_record& record, int status) {
    if (!stop_requested() || !record.interrupted_by.empty()) return status;
    record.interrupted_by = stop_reason();
    record.notes.push_back(fmt::format(
        "the run was interrupted by {} after every check had ended: their verdicts stand",
        record.interrupted_by));
    return stop_exit_status();
}

/// Prints the closing line, sends the notices and writes the reports;
/// returns the exit status.
inline int finish_run(const std::string& report_dir) {
    auto& record = state().record;
    record.finished = std::chrono::system_clock::now();
    if (stop_requested()) {
        record.interrupted_by = stop_reason();
        record.notes.push_back(fmt::format(
            "the run was interrupted by {} after {}: the check then running and those after it "
            "are errors",
            record.interrupted_by,
            describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                stop_time() - state().run_started))));
    }
    apply_waivers(record, state().waivers, record.finished);
    compare_before_rollback(record);
    // A gate never reads a stopped run as a pass, whatever its checks found.
    int status = stop_requested() ? stop_exit_status() : run_exit_status(record);
    std::cout << closing_line(record) << '\n';
    {
        // The notices a stopped run owes go out within their own deadline.
        const after_stop_scope owed;
        notify_team(record);
    }
    status = note_stop_after_checks(record, status);
    if (report_dir.empty()) return status;
    const auto failed = write_reports(record, report_dir);
    if (!failed.empty()) {
        std::cerr << "error: --report " << report_dir << ": " << failed << '\n';
        return 2;
    }
    std::cout << "reports: ";
    for (const auto file : report_files)
        std::cout << (file == report_files.front() ? "" : ", ") << report_dir << '/' << file;
    std::cout << '\n';
    return status;
}

} // namespace rollcheck::detail
