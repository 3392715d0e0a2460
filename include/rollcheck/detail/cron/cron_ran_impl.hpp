/// \file detail/cron/cron_ran_impl.hpp
/// Definitions of cron_ran.hpp, included at its end.
#pragma once

#include <re2/re2.h>

#include "../../cron_ran.hpp"
#include "../../wording.hpp"
#include "../logs/log_scan_impl.hpp"
#include "cron_schedule_impl.hpp"

namespace rollcheck {

namespace detail {

/// The command cron records: up to the first unescaped '%' (the rest is the
/// job's standard input), each "\%" made '%', outer blanks dropped.
inline std::string recorded_command(std::string_view command) {
    std::string out;
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] == '\\' && i + 1 < command.size() && command[i + 1] == '%') {
            out += '%';
            ++i;
        } else if (command[i] == '%') {
            break;
        } else {
            out += command[i];
        }
    }
    const auto first = out.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return out.substr(first, out.find_last_not_of(" \t") - first + 1);
}

/// `text` as a literal RE2 pattern in which each run of blanks matches any.
inline std::string blank_tolerant_literal(std::string_view text) {
    std::string pattern, word;
    bool in_blanks = false;
    for (const char c : text) {
        const bool blank = c == ' ' || c == '\t';
        if (blank && !in_blanks) {
            pattern += RE2::QuoteMeta(word) + "[ \\t]+";
            word.clear();
        } else if (!blank) {
            word += c;
        }
        in_blanks = blank;
    }
    return pattern + RE2::QuoteMeta(word);
}

/// Cron's message on starting `command` for `user` (any when empty), as
/// syslog and the journal both carry it: `(user) CMD (command)`.
inline std::string cron_message_pattern(std::string_view command, std::string_view user) {
    const std::string who = user.empty() ? std::string("[^)]*") : RE2::QuoteMeta(user);
    return fmt::format("\\({}\\) CMD \\({}[ \\t]*\\)", who,
                       blank_tolerant_literal(recorded_command(command)));
}

/// Where a sign of the job was looked for.
enum class ran_source { job_log, cron_syslog, cron_journal };

/// One source's last sign of the job: the lines that match, and the time of
/// the last one (its event's time), if it has one.
struct ran_sighting {
    ran_source source = ran_source::job_log;
    std::uint64_t lines = 0;
    nlohmann::json last; ///< {file, line, time}, or null
    std::optional<cron_time> latest;
};

/// The job's log: one required pattern, the match as a literal (any line
/// that is not empty when there is none), located where it last matched.
inline log_scan_spec ran_scan_of(const cron_ran_spec& spec) {
    log_scan_spec scan;
    scan.files = {literal_log_path(spec.log.string())};
    scan.rules.required = {{spec.match.empty() ? "." : RE2::QuoteMeta(spec.match), 1, true}};
    scan.show = 0;
    return scan;
}

/// Cron's record: its line for this command, rotated files included.
inline log_scan_spec record_scan_of(const cron_ran_spec& spec) {
    log_scan_spec scan;
    scan.files = spec.cron_logs;
    scan.rotated = true;
    scan.rules.required = {{cron_record_pattern(spec.command, spec.user), 1, true}};
    scan.show = 0;
    return scan;
}

/// The journal cron's record is read from: `journal`, cron's entries by default.
inline log_journal cron_journal_of(log_journal journal) {
    journal.enabled = true;
    if (journal.identifier.empty()) journal.identifier = "CRON";
    return journal;
}

/// Cron's record in the journal: its entries' messages for this command.
inline log_scan_spec journal_record_scan_of(const cron_ran_spec& spec) {
    log_scan_spec scan;
    scan.journal = cron_journal_of(spec.cron_journal);
    scan.rules.required = {{cron_journal_record_pattern(spec.command, spec.user), 1, true}};
    scan.show = 0;
    return scan;
}

/// Reads a log's wall-clock times on `zone`, as cron's own clock would.
inline timestamp_reader ran_clock(const tz_zone& zone, cron_time now) {
    return timestamp_reader(now, [zone](std::int64_t wall) {
        return wall - zone.offset_at(wall - zone.offset_at(wall));
    });
}

/// The time of the scan's `last` match (its event's time), if it has one.
inline std::optional<cron_time> last_match_time(const nlohmann::json& last) {
    if (last.is_null() || !last.at("time").is_string()) return std::nullopt;
    const auto millis = timestamp_reader().whole_text(last.at("time").get<std::string>());
    if (!millis) return std::nullopt;
    return time_of(*millis / 1000);
}

