/// \file detail/time_impl.hpp
/// Definitions of time.hpp, included at its end.
#pragma once

#include "../time.hpp"

namespace rollcheck {

namespace detail {

/// The milliseconds of one duration unit, or 0 when the unit is unknown.
inline long long duration_unit(std::string_view unit) {
    if (unit == "ms") return 1;
    if (unit == "s") return 1000;
    if (unit == "m" || unit == "min") return 60 * 1000;
    if (unit == "h") return 3600 * 1000;
    if (unit == "d") return 24 * 3600 * 1000;
    return 0;
}

/// The longest duration read: 100 years, so that "that long before now" is
/// still a time (a time_point holds about 292 years either side of 1970).
inline constexpr long long duration_limit_ms = 100LL * 365 * 24 * 3600 * 1000;

inline time_point now_or(time_point now) {
    return now == time_point{} ? std::chrono::system_clock::now() : now;
}

} // namespace detail

ROLLCHECK_INLINE std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                                         std::string& why) {
    std::chrono::milliseconds total{0};
    std::size_t i = 0;
    if (text.empty()) {
        why = "empty duration";
        return std::nullopt;
    }
    while (i < text.size()) {
        std::size_t digits = i;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
            ++digits;
        std::size_t unit_end = digits;
        while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end])))
            ++unit_end;
        const auto number = text.substr(i, digits - i);
        const auto unit = text.substr(digits, unit_end - digits);
        if (number.empty() || number.size() > 12 || unit.empty()) {
            why = fmt::format("'{}' is not a duration (like 90s, 15m, 1h, 7d)", text);
            return std::nullopt;
        }
        const long long scale = detail::duration_unit(unit);
        if (scale == 0) {
            why = fmt::format("'{}': unknown unit '{}' (ms, s, m, h, d)", text, unit);
            return std::nullopt;
        }
        const long long n = std::stoll(std::string(number));
        if (n > (detail::duration_limit_ms - total.count()) / scale) {
            why = fmt::format("'{}' is longer than 100 years", text);
            return std::nullopt;
        }
        total += std::chrono::milliseconds(n * scale);
        i = unit_end;
    }
    return total;
}

ROLLCHECK_INLINE std::optional<time_point> parse_time(std::string_view text, std::string& why,
                                                      time_point now) {
    now = detail::now_or(now);
    if (const auto ms = detail::timestamp_reader(now).whole_text(text)) {
        // time_point counts nanoseconds in 64 bits: about 292 years either side of 1970.
        constexpr auto limit =
            std::chrono::duration_cast<std::chrono::milliseconds>(time_point::duration::max())
                .count();
        const auto millis = *ms;
        if (millis < limit && millis > -limit) return time_point(std::chrono::milliseconds(millis));
        why = fmt::format("'{}' is out of range: a time must lie between the years 1678 and 2261",
                          text);
        return std::nullopt;
    }
    why = fmt::format("'{}' is not a time (like 2026-11-28T09:26:24Z, '2026-11-28 09:26:24', "
                      "'Nov 28 09:26:24', 1795857984)",
                      text);
    return std::nullopt;
}

ROLLCHECK_INLINE std::optional<time_point> parse_since(std::string_view text, std::string& why,
                                                       time_point now) {
    now = detail::now_or(now);
    std::string ignored;
    if (auto t = parse_time(text, ignored, now)) return t;
    if (auto span = parse_duration(text, ignored)) return now - *span;
    why = fmt::format("'{}' is not a time (like 2026-11-28T09:26:24Z, '2026-11-28 09:26:24', "
                      "'Nov 28 09:26:24', 1795857984) nor a duration (like 30m: that long ago)",
                      text);
    return std::nullopt;
}

ROLLCHECK_INLINE std::string format_utc(time_point t) {
    return detail::format_log_time(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

} // namespace rollcheck
