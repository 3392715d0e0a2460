/// \file detail/cron_fire.hpp
/// When a schedule fires: the next and the previous fire times in a zone,
/// across daylight-saving changes the way Debian's cron handles them.
///
/// cron(8) on Debian: when the clock jumps forward (less than 3 hours), a
/// fixed-time job whose time was skipped runs right after the jump; when it
/// jumps back (less than 3 hours), a fixed-time job does not run again in the
/// repeated time. Jobs with '*' in the minute or hour field (and @hourly) just
/// follow the new clock: skipped times do not fire, repeated times fire
/// twice. A change of 3 hours or more is a correction of the clock, which
/// every job follows like a wildcard job.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cron_schedule.hpp"
#include "cron_tz.hpp"

namespace rollcheck {

/// A point in time, to the second, as cron sees it (UTC underneath).
using cron_time = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

/// A zone of the system's tz database ("UTC", "Europe/Berlin").
using cron_zone = detail::tz_zone;

namespace detail {

inline constexpr std::int64_t cron_offset_bound = 26 * 3600; ///< beyond any real UTC offset
inline constexpr std::int64_t cron_search_days = 146097;     ///< 400 years: the calendar repeats
inline constexpr std::int64_t cron_correction =
    3 * 3600; ///< a clock change cron calls a correction

inline std::int64_t floor_day(std::int64_t seconds) {
    return posix_tz_rule::floor_div(seconds, 86400);
}
inline std::int64_t seconds_of(cron_time t) {
    return t.time_since_epoch().count();
}
inline cron_time time_of(std::int64_t s) {
    return cron_time(std::chrono::seconds(s));
}

/// The first instant at which the zone's clock has passed `local` (for a
/// local time that the clock skipped): the moment of the jump.
inline std::int64_t cron_jump_after(const tz_zone& z, std::int64_t local) {
    std::int64_t lo = local - cron_offset_bound, hi = local + cron_offset_bound;
    while (hi - lo > 1) { // the clock, as a function of UTC, is monotone apart from fall-backs
        const auto mid = lo + (hi - lo) / 2;
        if (mid + z.offset_at(mid) > local)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/// The instants at which a fire at local time `local` (seconds, local clock
/// read as if UTC) happens, per the rules in this file's comment.
inline void cron_instants(const cron_schedule& s, const tz_zone& z, std::int64_t local,
                          std::vector<std::int64_t>& out) {
    std::int64_t found[3];
    int n = 0;
    for (const std::int64_t probe : {local - 86400, local, local + 86400}) {
        const std::int64_t t = local - z.offset_at(probe);
        if (t + z.offset_at(t) != local) continue;
        bool seen = false;
        for (int k = 0; k < n; ++k)
            seen = seen || found[k] == t;
        if (!seen) found[n++] = t;
    }
    if (n == 0) {
        const auto jump = cron_jump_after(z, local);
        if (!s.wildcard() && z.offset_at(jump) - z.offset_at(jump - 1) < cron_correction)
            out.push_back(jump);
        return;
    }
    // At most three candidates: an insertion sort by hand (std::sort on a
    // three-element array trips g++ 12's -Warray-bounds at -O2).
    for (int k = 1; k < n; ++k)
        for (int j = k; j > 0 && found[j] < found[j - 1]; --j)
            std::swap(found[j], found[j - 1]);
    out.push_back(found[0]);
    if (s.wildcard() || (n > 1 && found[n - 1] - found[0] >= cron_correction))
        for (int k = 1; k < n; ++k)
            out.push_back(found[k]);
}

/// The instants at which `s` fires on local day `day` (days since 1970-01-01).
class cron_day_instants {
public:
    cron_day_instants(const cron_schedule& s, const tz_zone& z) : s_(s), z_(z) {}

    const std::vector<std::int64_t>& of(std::int64_t day) {
        out_.clear();
        const auto date = civil_from_days(day);
        if (!s_.matches_day(date.month, date.day, weekday_from_days(day))) return out_;
        for (unsigned h = 0; h < 24; ++h)
            if (s_.hours[h])
                for (unsigned m = 0; m < 60; ++m)
                    if (s_.minutes[m]) cron_instants(s_, z_, day * 86400 + h * 3600 + m * 60, out_);
        return out_;
    }

private:
    const cron_schedule& s_;
    const tz_zone& z_;
    std::vector<std::int64_t> out_;
};

} // namespace detail

/// The next `count` times strictly after `after` at which `s` fires in
/// `zone`, ascending. Fewer (none for @reboot or a schedule that never
/// fires) when there are not that many within 400 years.
[[nodiscard]] inline std::vector<cron_time>
cron_next(const cron_schedule& s, cron_time after, std::size_t count, const cron_zone& zone = {}) {
    using namespace detail;
    std::set<std::int64_t> found;
    if (s.reboot || count == 0) return {};
    const std::int64_t from = seconds_of(after);
    const std::int64_t first_day = floor_day(from + zone.offset_at(from)) - 1;
    cron_day_instants instants(s, zone);
    for (std::int64_t day = first_day; day < first_day + cron_search_days; ++day) {
        for (const auto t : instants.of(day))
            if (t > from) found.insert(t);
        while (found.size() > count)
            found.erase(std::prev(found.end()));
        // Every later day fires after (day + 1) local midnight less any offset.
        if (found.size() == count && *found.rbegin() < (day + 1) * 86400 - cron_offset_bound) break;
    }
    std::vector<cron_time> out;
    for (const auto t : found)
        out.push_back(time_of(t));
    return out;
}

/// The last time strictly before `before` at which `s` fired in `zone`
/// (nothing for @reboot or when it did not fire within 400 years).
[[nodiscard]] inline std::optional<cron_time>
cron_previous(const cron_schedule& s, cron_time before, const cron_zone& zone = {}) {
    using namespace detail;
    if (s.reboot) return std::nullopt;
    const std::int64_t until = seconds_of(before);
    const std::int64_t last_day = floor_day(until + zone.offset_at(until)) + 1;
    std::optional<std::int64_t> best;
    cron_day_instants instants(s, zone);
    for (std::int64_t day = last_day; day > last_day - cron_search_days; --day) {
        for (const auto t : instants.of(day))
            if (t < until && (!best || t > *best)) best = t;
        // Every earlier day fired before this day's local midnight plus any offset.
        if (best && *best > day * 86400 + cron_offset_bound) break;
    }
    if (!best) return std::nullopt;
    return time_of(*best);
}

/// `t` on the zone's clock as YYYY-MM-DDTHH:MM.
[[nodiscard]] inline std::string format_cron_time(cron_time t, const cron_zone& zone = {}) {
    const auto utc = detail::seconds_of(t);
    const auto local = utc + zone.offset_at(utc);
    const auto day = detail::floor_day(local);
    const auto date = detail::civil_from_days(day);
    const auto rest = local - day * 86400;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", date.year, date.month, date.day,
                       rest / 3600, rest % 3600 / 60);
}

/// Reads YYYY-MM-DDTHH:MM (or with a space, optionally :SS) on the zone's
/// clock. A time the clock repeats means its first occurrence; a time it
/// skips means the moment of the jump. Nothing when `text` is not such a time.
[[nodiscard]] inline std::optional<cron_time> parse_cron_time(const std::string& text,
                                                              const cron_zone& zone = {}) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
    const bool with_seconds = std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo,
                                          &d, &h, &mi, &sec, &used) == 6 &&
                              static_cast<std::size_t>(used) == text.size();
    if (!with_seconds) {
        sec = 0;
        used = 0;
        if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) !=
                5 ||
            static_cast<std::size_t>(used) != text.size())
            return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 ||
        d > static_cast<int>(detail::days_in_month(y, static_cast<unsigned>(mo))) || h > 23 ||
        mi > 59 || sec > 59 || y < 1 || h < 0 || mi < 0 || sec < 0)
        return std::nullopt;
    const std::int64_t local =
        detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
        h * 3600 + mi * 60 + sec;
    std::vector<std::int64_t> instants;
    cron_schedule fixed; // a fixed-time reading: first occurrence, or the jump
    detail::cron_instants(fixed, zone, local, instants);
    return detail::time_of(instants.front());
}

} // namespace rollcheck
