/// \file crontab.hpp
/// A whole crontab as cron reads it: environment lines, entries (user
/// format, or system format with a user field), comments, and every problem
/// located by file, line and column.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cron_schedule.hpp"
#include "detail/inline.hpp"

namespace rollcheck {
/// How bad a crontab problem is: cron rejects the line, or accepts it and it bites.
enum class cron_severity { error, warning };

/// One problem, located: "crontab:3:3: minute 60 out of range 0-59".
struct cron_diagnostic {
    std::string file;
    std::size_t line = 0;   ///< 1-based; 0 for the file as a whole
    std::size_t column = 0; ///< 1-based, in bytes
    cron_severity severity = cron_severity::error;
    std::string message;

    /// "file:line:column: message", warnings as "file:line:column: warning: message".
    [[nodiscard]] std::string text() const {
        const auto where = line == 0 ? file : fmt::format("{}:{}:{}", file, line, column);
        return fmt::format("{}: {}{}", where, severity == cron_severity::warning ? "warning: " : "",
                           message);
    }
};

/// An environment line (`NAME=value`), value unquoted as cron does.
struct cron_variable {
    std::string name;
    std::string value;
    std::size_t line = 0;
};

/// A job line.
struct cron_entry {
    std::string file;
    std::size_t line = 0;
    cron_schedule schedule;
    std::string user;    ///< system format only
    std::string command; ///< as written, '%' and all
    std::string zone;    ///< CRON_TZ in effect for it; empty: the reader's zone
    std::string path;    ///< PATH in effect for it; empty: cron's default

    /// The command with runs of blanks made one space and ends trimmed.
    [[nodiscard]] std::string normalized_command() const;
    /// What makes two entries the same job: fire times, user and command.
    [[nodiscard]] std::string identity() const {
        return fmt::format("{}\t{}\t{}\t{}", schedule.canonical(), zone, user,
                           normalized_command());
    }
    /// "file:line".
    [[nodiscard]] std::string where() const { return fmt::format("{}:{}", file, line); }
    /// The entry as a crontab line, whitespace normalised.
    [[nodiscard]] std::string display() const {
        return fmt::format("{}{}{} {}", schedule.text, user.empty() ? "" : " ", user,
                           normalized_command());
    }
};

/// A parsed crontab.
struct crontab {
    std::string name;    ///< the file, or the command that listed it
    bool system = false; ///< the format with a user field
    std::vector<cron_entry> entries;
    std::vector<cron_variable> environment;
    std::vector<cron_diagnostic> diagnostics;

    [[nodiscard]] std::size_t count(cron_severity s) const {
        std::size_t n = 0;
        for (const auto& d : diagnostics)
            n += d.severity == s ? 1 : 0;
        return n;
    }
};

/// How to read a crontab.
struct crontab_options {
    bool system = false;                        ///< lines carry a user field after the schedule
    bool check_programs = true;                 ///< warn about a command whose program is not found
    std::string default_path = "/usr/bin:/bin"; ///< cron's PATH when the crontab sets none
};

/// Reads `text` as a crontab named `name` (for messages). Never throws for
/// the content: every problem is a diagnostic.
[[nodiscard]] ROLLCHECK_INLINE crontab parse_crontab(std::string_view text, std::string name,
                                                     const crontab_options& options = {});

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/cron/crontab_impl.hpp"
#endif
