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

/// The scan cron.ran makes: one required pattern, the match as a literal
/// (any line that is not empty when there is none), located where it last matched.
inline log_scan_spec ran_scan_of(const cron_ran_spec& spec) {
    log_scan_spec scan;
    scan.files = {literal_log_path(spec.log.string())};
    scan.rules.required = {{spec.match.empty() ? "." : RE2::QuoteMeta(spec.match), 1, true}};
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

/// The verdict from the scan's last matching line against the due run.
inline check_result judge_ran(const cron_ran_spec& spec, const nlohmann::json& pattern,
                              cron_time due, const tz_zone& zone) {
    const std::uint64_t matching = pattern.at("lines");
    const nlohmann::json last = pattern.value("last", nlohmann::json());
    const auto latest = last_match_time(last);
    const std::string what = spec.match.empty() ? std::string("a line")
                                                : fmt::format("a line containing '{}'", spec.match);
    const std::string due_text = format_cron_time(due, zone);
    const auto at = [&] { return format_cron_time(*latest, zone); };
    if (matching > 0 && !latest)
        return check_result::error(
            "cron.ran",
            fmt::format("{} of '{}' {}, but no time rollcheck can read is on or above {} (line "
                        "{}; ISO 8601, Python logging, syslog, epoch seconds)",
                        counted(matching, "line"), spec.log.string(),
                        agreeing(matching, "matches", "match"),
                        agreeing(matching, "it", "the last"),
                        last.at("line").get<std::uint64_t>()));
    if (latest && *latest >= due)
        return check_result::pass(
            "cron.ran", fmt::format("'{}' logged {} at {} ({}:{}), after the run due at {} {}",
                                    spec.schedule, what, at(), spec.log.string(),
                                    last.at("line").get<std::uint64_t>(), due_text, zone.name()));
    return check_result::fail(
        "cron.ran", fmt::format("no {} in '{}' since the run of '{}' due at {} {} (grace {}); {}",
                                what.substr(2), spec.log.string(), spec.schedule, due_text,
                                zone.name(), describe_span(spec.grace),
                                latest ? fmt::format("the last one is from {} (line {})", at(),
                                                     last.at("line").get<std::uint64_t>())
                                       : std::string("none at all")));
}

} // namespace detail

ROLLCHECK_INLINE check_result check_cron_ran(const cron_ran_spec& spec) {
    return timed_check("cron.ran", [&]() -> check_result {
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
        nlohmann::json pattern = {{"lines", 0}}; // an empty log: rotated, and nothing since
        std::error_code ec;
        if (!std::filesystem::is_regular_file(spec.log, ec) ||
            std::filesystem::file_size(spec.log, ec) != 0 || ec) {
            auto scan =
                detail::scan_logs(detail::ran_scan_of(spec), detail::ran_clock(*log_zone, now));
            if (scan.status == verdict::error) return check_result::error("cron.ran", scan.summary);
            pattern = scan.totals.at("patterns").at(0);
        }
        check_result r = detail::judge_ran(spec, pattern, *due, *zone);
        const auto& last = pattern.value("last", nlohmann::json());
        r.totals = {{"due", format_cron_time(*due, *zone)},
                    {"zone", zone->name()},
                    {"matching_lines", pattern.at("lines")},
                    {"latest", last.is_null() ? nlohmann::json() : last}};
        return r;
    });
}

} // namespace rollcheck
