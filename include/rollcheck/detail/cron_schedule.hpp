/// \file detail/cron_schedule.hpp
/// The five time fields of a crontab(5) entry (or its @keyword), read as
/// Debian's cron (Vixie cron) reads them, with the column of each problem.
#pragma once

#include <array>
#include <bitset>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

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
    /// times have the same form (`0 2 * * 0-7` and `0 2 * * *` both read
    /// `0 2 * * *`). When both day fields are restricted but one starts with
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

/// Parses a schedule on its own (`"*/15 9-17 * * mon-fri"`, `"@daily"`);
/// nothing, with `error` ("1:4: hour 24 out of range 0-23"), when invalid.
[[nodiscard]] inline std::optional<cron_schedule> parse_cron_schedule(std::string_view text,
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

} // namespace rollcheck
