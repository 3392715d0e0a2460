/// \file detail/cron/cron_schedule_impl.hpp
/// Definitions of cron_schedule.hpp, included at its end.
#pragma once

#include "../../cron_schedule.hpp"

namespace rollcheck {

namespace detail {

/// A problem at a 0-based offset of the text being read.
struct cron_syntax_error {
    std::size_t offset = 0;
    std::string message;
};

/// `text` for a message: at most `limit` bytes, control bytes as \xNN.
[[nodiscard]] inline std::string cron_snippet(std::string_view text, std::size_t limit = 40) {
    std::string out;
    for (const char c : text.substr(0, limit)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
    }
    if (text.size() > limit) out += "…";
    return out;
}

struct cron_field_def {
    const char* name;
    unsigned lo, hi;
    std::array<const char*, 12> names;
    unsigned first_name_value; ///< value of names[0]
};

inline const cron_field_def& cron_field(int i) {
    static const cron_field_def defs[5] = {
        {"minute", 0, 59, {}, 0},
        {"hour", 0, 23, {}, 0},
        {"day of month", 1, 31, {}, 0},
        {"month",
         1,
         12,
         {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
         1},
        {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 0}};
    return defs[i];
}

/// Reads one field (the text between blanks) into `bits`; `base` is the
/// field's offset in the line, for messages.
class cron_field_reader {
public:
    cron_field_reader(int field, std::string_view text, std::size_t base)
        : def_(cron_field(field)), kind_(field), s_(text), base_(base) {}

    template <std::size_t N>
    std::optional<cron_syntax_error> read(std::bitset<N>& bits) {
        while (true) {
            if (auto e = element(bits)) return e;
            if (i_ == s_.size()) return std::nullopt;
            if (s_[i_] != ',') return unexpected();
            ++i_;
        }
    }

private:
    std::optional<cron_syntax_error> error_at(std::size_t at, std::string message) const {
        return cron_syntax_error{base_ + at, std::move(message)};
    }
    std::optional<cron_syntax_error> unexpected() const {
        if (i_ == s_.size())
            return error_at(i_, fmt::format("{}: unexpected end of field", def_.name));
        return error_at(
            i_, fmt::format("{}: unexpected '{}'", def_.name, cron_snippet(s_.substr(i_, 1))));
    }

    template <std::size_t N>
    std::optional<cron_syntax_error> element(std::bitset<N>& bits) {
        unsigned lo = def_.lo, hi = def_.hi;
        const std::size_t start = i_;
        bool range = true;
        if (i_ < s_.size() && s_[i_] == '*') {
            ++i_;
        } else {
            if (auto e = value(lo)) return e;
            hi = lo;
            range = i_ < s_.size() && s_[i_] == '-';
            if (range) {
                ++i_;
                if (auto e = value(hi)) return e;
                if (hi < lo)
                    return error_at(start, fmt::format("{} range {} is backwards", def_.name,
                                                       cron_snippet(s_.substr(start, i_ - start))));
            }
        }
        unsigned step = 1;
        if (i_ < s_.size() && s_[i_] == '/') {
            if (!range)
                return error_at(i_, fmt::format("{}: a step must follow a range or '*' ('{}')",
                                                def_.name, cron_snippet(s_.substr(start))));
            const std::size_t step_at = ++i_;
            std::size_t digits = 0;
            while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
                ++i_, ++digits;
            if (digits == 0) return unexpected();
            const auto text = s_.substr(step_at, digits);
            if (digits > 4 || std::stoul(std::string(text)) == 0)
                return error_at(step_at,
                                fmt::format("{} step {} (a step must be 1 to {})", def_.name,
                                            cron_snippet(text), def_.hi - def_.lo + 1));
            step = static_cast<unsigned>(std::stoul(std::string(text)));
        }
        if (i_ < s_.size() && s_[i_] != ',') return unexpected();
        for (unsigned v = lo; v <= hi; v += step)
            bits.set(kind_ == 4 && v == 7 ? 0 : v);
        return std::nullopt;
    }

    /// A number or, in the month and day-of-week fields, a three-letter name.
    std::optional<cron_syntax_error> value(unsigned& out) {
        const std::size_t start = i_;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
            ++i_;
        if (i_ > start) {
            const auto digits = s_.substr(start, i_ - start);
            if (digits.size() > 4 || std::stoul(std::string(digits)) < def_.lo ||
                std::stoul(std::string(digits)) > def_.hi)
                return error_at(start, fmt::format("{} {} out of range {}-{}", def_.name,
                                                   cron_snippet(digits), def_.lo, def_.hi));
            out = static_cast<unsigned>(std::stoul(std::string(digits)));
            return std::nullopt;
        }
        while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_])))
            ++i_;
        if (i_ == start) {
            if (i_ == s_.size()) return error_at(i_, fmt::format("{}: missing value", def_.name));
            if (s_[i_] == '?')
                return error_at(i_, fmt::format("{}: '?' is Quartz's 'no specific value': cron "
                                                "has no '?' (write '*')",
                                                def_.name));
            return error_at(i_, fmt::format("{}: expected a number{} or '*', found '{}'", def_.name,
                                            def_.names[0] ? ", a name" : "",
                                            cron_snippet(s_.substr(i_, 1))));
        }
        return name(s_.substr(start, i_ - start), start, out);
    }

    std::optional<cron_syntax_error> name(std::string_view word, std::size_t at, unsigned& out) {
        if (!def_.names[0])
            return error_at(at, fmt::format("{}: names are allowed only in the month and day "
                                            "of week fields, found '{}'",
                                            def_.name, cron_snippet(word)));
        for (unsigned k = 0; k < def_.names.size() && def_.names[k]; ++k) {
            const char* n = def_.names[k];
            if (word.size() == 3 && std::tolower(static_cast<unsigned char>(word[0])) == n[0] &&
                std::tolower(static_cast<unsigned char>(word[1])) == n[1] &&
                std::tolower(static_cast<unsigned char>(word[2])) == n[2]) {
                out = def_.first_name_value + k;
                return std::nullopt;
            }
        }
        return error_at(at, fmt::format("unknown {} name '{}'", def_.name, cron_snippet(word)));
    }

    const cron_field_def& def_;
    int kind_;
    std::string_view s_;
    std::size_t base_;
    std::size_t i_ = 0;
};

