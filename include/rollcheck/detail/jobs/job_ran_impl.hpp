/// \file detail/jobs/job_ran_impl.hpp
/// Definitions of job_ran.hpp, included at its end.
#pragma once

#include <filesystem>
#include <iterator>
#include <optional>
#include <sstream>
#include <utility>

#include <re2/re2.h>

#include "../../job_ran.hpp"
#include "../../processes.hpp"
#include "../cron/cron_ran_impl.hpp"
#include "../logs/log_scan_impl.hpp"
#include "../process/processes_impl.hpp"

namespace rollcheck {

namespace detail {

/// A source the job's run was looked for in, by name, and what it showed.
using job_source = std::pair<std::string, check_result>;

/// The scanner calls a window without a line an error, since no error line
/// can be ruled out in it; for a run it is the answer: the source was read
/// to its end and shows none. Only a source that could not be read (no
/// figures of what was read) stays an error.
inline check_result read_to_its_end(check_result scan) {
    if (scan.status == verdict::error && !scan.totals.contains("patterns") &&
        (scan.totals.contains("files") || scan.totals.contains("journal")))
        scan.status = verdict::fail;
    return scan;
}

/// One line matching `pattern` since `since` is enough: the scan stops there.
inline log_scan_spec first_line_since(std::string pattern, time_point since) {
    log_scan_spec scan;
    scan.rules.required = {{std::move(pattern), 1}};
    scan.since = since;
    scan.stop_when_met = true;
    return scan;
}

/// The sources' figures under their names, and when the window starts.
inline nlohmann::json job_totals(const std::vector<job_source>& sources, time_point since) {
    nlohmann::json by_source = nlohmann::json::object();
    for (const auto& [name, r] : sources)
        by_source[name] = r.totals;
    return {{"since", format_utc(since)}, {"sources", std::move(by_source)}};
}

} // namespace detail

ROLLCHECK_INLINE std::string job_process_pattern(std::string_view command) {
    std::istringstream in(detail::recorded_command(command));
    const std::vector<std::string> words{std::istream_iterator<std::string>(in), {}};
    if (words.empty()) return {};
    for (const auto& word : words)
        if (std::filesystem::path(word).extension() == ".py")
            return RE2::QuoteMeta(std::filesystem::path(word).stem().string());
    return RE2::QuoteMeta(std::filesystem::path(words.front()).filename().string());
}

ROLLCHECK_INLINE check_result check_job_ran(const job_ran_spec& spec) {
    return timed_check("job.ran", [&]() -> check_result {
        const std::string command = detail::recorded_command(spec.command);
        if (command.empty())
            return check_result::error("job.ran", "no command given: the job's process and "
                                                  "cron's record are known by it");
        const auto since =
            spec.since.value_or(std::chrono::system_clock::now() - std::chrono::hours(1));
        std::vector<detail::job_source> looked;
        // The first source that shows a run decides; the others are not read.
        const auto proved = [&](std::string name, check_result r, const std::string& how) {
            looked.emplace_back(name, r);
            r.check = "job.ran";
            r.summary = fmt::format("'{}' {}: {} shows it: {}", command, how, name, r.summary);
            r.totals = detail::job_totals(looked, since);
            r.totals["proved_by"] = std::move(name);
            return r;
        };
        const std::string ran_since = "ran since " + format_utc(since);
        const auto scanned = [&](std::string name,
                                 const log_scan_spec& scan) -> std::optional<check_result> {
            auto r = detail::read_to_its_end(check_log_scan(scan));
            if (r.acceptable()) return proved(std::move(name), std::move(r), ran_since);
            looked.emplace_back(std::move(name), std::move(r));
            return std::nullopt;
        };

        process_spec running;
        running.pattern = spec.process.empty() ? job_process_pattern(spec.command) : spec.process;
        running.match = process_match::runs; // `tail -f` on its log is not the job
        running.show = spec.show;
        auto process = check_processes(running);
        if (process.acceptable()) return proved("its process", std::move(process), "is running");
        looked.emplace_back("its process", std::move(process));
        if (!spec.logs.empty()) {
            auto scan =
                detail::first_line_since(spec.progress.empty() ? "." : spec.progress, since);
            scan.files = spec.logs;
            scan.rotated = true;
            if (auto proof = scanned("its log", scan)) return *proof;
        }
        if (!spec.cron_logs.empty()) {
            auto scan =
                detail::first_line_since(cron_record_pattern(spec.command, spec.user), since);
            scan.files = spec.cron_logs;
            scan.rotated = true;
            if (auto proof = scanned("cron's record", scan)) return *proof;
        }
        if (detail::reads_journal(spec.cron_journal)) {
            auto scan = detail::first_line_since(
                cron_journal_record_pattern(spec.command, spec.user), since);
            scan.journal = detail::cron_journal_of(spec.cron_journal);
            if (auto proof = scanned("cron's record in the journal", scan)) return *proof;
        }
        // No source shows the run; one that could not be read might have,
        // and then the combined verdict is its error.
        auto r = combine_results("job.ran", looked, spec.show);
        r.summary = fmt::format("no sign that '{}' ran since {}: {}", command, format_utc(since),
                                r.summary);
        r.totals = detail::job_totals(looked, since);
        return r;
    });
}

} // namespace rollcheck
