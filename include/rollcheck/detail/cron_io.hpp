/// \file detail/cron_io.hpp
/// Reading what the cron verifiers read: whole files with the reason they
/// cannot be read, and the time at the start of a log line.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "cron_tz.hpp"

namespace rollcheck::detail {

/// The whole of `path`, or nothing with `error` saying why ("no such file",
/// "is a directory", "Permission denied", "Not a directory" …).
[[nodiscard]] inline std::optional<std::string> read_whole_file(const std::filesystem::path& path,
                                                                std::string& error,
                                                                std::uintmax_t limit = 256u << 20) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        error = fmt::format("cannot read '{}': is a directory", path.string());
        return std::nullopt;
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno));
        return std::nullopt;
    }
    std::string data;
    char buffer[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
        data.append(buffer, n);
        if (data.size() > limit) {
            std::fclose(f);
            error = fmt::format("cannot read '{}': larger than {} bytes", path.string(), limit);
            return std::nullopt;
        }
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) {
        error = fmt::format("cannot read '{}': {}", path.string(), std::strerror(err));
        return std::nullopt;
    }
    return data;
}

/// Seconds since the epoch of the time a log line starts with (after an
/// optional '['): ISO 8601 `YYYY-MM-DD[T ]HH:MM[:SS[.,frac]][Z|±HH[:]MM]`
/// or syslog's `Mon DD HH:MM:SS` (its year taken so the time is not after
/// `now`). Times without an offset are read on `zone`'s clock.
[[nodiscard]] inline std::optional<std::int64_t>
log_line_time(const std::string& line, const tz_zone& zone, std::int64_t now) {
    const char* s = line.c_str() + (line.rfind('[', 0) == 0 ? 1 : 0);
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
    std::optional<std::int32_t> offset;
    bool syslog = false; // no year: the latest year that does not put the line in the future
    if (std::sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) == 5) {
        s += used;
        if (std::sscanf(s, ":%2d%n", &sec, &used) == 1) s += used;
        if (*s == '.' || *s == ',')
            for (++s; *s >= '0' && *s <= '9'; ++s) {
            }
        int oh = 0, om = 0;
        if (*s == 'Z')
            offset = 0;
        else if ((*s == '+' || *s == '-') && (std::sscanf(s + 1, "%2d:%2d", &oh, &om) == 2 ||
                                              std::sscanf(s + 1, "%2d%2d", &oh, &om) == 2))
            offset = (*s == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
        static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        char name[4] = {};
        if (std::sscanf(s, "%3s %2d %2d:%2d:%2d", name, &d, &h, &mi, &sec) != 5)
            return std::nullopt;
        for (int m = 0; m < 12; ++m)
            if (std::strcmp(name, months[m]) == 0) mo = m + 1;
        if (mo == 0) return std::nullopt;
        y = static_cast<int>(civil_from_days(posix_tz_rule::floor_div(now, 86400)).year);
        syslog = true;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    const auto local_of = [&](int year) {
        return days_from_civil(year, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
               h * 3600 + mi * 60 + sec;
    };
    if (offset) return local_of(y) - *offset;
    const auto on_clock = [&](std::int64_t local) {
        return local - zone.offset_at(local - zone.offset_at(local));
    };
    const std::int64_t t = on_clock(local_of(y));
    return syslog && t > now + 86400 ? on_clock(local_of(y - 1)) : t;
}

} // namespace rollcheck::detail