inline bool cron_blank(char c) {
    return c == ' ' || c == '\t';
}

/// The @keywords cron accepts in place of the five fields.
inline std::optional<std::string_view> cron_keyword_fields(std::string_view word) {
    static const std::pair<std::string_view, std::string_view> table[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}};
    for (const auto& [name, fields] : table)
        if (word == name) return fields;
    return std::nullopt;
}

/// Reads the schedule at `pos` of `line` (five fields or an @keyword) and
/// leaves `pos` after it. On failure `error` says where and what.
inline std::optional<cron_schedule> read_cron_schedule(std::string_view line, std::size_t& pos,
                                                       cron_syntax_error& error);

/// Reads the five fields of `fields` (no keyword), each field's text
/// located at `offsets` in the original line.
inline std::optional<cron_schedule> read_cron_fields(const std::array<std::string_view, 5>& fields,
                                                     const std::array<std::size_t, 5>& offsets,
                                                     cron_syntax_error& error) {
    cron_schedule s;
    std::optional<cron_syntax_error> e;
    for (int f = 0; f < 5 && !e; ++f) {
        cron_field_reader reader(f, fields[static_cast<std::size_t>(f)],
                                 offsets[static_cast<std::size_t>(f)]);
        switch (f) {
        case 0:
            e = reader.read(s.minutes);
            break;
        case 1:
            e = reader.read(s.hours);
            break;
        case 2:
            e = reader.read(s.days);
            break;
        case 3:
            e = reader.read(s.months);
            break;
        default:
            e = reader.read(s.weekdays);
        }
    }
    if (e) {
        error = *e;
        return std::nullopt;
    }
    s.minutes_star = fields[0].front() == '*';
    s.hours_star = fields[1].front() == '*';
    s.days_star = fields[2].front() == '*';
    s.weekdays_star = fields[4].front() == '*';
    s.text = fmt::format("{} {} {} {} {}", fields[0], fields[1], fields[2], fields[3], fields[4]);
    return s;
}

