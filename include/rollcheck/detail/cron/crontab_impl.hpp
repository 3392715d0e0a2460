/// \file detail/cron/crontab_impl.hpp
/// Definitions of crontab.hpp, included at its end.
#pragma once

#include "../../crontab.hpp"
#include "cron_schedule_impl.hpp"

namespace rollcheck {

namespace detail {
/// `text` with runs of blanks made one space and its ends trimmed.
[[nodiscard]] inline std::string normalize_blanks(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == ' ' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}
} // namespace detail

ROLLCHECK_INLINE std::string cron_entry::normalized_command() const {
    return detail::normalize_blanks(command);
}

namespace detail {

/// Debian's cron refuses a command of this many bytes or more.
inline constexpr std::size_t cron_max_command = 999;

class crontab_reader {
public:
    crontab_reader(std::string name, const crontab_options& options) : options_(options) {
        tab_.name = std::move(name);
        tab_.system = options.system;
    }

    crontab read(std::string_view text) && {
        std::size_t start = 0, number = 0;
        while (start < text.size()) {
            const auto end = text.find('\n', start);
            ++number;
            const bool last_unterminated = end == std::string_view::npos;
            const auto line = text.substr(start, last_unterminated ? text.npos : end - start);
            read_line(line, number, last_unterminated);
            if (last_unterminated) break;
            start = end + 1;
        }
        std::stable_sort(tab_.diagnostics.begin(), tab_.diagnostics.end(),
                         [](const cron_diagnostic& a, const cron_diagnostic& b) {
                             return a.line != b.line ? a.line < b.line : a.column < b.column;
                         });
        return std::move(tab_);
    }

private:
    void add(std::size_t line, std::size_t offset, cron_severity s, std::string message) {
        tab_.diagnostics.push_back({tab_.name, line, offset + 1, s, std::move(message)});
    }

    void read_line(std::string_view line, std::size_t number, bool last_unterminated) {
        const bool continued = continues_;
        if (const auto nul = line.find('\0'); nul != line.npos) {
            add(number, nul, cron_severity::error, "NUL byte: this is not a text line");
            return;
        }
        // cron keeps a CRLF line's '\r': in a command it is part of the
        // command, on a blank line it is a minute field.
        const bool crlf = !line.empty() && line.back() == '\r';
        if (crlf) line.remove_suffix(1);
        continues_ = !line.empty() && line.back() == '\\';
        std::size_t pos = 0;
        while (pos < line.size() && cron_blank(line[pos]))
            ++pos;
        if (pos == line.size()) {
            if (crlf)
                add(number, line.size(), cron_severity::error,
                    "blank line ending with a carriage return (CRLF line end): cron reads the "
                    "'\\r' as a minute field and refuses the file (bad minute)");
            return;
        }
        if (line[pos] == '#') return;
        if (last_unterminated)
            add(number, line.size(), cron_severity::error,
                "no newline at the end of the last line: crontab(1) refuses to install the file "
                "(missing newline before EOF), and cron ignores the whole file when it finds it "
                "in its spool or in /etc/cron.d");
        if (read_variable(line, pos, number)) return;
        cron_entry entry;
        if (!read_entry(line, pos, number, crlf, continued, entry)) return;
        if (crlf)
            add(number, line.size(), cron_severity::error,
                "command ends with a carriage return (CRLF line end): cron keeps the '\\r' in "
                "the command, which fails when it runs");
        check_entry(entry, line);
        tab_.entries.push_back(std::move(entry));
    }