/// Scans one source into `seen`; an error result when it cannot be read.
inline std::optional<check_result> sight(const log_scan_spec& scan, const timestamp_reader& clock,
                                         ran_sighting& seen) {
    auto r = scan_logs(scan, clock);
    if (r.status == verdict::error) return check_result::error("cron.ran", r.summary);
    const auto& pattern = r.totals.at("patterns").at(0);
    seen.lines = pattern.at("lines");
    seen.last = pattern.value("last", nlohmann::json());
    seen.latest = last_match_time(seen.last);
    return std::nullopt;
}

/// Where the job's log or cron's record was read, for messages.
inline std::string source_names(const cron_ran_spec& spec, ran_source source) {
    if (source == ran_source::job_log) return fmt::format("'{}'", spec.log.string());
    if (source == ran_source::cron_journal)
        return journal_name(spec.cron_journal) +
               journal_filter_name(cron_journal_of(spec.cron_journal));
    std::string names;
    for (const auto& f : spec.cron_logs)
        names += fmt::format("{}'{}'", names.empty() ? "" : ", ", f);
    return names;
}

/// What a source shows of the job: "a line containing 'x'", "a record of cron starting 'y'".
inline std::string sought(const cron_ran_spec& spec, ran_source source) {
    if (source != ran_source::job_log)
        return fmt::format("a record of cron starting '{}'", recorded_command(spec.command));
    return spec.match.empty() ? std::string("a line")
                              : fmt::format("a line containing '{}'", spec.match);
}

/// A matching line's place: "line N" in the job's log, "FILE:N" in cron's
/// syslog record, the journal's name for its record there.
inline std::string place(const cron_ran_spec& spec, const ran_sighting& seen) {
    const auto line = seen.last.at("line").get<std::uint64_t>();
    if (seen.source == ran_source::job_log) return fmt::format("line {}", line);
    if (seen.source == ran_source::cron_journal) return journal_name(spec.cron_journal);
    return fmt::format("{}:{}", seen.last.at("file").get<std::string>(), line);
}

/// Which source proved the run, in the result's totals.
inline std::string_view proof_name(ran_source source) {
    switch (source) {
    case ran_source::job_log:
        return "the job's log";
    case ran_source::cron_syslog:
        return "cron's record";
    case ran_source::cron_journal:
        return "cron's record in the journal";
    }
    return "";
}

/// A source whose lines match but carry no time: nothing can be decided from it.
inline check_result undated(const cron_ran_spec& spec, const ran_sighting& seen) {
    return check_result::error(
        "cron.ran", fmt::format("{} of {} {}, but no time rollcheck can read is on or above {} "
                                "({}; ISO 8601, Python logging, syslog, epoch seconds)",
                                counted(seen.lines, "line"), source_names(spec, seen.source),
                                agreeing(seen.lines, "matches", "match"),
                                agreeing(seen.lines, "it", "the last"), place(spec, seen)));
}

inline check_result ran_by(const cron_ran_spec& spec, const ran_sighting& seen,
                           const std::string& due_text, const tz_zone& zone) {
    const auto at = format_cron_time(*seen.latest, zone);
    check_result r =
        seen.source != ran_source::job_log
            ? check_result::pass("cron.ran",
                                 fmt::format("'{}' ran: cron recorded starting '{}' at {} ({}), "
                                             "after the run due at {} {}",
                                             spec.schedule, recorded_command(spec.command), at,
                                             place(spec, seen), due_text, zone.name()))
            : check_result::pass(
                  "cron.ran",
                  fmt::format("'{}' logged {} at {} ({}:{}), after the run due at "
                              "{} {}",
                              spec.schedule, sought(spec, seen.source), at, spec.log.string(),
                              seen.last.at("line").get<std::uint64_t>(), due_text, zone.name()));
    r.totals["proved_by"] = proof_name(seen.source);
    return r;
}

/// The verdict from each source's last sighting against the due run.
inline check_result judge_ran(const cron_ran_spec& spec, const std::vector<ran_sighting>& seen,
                              cron_time due, const tz_zone& zone) {
    const std::string due_text = format_cron_time(due, zone);
    for (const auto& s : seen)
        if (s.latest && *s.latest >= due) return ran_by(spec, s, due_text, zone);
    for (const auto& s : seen)
        if (s.lines > 0 && !s.latest) return undated(spec, s);
    std::string missing, last;
    for (const auto& s : seen) {
        missing += fmt::format("{}no {} in {}", missing.empty() ? "" : " and ",
                               sought(spec, s.source).substr(2), source_names(spec, s.source));
        const std::string of =
            seen.size() > 1 ? fmt::format("{}: ", proof_name(s.source)) : std::string();
        last +=
            fmt::format("; {}{}", of,
                        s.latest ? fmt::format("the last one is from {} ({})",
                                               format_cron_time(*s.latest, zone), place(spec, s))
                                 : std::string("none at all"));
    }
    return check_result::fail("cron.ran", fmt::format("{} since the run of '{}' due at {} {} "
                                                      "(grace {}){}",
                                                      missing, spec.schedule, due_text, zone.name(),
                                                      describe_span(spec.grace), last));
}

