/// \file detail/logs/time.hpp
/// Timestamps at the start of log lines: ISO 8601 (`T` or space, fractions,
/// zone), Python logging (`2026-11-28 09:26:24,123`), syslog (`Nov 28
/// 09:26:24`, year inferred) and Unix epoch seconds; optionally after a `[`.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace rollcheck::detail {

/// Milliseconds since the Unix epoch (UTC).
using log_millis = std::int64_t;

/// A clock's wall time to UTC: given a time's fields counted as if they
/// were UTC (seconds since the epoch), the UTC seconds they stand for.
using wall_clock_to_utc = std::function<std::int64_t(std::int64_t)>;

/// Reads timestamps. Times without a zone are on `wall_clock` when given,
/// else local time (TZ), as Python logging and syslog write them. A syslog
/// time has no year: it gets the year that puts it at most one day after `now`.
class timestamp_reader {
public:
    explicit timestamp_reader(
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
        wall_clock_to_utc wall_clock = {})
        : now_(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
                   .count()),
          wall_clock_(std::move(wall_clock)) {
        const std::time_t t = std::chrono::system_clock::to_time_t(now);
        std::tm local{};
        ::localtime_r(&t, &local);
        this_year_ = local.tm_year + 1900;
    }

    /// The timestamp at the start of `line`, if it has one this reader knows.
    [[nodiscard]] std::optional<log_millis> at_line_start(std::string_view line) const {
        cursor c{line, 0};
        if (c.peek() == '[') ++c.pos;
        const std::size_t start = c.pos;
        if (auto t = iso(c)) return t;
        c.pos = start;
        if (auto t = syslog(c)) return t;
        c.pos = start;
        return epoch(c);
    }

    /// A whole text as a time: any format above, or a date alone (local midnight).
    [[nodiscard]] std::optional<log_millis> whole_text(std::string_view text) const {
        while (!text.empty() && text.back() == ' ')
            text.remove_suffix(1);
        for (auto parse : {&timestamp_reader::iso, &timestamp_reader::syslog,
                           &timestamp_reader::epoch, &timestamp_reader::date_only}) {
            cursor c{text, 0};
            auto t = (this->*parse)(c);
            if (t && c.pos == text.size()) return t;
        }
        return std::nullopt;
    }

private:
    struct cursor {
        std::string_view s;
        std::size_t pos;
        [[nodiscard]] char peek(std::size_t ahead = 0) const {
            return pos + ahead < s.size() ? s[pos + ahead] : '\0';
        }
        /// Exactly `n` digits (at most 9, so that any fits an int) as a number, or -1.
        int digits(int n) { return static_cast<int>(number(n)); }
        /// Exactly `n` digits (at most 18) as a number, or -1.
        long long number(int n) {
            long long v = 0;
            for (int k = 0; k < n; ++k) {
                const char ch = peek();
                if (ch < '0' || ch > '9') return -1;
                v = v * 10 + (ch - '0');
                ++pos;
            }
            return v;
        }
        bool eat(char ch) {
            if (peek() != ch) return false;
            ++pos;
            return true;
        }
    };

    struct fields {
        int year, month, day, hour, minute, second;
    };

    /// A real date (no February 30) and time of day; a leap second is allowed.
    [[nodiscard]] static bool valid(const fields& f) {
        if (f.month < 1 || f.month > 12 || f.day < 1) return false;
        static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const bool leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0;
        const int last = f.month == 2 && leap ? 29 : days[f.month - 1];
        return f.day <= last && f.hour <= 23 && f.minute <= 59 && f.second <= 60;
    }

    static log_millis utc(const fields& f) {
        std::tm tm{};
        tm.tm_year = f.year - 1900;
        tm.tm_mon = f.month - 1;
        tm.tm_mday = f.day;
        tm.tm_hour = f.hour;
        tm.tm_min = f.minute;
        tm.tm_sec = f.second;
        return static_cast<log_millis>(::timegm(&tm)) * 1000;
    }

    /// Local time to UTC; the hour's offset is cached, since mktime is slow
    /// and consecutive lines share their hour.
    log_millis local(const fields& f) const {
        const long long key = ((f.year * 100LL + f.month) * 100 + f.day) * 100 + f.hour;
        if (key != cached_hour_ && wall_clock_) {
            const fields hour{f.year, f.month, f.day, f.hour, 0, 0};
            cached_hour_start_ = wall_clock_(utc(hour) / 1000) * 1000;
            cached_hour_ = key;
        } else if (key != cached_hour_) {
            std::tm tm{};
            tm.tm_year = f.year - 1900;
            tm.tm_mon = f.month - 1;
            tm.tm_mday = f.day;
            tm.tm_hour = f.hour;
            tm.tm_isdst = -1;
            cached_hour_start_ = static_cast<log_millis>(::mktime(&tm)) * 1000;
            cached_hour_ = key;
        }
        return cached_hour_start_ + (f.minute * 60LL + f.second) * 1000;
    }

