/// \file detail/jobs/job_ran_impl.hpp
/// Definitions of job_ran.hpp, included at its end.
#pragma once

#include <filesystem>
#include <iterator>
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

/// A log the run is looked for in: its name, the line that would show the
/// run ("line matching 'scored'"), the files or journal read, the scan.
struct job_log_source {
    std::string name, sought, where;
    log_scan_spec scan;
};

/// One line matching `pattern` since `since` is enough: the scan stops there.
inline log_scan_spec first_line_since(std::string pattern, time_point since) {
    log_scan_spec scan;
    scan.rules.required = {{std::move(pattern), 1, true}};
    scan.since = since;
    scan.stop_when_met = true;
    return scan;
}

/// "'a', 'b'": the files as given, globs unexpanded.
inline std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += fmt::format("{}'{}'", out.empty() ? "" : ", ", n);
    return out;
}

/// The job's log, then cron's record in syslog, then in the journal: those
/// the spec names, in that order.
inline std::vector<job_log_source> job_log_sources(const job_ran_spec& spec, time_point since) {
    std::vector<job_log_source> sources;
    const std::string progress = spec.progress.empty() ? "." : spec.progress;
    if (!spec.logs.empty()) {
        sources.push_back(
            {"its log",
             progress == "." ? std::string("line") : fmt::format("line matching '{}'", progress),
             quoted_list(spec.logs), first_line_since(progress, since)});
        sources.back().scan.files = spec.logs;
        sources.back().scan.rotated = true;
    }
    const std::string record =
        fmt::format("record of cron starting '{}'{}", recorded_command(spec.command),
                    spec.user.empty() ? "" : " as " + spec.user);
    if (!spec.cron_logs.empty()) {
        sources.push_back({"cron's record", record, quoted_list(spec.cron_logs),
                           first_line_since(cron_record_pattern(spec.command, spec.user), since)});
        sources.back().scan.files = spec.cron_logs;
        sources.back().scan.rotated = true;
    }
    if (reads_journal(spec.cron_journal)) {
        const auto journal = cron_journal_of(spec.cron_journal);
        sources.push_back(
            {"cron's record in the journal", record,
             journal_name(journal) + journal_filter_name(journal),
             first_line_since(cron_journal_record_pattern(spec.command, spec.user), since)});
        sources.back().scan.journal = journal;
    }
    return sources;
}

/// Where the scan met the line that shows the run: "FILE:LINE (TIME)", or
/// the journal's name and the entry's time.
inline std::string sighting(const job_log_source& source, const check_result& scan) {
    const auto& patterns = scan.totals.value("patterns", nlohmann::json::array());
    if (patterns.empty() || !patterns.at(0).contains("last")) return source.where;
    const auto& last = patterns.at(0).at("last");
    const std::string place = source.scan.files.empty()
                                  ? source.where
                                  : fmt::format("{}:{}", last.at("file").get<std::string>(),
                                                last.at("line").get<std::uint64_t>());
    return last.at("time").is_string()
               ? fmt::format("{} ({})", place, last.at("time").get<std::string>())
               : place;
}

/// What a source that does not show the run says. The scanner calls a
/// window without a line an error, since no error line can be ruled out
/// in it; for a run it is an answer: the source was read to its end and
/// shows none. Only a source that could not be read stays an error.
inline check_result no_sighting(const job_log_source& source, check_result scan) {
    const bool nothing_since = scan.status == verdict::error && !scan.totals.contains("patterns") &&
                               (scan.totals.contains("files") || scan.totals.contains("journal"));
    if (scan.status == verdict::error && !nothing_since) return scan;
    scan.status = verdict::fail;
    scan.summary = fmt::format("no {} in {}{}", source.sought, source.where,
                               nothing_since ? ": nothing written since" : "");
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

        process_spec running;
        running.pattern = spec.process.empty() ? job_process_pattern(spec.command) : spec.process;
        running.match = process_match::runs; // `tail -f` on its log is not the job
        running.show = spec.show;
        auto process = check_processes(running);
        if (process.acceptable()) return proved("its process", std::move(process), "is running");
        looked.emplace_back("its process", std::move(process));
        const std::string ran_since = "ran since " + format_utc(since);
        for (const auto& source : detail::job_log_sources(spec, since)) {
            auto r = check_log_scan(source.scan);
            if (r.acceptable()) {
                r.summary = fmt::format("a {} at {}", source.sought, detail::sighting(source, r));
                return proved(source.name, std::move(r), ran_since);
            }
            looked.emplace_back(source.name, detail::no_sighting(source, std::move(r)));
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