    /// cron's rule: a name (no blanks, no '='), optional blanks, then '='.
    bool read_variable(std::string_view line, std::size_t pos, std::size_t number) {
        // cron reads an environment line with isspace(3) for blanks, '\r'
        // and all: crontab(1) installs "MAILTO\r=ops" and refuses
        // "SHE\rLL=/bin/sh" as a job line.
        const auto space = [&line](std::size_t at) {
            return std::isspace(static_cast<unsigned char>(line[at])) != 0;
        };
        const std::size_t name_start = pos;
        while (pos < line.size() && !space(pos) && line[pos] != '=')
            ++pos;
        const auto name = line.substr(name_start, pos - name_start);
        while (pos < line.size() && space(pos))
            ++pos;
        if (pos == line.size() || line[pos] != '=') return false;
        if (name.empty()) {
            add(number, pos, cron_severity::error,
                "environment setting with no name before its '=': cron sets a variable no "
                "program can read");
            return true;
        }
        ++pos;
        while (pos < line.size() && space(pos))
            ++pos;
        const std::size_t value_at = pos;
        auto value = line.substr(pos);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
            value.remove_suffix(1);
        // Debian's rules, found with crontab(1): no value at all makes the
        // line a job line, which it refuses; a quoted value must close, and
        // end the line.
        if (value.empty()) {
            add(number, value_at, cron_severity::error,
                fmt::format("'{0}' has no value: cron reads the line as a job and refuses it "
                            "(write {0}=\"\" for an empty value)",
                            cron_snippet(name)));
            return true;
        }
        if (value.front() == '"' || value.front() == '\'') {
            const auto close = value.find(value.front(), 1);
            if (close == value.npos || close + 1 != value.size()) {
                add(number, value_at, cron_severity::error,
                    fmt::format("the value of '{}' {}: cron refuses the line", cron_snippet(name),
                                close == value.npos ? "opens a quote that does not close"
                                                    : "goes on after its closing quote"));
                return true;
            }
            value = value.substr(1, value.size() - 2);
        }
        cron_variable var{std::string(name), std::string(value), number};
        if (var.name == "CRON_TZ") {
            std::string why;
            if (var.value.empty() || cron_zone::load(var.value, why))
                zone_ = var.value;
            else
                add(number, value_at, cron_severity::error, "CRON_TZ: " + why);
        } else if (var.name == "PATH") {
            path_ = var.value;
        }
        tab_.environment.push_back(std::move(var));
        return true;
    }

    bool read_entry(std::string_view line, std::size_t pos, std::size_t number, bool crlf,
                    bool continued, cron_entry& entry) {
        cron_syntax_error e;
        const std::size_t line_start = pos;
        auto schedule = read_cron_schedule(line, pos, e);
        if (!schedule) {
            if (continued)
                e = {line_start,
                     fmt::format("cron has no line continuation: the '\\' ending line {} does not "
                                 "join this line to it, and on its own this line is not a crontab "
                                 "line ({})",
                                 number - 1, e.message)};
            else if (std::isalpha(static_cast<unsigned char>(line[line_start])))
                e = {line_start, fmt::format("not a crontab line: '{}' is neither a job (5 time "
                                             "fields or an @keyword, then a command), an "
                                             "environment setting (NAME=value) nor a comment",
                                             cron_snippet(line.substr(line_start)))};
            add(number, e.offset, cron_severity::error, e.message);
            return false;
        }
        entry.file = tab_.name;
        entry.line = number;
        entry.schedule = std::move(*schedule);
        entry.zone = zone_;
        entry.path = path_;
        while (pos < line.size() && cron_blank(line[pos]))
            ++pos;
        if (options_.system) {
            const std::size_t user_at = pos;
            while (pos < line.size() && !cron_blank(line[pos]))
                ++pos;
            entry.user = std::string(line.substr(user_at, pos - user_at));
            while (pos < line.size() && cron_blank(line[pos]))
                ++pos;
            if (entry.user.empty()) {
                add(number, pos, cron_severity::error,
                    "missing user field (the system crontab format is: schedule, user, command)");
                return false;
            }
        }
        if (pos == line.size()) {
            add(number, pos, cron_severity::error, "missing command after the schedule");
            return false;
        }
        if (!command_accepted(line, pos, number, crlf, entry.schedule)) return false;
        split_command(line, pos, number, entry);
        return true;
    }