    static int fraction_millis(cursor& c) {
        if (!(c.peek() == '.' || c.peek() == ',') || c.peek(1) < '0' || c.peek(1) > '9') return 0;
        ++c.pos;
        int ms = 0, scale = 100;
        while (c.peek() >= '0' && c.peek() <= '9') {
            ms += (c.peek() - '0') * scale;
            scale /= 10;
            ++c.pos;
        }
        return ms;
    }

    /// A zone after the time: Z, ±HH:MM, ±HHMM or ±HH (one space before ±
    /// allowed); its offset in minutes, or nothing when there is none.
    static std::optional<int> zone(cursor& c) {
        if (c.eat('Z')) return 0;
        const std::size_t start = c.pos;
        if (c.peek() == ' ' && (c.peek(1) == '+' || c.peek(1) == '-')) ++c.pos;
        const char sign = c.peek();
        if (sign != '+' && sign != '-') {
            c.pos = start;
            return std::nullopt;
        }
        ++c.pos;
        const int hours = c.digits(2);
        int minutes = 0;
        if (hours >= 0) {
            const std::size_t before = c.pos;
            c.eat(':');
            minutes = c.digits(2);
            if (minutes < 0) {
                c.pos = before;
                minutes = 0;
            }
        }
        const char next = c.peek();
        if (hours < 0 || hours > 14 || minutes > 59 || (next >= '0' && next <= '9')) {
            c.pos = start;
            return std::nullopt;
        }
        return (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
    }

    std::optional<log_millis> iso(cursor& c) const {
        fields f{};
        f.year = c.digits(4);
        if (f.year < 0 || !c.eat('-') || (f.month = c.digits(2)) < 0 || !c.eat('-') ||
            (f.day = c.digits(2)) < 0 || !(c.eat('T') || c.eat(' ')) ||
            (f.hour = c.digits(2)) < 0 || !c.eat(':') || (f.minute = c.digits(2)) < 0)
            return std::nullopt;
        if (c.peek() == ':') {
            ++c.pos;
            if ((f.second = c.digits(2)) < 0) return std::nullopt;
        }
        if (!valid(f)) return std::nullopt;
        const int ms = fraction_millis(c);
        if (const auto offset = zone(c)) return utc(f) - *offset * 60000LL + ms;
        return local(f) + ms;
    }

    std::optional<log_millis> syslog(cursor& c) const {
        static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
        if (c.pos + 3 > c.s.size()) return std::nullopt;
        const auto at = months.find(c.s.substr(c.pos, 3));
        if (at == std::string_view::npos || at % 3 != 0) return std::nullopt;
        c.pos += 3;
        fields f{};
        f.month = static_cast<int>(at / 3) + 1;
        if (!c.eat(' ')) return std::nullopt;
        c.eat(' '); // days below 10 are padded with a space
        f.day = c.digits(1);
        if (c.peek() >= '0' && c.peek() <= '9') f.day = f.day * 10 + c.digits(1);
        if (f.day < 0 || !c.eat(' ') || (f.hour = c.digits(2)) < 0 || !c.eat(':') ||
            (f.minute = c.digits(2)) < 0 || !c.eat(':') || (f.second = c.digits(2)) < 0)
            return std::nullopt;
        f.year = 2000; // a leap year: February 29 is a date, its year is found below
        if (!valid(f)) return std::nullopt;
        f.year = this_year_;
        const int ms = fraction_millis(c);
        log_millis t = local(f) + ms;
        if (t > now_ + 86400000LL) {
            --f.year;
            t = local(f) + ms;
        }
        return t;
    }

    std::optional<log_millis> epoch(cursor& c) const {
        const long long seconds = c.number(10);
        const char next = c.peek();
        if (seconds < 1000000000LL || (next >= '0' && next <= '9')) return std::nullopt;
        return seconds * 1000 + fraction_millis(c);
    }

    std::optional<log_millis> date_only(cursor& c) const {
        fields f{};
        f.year = c.digits(4);
        if (f.year < 0 || !c.eat('-') || (f.month = c.digits(2)) < 0 || !c.eat('-') ||
            (f.day = c.digits(2)) < 0 || !valid(f))
            return std::nullopt;
        return local(f);
    }

    log_millis now_;
    wall_clock_to_utc wall_clock_;
    int this_year_;
    mutable long long cached_hour_ = -1;
    mutable log_millis cached_hour_start_ = 0;
};

/// `2026-11-28T09:26:24.123Z`: a time as the scanner reports it (UTC).
[[nodiscard]] inline std::string format_log_time(log_millis t) {
    const std::time_t seconds = static_cast<std::time_t>(t / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t % 1000);
}

} // namespace rollcheck::detail