/// A source's figures: `matching_lines` and `latest` for the job's log,
/// `cron_records` and `latest_record` for cron's record in syslog,
/// `cron_journal_records` and `latest_journal_record` in the journal.
inline void add_sighting_totals(nlohmann::json& totals, const ran_sighting& s) {
    const auto put = [&](const char* count, const char* latest) {
        totals[count] = s.lines;
        totals[latest] = s.last.is_null() ? nlohmann::json() : s.last;
    };
    switch (s.source) {
    case ran_source::job_log:
        return put("matching_lines", "latest");
    case ran_source::cron_syslog:
        return put("cron_records", "latest_record");
    case ran_source::cron_journal:
        return put("cron_journal_records", "latest_journal_record");
    }
}

} // namespace detail

ROLLCHECK_INLINE std::string cron_record_pattern(std::string_view command, std::string_view user) {
    return "CRON\\[[0-9]+\\]: " + detail::cron_message_pattern(command, user);
}

ROLLCHECK_INLINE std::string cron_journal_record_pattern(std::string_view command,
                                                         std::string_view user) {
    return "^" + detail::cron_message_pattern(command, user);
}

ROLLCHECK_INLINE check_result check_cron_ran(const cron_ran_spec& spec) {
    return timed_check("cron.ran", [&]() -> check_result {
        const bool cron_journal = detail::reads_journal(spec.cron_journal);
        if (spec.log.empty() && spec.cron_logs.empty() && !cron_journal)
            return check_result::error("cron.ran", "no source to read: name the job's log, "
                                                   "cron's record (cron_logs, cron_journal), "
                                                   "or several");
        if ((!spec.cron_logs.empty() || cron_journal) &&
            detail::recorded_command(spec.command).empty())
            return check_result::error("cron.ran", "cron's record is read by the entry's command, "
                                                   "and none is given");
        std::string why;
        const auto schedule = parse_cron_schedule(spec.schedule, why);
        if (!schedule)
            return check_result::error("cron.ran",
                                       fmt::format("schedule '{}': {}", spec.schedule, why));
        if (schedule->reboot)
            return check_result::error("cron.ran", "@reboot runs when cron starts, not on a "
                                                   "clock: there is no scheduled time to check");
        const auto zone = cron_zone::load(spec.zone, why);
        const auto log_zone = spec.log_zone.empty() ? zone : cron_zone::load(spec.log_zone, why);
        if (!zone || !log_zone) return check_result::error("cron.ran", why);
        const auto now = spec.now.value_or(
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
        const auto grace = std::chrono::duration_cast<std::chrono::seconds>(spec.grace);
        // The last run whose grace has passed: it must have logged by now.
        const auto due = cron_previous(*schedule, now - grace + std::chrono::seconds(1), *zone);
        if (!due)
            return check_result::error("cron.ran", fmt::format("'{}' has not fired in 400 years "
                                                               "before now: nothing to check",
                                                               spec.schedule));
        const auto clock = detail::ran_clock(*log_zone, now);
        std::vector<detail::ran_sighting> seen;
        std::optional<check_result> unreadable;
        if (!spec.log.empty()) {
            seen.emplace_back();
            std::error_code ec;
            // An empty log: rotated, and nothing since.
            if (!std::filesystem::is_regular_file(spec.log, ec) ||
                std::filesystem::file_size(spec.log, ec) != 0 || ec)
                unreadable = detail::sight(detail::ran_scan_of(spec), clock, seen.back());
        }
        if (!spec.cron_logs.empty()) {
            seen.push_back({detail::ran_source::cron_syslog, 0, nullptr, std::nullopt});
            auto e = detail::sight(detail::record_scan_of(spec), clock, seen.back());
            if (!unreadable) unreadable = std::move(e);
        }
        if (cron_journal) {
            seen.push_back({detail::ran_source::cron_journal, 0, nullptr, std::nullopt});
            auto e = detail::sight(detail::journal_record_scan_of(spec), clock, seen.back());
            if (!unreadable) unreadable = std::move(e);
        }
        check_result r = detail::judge_ran(spec, seen, *due, *zone);
        // A source that could not be read may have held the run: only
        // another source's proof outweighs it.
        if (unreadable && r.status != verdict::pass) r = *unreadable;
        r.totals["due"] = format_cron_time(*due, *zone);
        r.totals["zone"] = zone->name();
        for (const auto& s : seen)
            detail::add_sighting_totals(r.totals, s);
        return r;
    });
}

} // namespace rollcheck
