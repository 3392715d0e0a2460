/// \file cron_schedule.hpp
/// The five time fields of a crontab(5) entry (or its @keyword), read as
/// Debian's cron (Vixie cron) reads them, with the column of each problem;
/// and when a schedule fires: the next and the previous fire times in a
/// zone, across daylight-saving changes the way Debian's cron handles them.
///
/// cron(8) on Debian: when the clock jumps forward (less than 3 hours), a
/// fixed-time job whose time was skipped runs right after the jump; when it
/// jumps back (less than 3 hours), a fixed-time job does not run again in the
/// repeated time. Jobs with '*' in the minute or hour field (and @hourly) just
/// follow the new clock: skipped times do not fire, repeated times fire
/// twice. A change of 3 hours or more is a correction of the clock, which
/// every job follows like a wildcard job.
#pragma once

#include <array>
#include <bitset>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fmt/format.h>
#include <iterator>
#include <set>
#include <vector>

#include "detail/inline.hpp"
#include "detail/tz.hpp"

namespace rollcheck {
/// When a crontab entry fires: the values each field admits, and the flags
/// cron keeps about how the fields were written.
struct cron_schedule {
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> days;      ///< bits 1-31
    std::bitset<13> months;    ///< bits 1-12
    std::bitset<7> weekdays;   ///< 0 Sunday … 6 Saturday (7 is read as 0)
    bool minutes_star = false; ///< the field starts with '*'
    bool hours_star = false;
    bool days_star = false;
    bool weekdays_star = false;
    bool reboot = false; ///< @reboot: runs when cron starts, never on the clock
    std::string text;    ///< the fields as written, separated by single spaces

    /// cron's day rule: when both day fields are restricted (neither starts
    /// with '*'), a day matches if either field matches; otherwise both must.
    [[nodiscard]] bool matches_day(unsigned month, unsigned day, unsigned weekday) const {
        if (!months[month]) return false;
        const bool d = days[day], w = weekdays[weekday];
        return days_star || weekdays_star ? d && w : d || w;
    }
    /// A job whose minute or hour field starts with '*' (or @hourly): cron
    /// runs it on the new clock across daylight-saving changes, where a
    /// fixed-time job is run once.
    [[nodiscard]] bool wildcard() const noexcept { return minutes_star || hours_star; }

    /// The schedule in a canonical form: two schedules that fire at the same
    /// times have the same form (`30 3 * * 0-7` and `30 3 * * *` both read
    /// `30 3 * * *`). When both day fields are restricted but one starts with
    /// '*' (`0 0 */2 * mon`: odd days that are Mondays), no five-field text
    /// without a leading '*' says so: the form ends in " [day and weekday]".
    [[nodiscard]] std::string canonical() const {
        if (reboot) return "@reboot";
        std::string dom = list(days, 1, 31), dow = list(weekdays, 0, 6);
        const bool either = !days_star && !weekdays_star;
        const char* suffix = "";
        if (either && (dom == "*" || dow == "*"))
            dom = dow = "*"; // either field matching every day: every day
        else if (!either && dom != "*" && dow != "*")
            suffix = " [day and weekday]";
        return fmt::format("{} {} {} {} {}{}", list(minutes, 0, 59), list(hours, 0, 23), dom,
                           list(months, 1, 12), dow, suffix);
    }

    /// Same fire times (in any zone without daylight-saving changes).
    [[nodiscard]] bool same_times(const cron_schedule& other) const {
        return canonical() == other.canonical();
    }

private:
    template <std::size_t N>
    static std::string list(const std::bitset<N>& bits, unsigned lo, unsigned hi) {
        std::string out;
        bool all = true;
        for (unsigned v = lo; v <= hi; ++v)
            all = all && bits[v];
        if (all) return "*";
        for (unsigned v = lo; v <= hi; ++v) {
            if (!bits[v]) continue;
            unsigned end = v;
            while (end + 1 <= hi && bits[end + 1])
                ++end;
            if (!out.empty()) out += ',';
            out += end >= v + 2 ? fmt::format("{}-{}", v, end) : std::to_string(v);
            if (end == v + 1) out += fmt::format(",{}", end);
            v = end;
        }
        return out;
    }
};

/// Parses a schedule on its own (`"*/15 9-17 * * mon-fri"`, `"@daily"`);
/// nothing, with `error` ("1:4: hour 24 out of range 0-23"), when invalid.
[[nodiscard]] ROLLCHECK_INLINE std::optional<cron_schedule>
parse_cron_schedule(std::string_view text, std::string& error);

/// A point in time, to the second, as cron sees it (UTC underneath).
using cron_time = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

/// A zone of the system's tz database ("UTC", "Europe/Berlin").
using cron_zone = detail::tz_zone;

/// The next `count` times strictly after `after` at which `s` fires in
/// `zone`, ascending. Fewer (none for @reboot or a schedule that never
/// fires) when there are not that many within 400 years.
[[nodiscard]] ROLLCHECK_INLINE std::vector<cron_time>
cron_next(const cron_schedule& s, cron_time after, std::size_t count, const cron_zone& zone = {});

/// The last time strictly before `before` at which `s` fired in `zone`
/// (nothing for @reboot or when it did not fire within 400 years).
[[nodiscard]] ROLLCHECK_INLINE std::optional<cron_time>
cron_previous(const cron_schedule& s, cron_time before, const cron_zone& zone = {});

/// `t` on the zone's clock as YYYY-MM-DDTHH:MM.
[[nodiscard]] ROLLCHECK_INLINE std::string format_cron_time(cron_time t,
                                                            const cron_zone& zone = {});

/// Reads ISO 8601 as people write it: YYYY-MM-DDTHH:MM (or a space for the
/// `T`), optionally :SS and a fraction, optionally a zone (`Z`, `+01:00`).
/// Without a zone the time is on `zone`'s clock: a time the clock repeats
/// means its first occurrence, a time it skips the moment of the jump.
/// Nothing when `text` is not such a time.
[[nodiscard]] ROLLCHECK_INLINE std::optional<cron_time> parse_cron_time(const std::string& text,
                                                                        const cron_zone& zone = {});

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/cron/cron_schedule_impl.hpp"
#endif
