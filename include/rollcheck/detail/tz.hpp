/// \file detail/tz.hpp
/// Civil-date arithmetic and time zones read from the system's tz database
/// (TZif files under /usr/share/zoneinfo, or $TZDIR).
///
/// The zone files are read here rather than through localtime_r with TZ
/// switched: TZ is process-wide state, and switching it would change the
/// local time that every other thread of the process sees.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "read_file.hpp"

namespace rollcheck::detail {

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m,
                                                     unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// A calendar date.
struct civil_date {
    std::int64_t year;
    unsigned month; ///< 1-12
    unsigned day;   ///< 1-31
};

/// The date `days` days after 1970-01-01.
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t days) noexcept {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

/// 0 for Sunday … 6 for Saturday.
[[nodiscard]] constexpr unsigned weekday_from_days(std::int64_t days) noexcept {
    return static_cast<unsigned>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

[[nodiscard]] constexpr bool is_leap_year(std::int64_t y) noexcept {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

[[nodiscard]] constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : lengths[m - 1];
}

/// The part of a TZif footer (a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0")
/// that says where daylight-saving time starts and ends each year.
struct posix_tz_rule {
    struct date_rule {
        char kind = 'M';          ///< 'J' (1-365, no Feb 29), 'D' (0-365), 'M' (month.week.day)
        int a = 0, b = 0, c = 0;  ///< J/D: day in a; M: month a, week b, weekday c
        std::int64_t time = 7200; ///< seconds after local midnight
    };
    std::int32_t std_offset = 0; ///< seconds east of UTC
    std::int32_t dst_offset = 0;
    bool has_dst = false;
    date_rule start, end;

    /// The UTC offset at `utc` (seconds since the epoch).
    [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const {
        if (!has_dst) return std_offset;
        const auto year = civil_from_days(floor_div(utc + std_offset, 86400)).year;
        const std::int64_t begin = local_seconds(start, year) - std_offset;
        const std::int64_t finish = local_seconds(end, year) - dst_offset;
        const bool in_dst =
            begin < finish ? utc >= begin && utc < finish : !(utc >= finish && utc < begin);
        return in_dst ? dst_offset : std_offset;
    }

    static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
        return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
    }

private:
    static std::int64_t local_seconds(const date_rule& r, std::int64_t year) {
        std::int64_t day = days_from_civil(year, 1, 1);
        if (r.kind == 'J')
            day += r.a - 1 + (is_leap_year(year) && r.a >= 60 ? 1 : 0);
        else if (r.kind == 'D')
            day += r.a;
        else {
            const auto first = days_from_civil(year, static_cast<unsigned>(r.a), 1);
            auto d =
                first + (r.c - static_cast<int>(weekday_from_days(first)) + 7) % 7 + 7 * (r.b - 1);
            const auto length = days_in_month(year, static_cast<unsigned>(r.a));
            while (d >= first + length)
                d -= 7;
            day = d;
        }
        return day * 86400 + r.time;
    }
};

/// Reads a POSIX TZ string; false when it is not one rollcheck understands.
class posix_tz_reader {
public:
    explicit posix_tz_reader(std::string_view text) : s_(text) {}

    bool read(posix_tz_rule& rule) {
        std::int64_t off = 0;
        if (!name() || !offset(off)) return false;
        rule.std_offset = static_cast<std::int32_t>(-off);
        if (i_ == s_.size()) return true;
        if (!name()) return false;
        rule.has_dst = true;
        rule.dst_offset = rule.std_offset + 3600;
        if (i_ < s_.size() && s_[i_] != ',') {
            if (!offset(off)) return false;
            rule.dst_offset = static_cast<std::int32_t>(-off);
        }
        if (i_ == s_.size()) { // no rule given: POSIX's default is the US rule
            rule.start = {'M', 3, 2, 0, 7200};
            rule.end = {'M', 11, 1, 0, 7200};
            return true;
        }
        return eat(',') && date(rule.start) && eat(',') && date(rule.end) && i_ == s_.size();
    }

private:
    bool eat(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool name() {
        const auto start = i_;
        if (eat('<')) {
            while (i_ < s_.size() && s_[i_] != '>')
                ++i_;
            return eat('>');
        }
        while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_])))
            ++i_;
        return i_ - start >= 3;
    }
    bool number(std::int64_t& n) {
        const auto start = i_;
        n = 0;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) && i_ - start < 4)
            n = n * 10 + (s_[i_++] - '0');
        return i_ > start;
    }
    /// [+-]hh[:mm[:ss]] in seconds.
    bool offset(std::int64_t& seconds) {
        const bool negative = eat('-');
        if (!negative) eat('+');
        std::int64_t h = 0, m = 0, sec = 0;
        if (!number(h)) return false;
        if (eat(':') && (!number(m) || (eat(':') && !number(sec)))) return false;
        seconds = (negative ? -1 : 1) * (h * 3600 + m * 60 + sec);
        return true;
    }
    bool date(posix_tz_rule::date_rule& r) {
        std::int64_t a = 0, b = 0, c = 0;
        if (eat('M')) {
            if (!number(a) || !eat('.') || !number(b) || !eat('.') || !number(c)) return false;
            r = {'M', static_cast<int>(a), static_cast<int>(b), static_cast<int>(c), 7200};
            if (a < 1 || a > 12 || b < 1 || b > 5 || c > 6) return false;
        } else {
            const char kind = eat('J') ? 'J' : 'D';
            if (!number(a)) return false;
            r = {kind, static_cast<int>(a), 0, 0, 7200};
        }
        return !eat('/') || offset(r.time);
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

/// One zone's offsets: the transitions of its TZif file, then its footer rule.
struct tz_offsets {
    std::vector<std::int64_t> transitions; ///< UTC seconds, ascending
    std::vector<std::int32_t> after;       ///< offset from each transition on
    std::int32_t initial = 0;              ///< before the first transition
    std::optional<posix_tz_rule> rule;     ///< after the last transition

    [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const {
        const auto it = std::upper_bound(transitions.begin(), transitions.end(), utc);
        if (it == transitions.begin()) return initial;
        if (it == transitions.end() && rule) return rule->offset_at(utc);
        return after[static_cast<std::size_t>(it - transitions.begin() - 1)];
    }
};

/// Parses a TZif file (version 2 or later for its 64-bit data and footer;
/// version 1 files are read from their 32-bit data). Empty `error` on success.
[[nodiscard]] inline tz_offsets parse_tzif(const std::string& data, std::string& error) {
    tz_offsets z;
    const auto be = [&](std::size_t at, int bytes) -> std::int64_t {
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v = (v << 8) | static_cast<unsigned char>(data[at + static_cast<std::size_t>(i)]);
        if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        return static_cast<std::int64_t>(v);
    };
    if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) {
        error = "not a TZif file";
        return z;
    }
    std::size_t header = 0;
    int time_size = 4;
    for (int pass = 0; pass < 2; ++pass) {
        if (data.size() < header + 44) break;
        const auto count = [&](int i) {
            return static_cast<std::size_t>(be(header + 20 + 4 * static_cast<std::size_t>(i), 4));
        };
        const std::size_t isut = count(0), isstd = count(1), leap = count(2), times = count(3),
                          types = count(4), chars = count(5);
        const std::size_t body = times * static_cast<std::size_t>(time_size) + times + types * 6 +
                                 chars + leap * static_cast<std::size_t>(time_size + 4) + isstd +
                                 isut;
        if (data.size() < header + 44 + body || types == 0) {
            error = "truncated TZif file";
            return z;
        }
        const bool use = pass == 1 || data[4] == '\0';
        if (use) {
            std::size_t at = header + 44;
            z.transitions.clear();
            z.after.clear();
            std::vector<std::int32_t> offsets(types);
            const std::size_t idx_at = at + times * static_cast<std::size_t>(time_size);
            const std::size_t types_at = idx_at + times;
            for (std::size_t t = 0; t < types; ++t)
                offsets[t] = static_cast<std::int32_t>(be(types_at + 6 * t, 4));
            for (std::size_t i = 0; i < times; ++i) {
                z.transitions.push_back(
                    be(at + i * static_cast<std::size_t>(time_size), time_size));
                const auto idx = static_cast<unsigned char>(data[idx_at + i]);
                if (idx >= types) {
                    error = "corrupt TZif file";
                    return z;
                }
                z.after.push_back(offsets[idx]);
            }
            z.initial = offsets[0];
            if (pass == 1) {
                const auto footer = header + 44 + body;
                const auto end = data.find('\n', footer + 1);
                if (footer < data.size() && data[footer] == '\n' && end != std::string::npos) {
                    posix_tz_rule rule;
                    const std::string text = data.substr(footer + 1, end - footer - 1);
                    if (!text.empty() && posix_tz_reader(text).read(rule)) z.rule = rule;
                }
            }
            return z;
        }
        header += 44 + body;
        time_size = 8;
    }
    return z;
}

/// A time zone of the system's tz database, loaded once and then read
/// without touching process-wide state (safe to share between threads).
class tz_zone {
public:
    /// UTC itself.
    tz_zone() : name_("UTC"), data_(std::make_shared<tz_offsets>()) {}

    /// The zone `name` ("Europe/Berlin", "UTC") from $TZDIR or /usr/share/zoneinfo;
    /// nothing, with `error` saying why, when there is no such zone.
    [[nodiscard]] static std::optional<tz_zone> load(const std::string& name, std::string& error) {
        if (name == "UTC" || name == "Etc/UTC") return tz_zone();
        if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
            error = fmt::format("'{}' is not a time zone name", name);
            return std::nullopt;
        }
        const char* dir = std::getenv("TZDIR");
        const std::string path = fmt::format(
            "{}/{}", dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo", name);
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            error = fmt::format("unknown time zone '{}' (no file {})", name, path);
            return std::nullopt;
        }
        // A name such as "Europe/" reaches a directory: an error, not a throw.
        std::string why;
        const auto data = read_whole_file(path, why, 1u << 20);
        if (!data) {
            error = fmt::format("time zone '{}': {}", name, why);
            return std::nullopt;
        }
        auto offsets = parse_tzif(*data, why);
        if (!why.empty()) {
            error = fmt::format("time zone '{}': {}: {}", name, path, why);
            return std::nullopt;
        }
        tz_zone z;
        z.name_ = name;
        z.data_ = std::make_shared<const tz_offsets>(std::move(offsets));
        return z;
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Seconds east of UTC in effect at `utc` (seconds since the epoch).
    [[nodiscard]] std::int32_t offset_at(std::int64_t utc) const { return data_->offset_at(utc); }

private:
    std::string name_;
    std::shared_ptr<const tz_offsets> data_;
};

} // namespace rollcheck::detail