inline std::optional<cron_schedule> read_cron_schedule(std::string_view line, std::size_t& pos,
                                                       cron_syntax_error& error) {
    while (pos < line.size() && cron_blank(line[pos]))
        ++pos;
    if (pos < line.size() && line[pos] == '@') {
        const std::size_t start = pos;
        while (pos < line.size() && !cron_blank(line[pos]))
            ++pos;
        const auto word = line.substr(start, pos - start);
        if (word == "@reboot") {
            cron_schedule s;
            s.reboot = true;
            s.text = "@reboot";
            return s;
        }
        const auto fields = cron_keyword_fields(word);
        if (!fields) {
            error = {start, fmt::format("unknown special string '{}'", cron_snippet(word))};
            return std::nullopt;
        }
        std::size_t inner = 0;
        auto s = read_cron_schedule(*fields, inner, error);
        // cron marks @hourly's hour as '*' so that it runs on the new clock across DST.
        if (s) s->text = std::string(word);
        return s;
    }
    std::array<std::string_view, 5> fields;
    std::array<std::size_t, 5> offsets{};
    for (std::size_t f = 0; f < 5; ++f) {
        while (pos < line.size() && cron_blank(line[pos]))
            ++pos;
        if (pos == line.size()) {
            error = {pos, fmt::format("expected 5 time fields, found {}", f)};
            return std::nullopt;
        }
        offsets[f] = pos;
        while (pos < line.size() && !cron_blank(line[pos]))
            ++pos;
        fields[f] = line.substr(offsets[f], pos - offsets[f]);
    }
    return read_cron_fields(fields, offsets, error);
}

} // namespace detail

ROLLCHECK_INLINE std::optional<cron_schedule> parse_cron_schedule(std::string_view text,
                                                                  std::string& error) {
    detail::cron_syntax_error e;
    std::size_t pos = 0;
    auto s = detail::read_cron_schedule(text, pos, e);
    if (s) {
        while (pos < text.size() && detail::cron_blank(text[pos]))
            ++pos;
        if (pos == text.size()) return s;
        e = {pos, fmt::format("unexpected '{}' after the schedule",
                              detail::cron_snippet(text.substr(pos)))};
    }
    error = fmt::format("1:{}: {}", e.offset + 1, e.message);
    return std::nullopt;
}

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

ROLLCHECK_INLINE std::vector<cron_time> cron_next(const cron_schedule& s, cron_time after,
                                                  std::size_t count, const cron_zone& zone) {
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

ROLLCHECK_INLINE std::optional<cron_time> cron_previous(const cron_schedule& s, cron_time before,
                                                        const cron_zone& zone) {
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

ROLLCHECK_INLINE std::string format_cron_time(cron_time t, const cron_zone& zone) {
    const auto utc = detail::seconds_of(t);
    const auto local = utc + zone.offset_at(utc);
    const auto day = detail::floor_day(local);
    const auto date = detail::civil_from_days(day);
    const auto rest = local - day * 86400;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", date.year, date.month, date.day,
                       rest / 3600, rest % 3600 / 60);
}

namespace detail {

/// Takes an ISO 8601 zone (`Z`, `+01:00`, `-0530`) off the end of `text` and
/// returns its offset east of UTC in seconds; nothing when there is none.
inline std::optional<std::int64_t> take_utc_offset(std::string& text) {
    if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
        text.pop_back();
        return 0;
    }
    int hours = 0, minutes = 0, used = 0;
    for (const char* form : {"%*1[+-]%2d:%2d%n", "%*1[+-]%2d%2d%n"}) {
        const auto sign = text.find_last_of("+-");
        if (sign == std::string::npos || sign < 10) return std::nullopt;
        const auto tail = text.substr(sign);
        if (std::sscanf(tail.c_str(), form, &hours, &minutes, &used) == 2 &&
            static_cast<std::size_t>(used) == tail.size() && hours < 24 && minutes < 60) {
            text.erase(sign);
            return (tail[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        }
    }
    return std::nullopt;
}

/// Drops a fraction of a second (`.250`, `,250`) after the seconds.
inline void drop_fraction(std::string& text) {
    const auto mark = text.find_last_of(".,");
    if (mark != std::string::npos && mark + 1 < text.size() &&
        text.find_first_not_of("0123456789", mark + 1) == std::string::npos)
        text.erase(mark);
}

} // namespace detail

ROLLCHECK_INLINE std::optional<cron_time> parse_cron_time(const std::string& written,
                                                          const cron_zone& zone) {
    std::string text = written;
    const auto offset = detail::take_utc_offset(text);
    detail::drop_fraction(text);
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
    if (offset) return detail::time_of(local - *offset);
    std::vector<std::int64_t> instants;
    cron_schedule fixed; // a fixed-time reading: first occurrence, or the jump
    detail::cron_instants(fixed, zone, local, instants);
    return detail::time_of(instants.front());
}

} // namespace rollcheck