    /// The rules by which cron refuses a command, and a sixth time field,
    /// which cron reads as the start of the command.
    bool command_accepted(std::string_view line, std::size_t pos, std::size_t number, bool crlf,
                          const cron_schedule& schedule) {
        // cron reads the command, '\r' included, into a buffer of
        // MAX_COMMAND (1000) bytes and refuses one that fills it.
        const std::size_t length = line.size() - pos + (crlf ? 1 : 0);
        if (length >= cron_max_command) {
            add(number, pos, cron_severity::error,
                fmt::format("command of {} bytes: cron refuses a command of {} bytes or more "
                            "(command too long)",
                            length, cron_max_command));
            return false;
        }
        const auto word = line.substr(pos, line.find_first_of(" \t", pos) - pos);
        if (schedule.text.front() != '@' &&
            word.find_first_not_of("0123456789*/,-?") == word.npos &&
            word.find_first_of("*?") != word.npos) {
            add(number, pos, cron_severity::error,
                fmt::format("6 time fields ('{} {}'): a schedule with a seconds field, written "
                            "for another scheduler; cron has 5 and reads '{}' as the start of "
                            "the command{}",
                            schedule.text, cron_snippet(word), cron_snippet(word),
                            word.front() == '*' ? ", which it refuses (bad command)" : ""));
            return false;
        }
        if (line[pos] == '*') {
            add(number, pos, cron_severity::error,
                "command begins with '*': cron refuses it (bad command)");
            return false;
        }
        return true;
    }

    /// An unescaped '%' ends the command for cron: the rest, '%' made
    /// newlines, becomes its standard input. Worth a warning, for a '%' in
    /// `date +%F` is the classic way to lose a job's arguments.
    void split_command(std::string_view line, std::size_t pos, std::size_t number,
                       cron_entry& entry) {
        entry.command = std::string(line.substr(pos));
        for (std::size_t i = pos; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '%') {
                ++i;
            } else if (line[i] == '%') {
                add(number, i, cron_severity::warning,
                    "unescaped '%': cron ends the command here and sends the rest to its "
                    "standard input (write '\\%' for a literal '%')");
                break;
            }
        }
        entry_command_at_ = pos;
    }

    void check_entry(const cron_entry& entry, std::string_view line) {
        const auto identity = entry.identity();
        if (const auto seen = identities_.find(identity); seen != identities_.end())
            add(entry.line, 0, cron_severity::warning,
                fmt::format("duplicate of the entry at line {}", seen->second));
        else
            identities_.emplace(identity, entry.line);
        if (!entry.schedule.reboot && !can_fire(entry.schedule))
            add(entry.line, day_field_offset(line), cron_severity::warning,
                fmt::format("schedule '{}' never fires: no month it names has such a day",
                            cron_snippet(entry.schedule.text)));
        if (!options_.system && names_user(entry))
            add(entry.line, entry_command_at_, cron_severity::warning,
                fmt::format("'{}' is a user name, not a program: a line of a system crontab "
                            "(schedule, user, command)? A user crontab has no user field, so "
                            "cron runs '{}' as the command; lint a system crontab with --system",
                            cron_snippet(first_word(entry)),
                            cron_snippet(entry.normalized_command())));
        else if (options_.check_programs)
            check_program(entry);
    }

    static bool can_fire(const cron_schedule& s) {
        for (unsigned m = 1; m <= 12; ++m)
            for (unsigned d = 1; d <= days_in_month(2000, m); ++d)
                for (unsigned w = 0; w < 7; ++w)
                    if (s.matches_day(m, d, w)) return true;
        return false;
    }

    static std::size_t day_field_offset(std::string_view line) {
        std::size_t pos = 0;
        for (int field = 0; field < 2; ++field) {
            while (pos < line.size() && cron_blank(line[pos]))
                ++pos;
            while (pos < line.size() && !cron_blank(line[pos]))
                ++pos;
        }
        while (pos < line.size() && cron_blank(line[pos]))
            ++pos;
        return pos;
    }

    [[nodiscard]] static std::string first_word(const cron_entry& entry) {
        const auto command = entry.normalized_command();
        return command.substr(0, command.find(' '));
    }

    [[nodiscard]] std::string entry_path(const cron_entry& entry) const {
        return entry.path.empty() ? options_.default_path : entry.path;
    }

    /// Whether `word` names an executable file in a directory of `path`.
    [[nodiscard]] static bool on_path(const std::string& word, const std::string& path) {
        std::error_code ec;
        std::size_t start = 0;
        while (start <= path.size()) {
            auto end = path.find(':', start);
            if (end == std::string::npos) end = path.size();
            const auto dir = path.substr(start, end - start);
            const auto candidate = (dir.empty() ? std::string(".") : dir) + "/" + word;
            if (::access(candidate.c_str(), X_OK) == 0 &&
                !std::filesystem::is_directory(candidate, ec))
                return true;
            start = end + 1;
        }
        return false;
    }

    /// A user crontab line that starts with a user name and more: a system
    /// crontab line given as a user one. Users that are also programs
    /// (Debian's `sync`, `mail`) are left alone.
    [[nodiscard]] bool names_user(const cron_entry& entry) const {
        const auto word = first_word(entry);
        if (word.empty() || word.size() == entry.normalized_command().size()) return false;
        passwd pw{};
        passwd* found = nullptr;
        std::array<char, 4096> buffer{};
        return ::getpwnam_r(word.c_str(), &pw, buffer.data(), buffer.size(), &found) == 0 &&
               found != nullptr && word.find('/') == word.npos && !on_path(word, entry_path(entry));
    }

    /// Warns when the command's first word names a program that is not
    /// there. Words the shell expands or runs itself cannot be resolved here.
    void check_program(const cron_entry& entry) {
        const auto word = first_word(entry);
        static const char* const shell_words[] = {
            "cd",      "test",    "[",     "[[",     "if",     "for", "while", "until",
            "case",    "exec",    ".",     "source", "export", "set", "umask", "ulimit",
            "eval",    "true",    ":",     "!",      "{",      "(",   "echo",  "printf",
            "command", "builtin", "unset", "trap",   "wait",   "read"};
        for (const char* w : shell_words)
            if (word == w) return;
        if (word.empty() || word.find_first_of("$`\"'~(){}*?[=<>|&;\\") != std::string::npos)
            return;
        const auto at = entry_command_at_;
        std::error_code ec;
        if (word.find('/') != std::string::npos) {
            if (word.front() != '/') return; // relative to the job's HOME: not resolvable here
            if (!std::filesystem::exists(word, ec))
                add(entry.line, at, cron_severity::warning,
                    fmt::format("program '{}' does not exist", cron_snippet(word)));
            else if (::access(word.c_str(), X_OK) != 0)
                add(entry.line, at, cron_severity::warning,
                    fmt::format("program '{}' is not executable", cron_snippet(word)));
            return;
        }
        const auto path = entry_path(entry);
        if (on_path(word, path)) return;
        add(entry.line, at, cron_severity::warning,
            fmt::format("program '{}' not found on PATH {}", cron_snippet(word),
                        cron_snippet(path, 400)));
    }

    const crontab_options& options_;
    crontab tab_;
    std::string zone_, path_;
    std::map<std::string, std::size_t> identities_;
    std::size_t entry_command_at_ = 0;
    bool continues_ = false; ///< the line before ended with '\\'
};

} // namespace detail

ROLLCHECK_INLINE crontab parse_crontab(std::string_view text, std::string name,
                                       const crontab_options& options) {
    return detail::crontab_reader(std::move(name), options).read(text);
}

} // namespace rollcheck
