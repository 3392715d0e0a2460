/// \file detail/logs/since.hpp
/// `--since`: where in a log the lines at or after a time begin. A log
/// whose timestamps rise is searched by bisection, so the last percent of a
/// gigabyte costs a few reads, not a pass over the whole file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "line_clock.hpp"
#include "source.hpp"
#include "time.hpp"

namespace rollcheck::detail {

/// Lines looked at, from a point, for the next timestamp.
inline constexpr int timestamp_search_lines = 64;

struct timed_line {
    std::uint64_t start = 0;
    log_millis time = 0;
};

/// Start of the first line at or after `pos`.
[[nodiscard]] inline std::uint64_t next_line_start(block_reader& reader, std::uint64_t pos) {
    return pos == 0 ? 0 : std::min(reader.end(), reader.line_end(pos - 1) + 1);
}

/// The first line with a timestamp among the next few lines from `pos`.
[[nodiscard]] inline std::optional<timed_line>
next_timestamp(block_reader& reader, const line_clock& clock, std::uint64_t pos) {
    pos = next_line_start(reader, pos);
    for (int k = 0; k < timestamp_search_lines && pos < reader.end(); ++k) {
        if (const auto t = clock.at(reader, pos)) return timed_line{pos, *t};
        pos = reader.line_end(pos) + 1;
    }
    return std::nullopt;
}

/// The last line with a timestamp among the few lines before `end`.
[[nodiscard]] inline std::optional<log_millis> last_timestamp(block_reader& reader,
                                                              const line_clock& clock,
                                                              std::uint64_t begin,
                                                              std::uint64_t end) {
    std::uint64_t pos = end;
    for (int k = 0; k < timestamp_search_lines && pos > begin; ++k) {
        const std::uint64_t start = reader.line_start(pos - 1);
        if (const auto t = clock.at(reader, start)) return t;
        pos = start;
    }
    return std::nullopt;
}

/// True when timestamps sampled across [begin, end) never go back in time.
[[nodiscard]] inline bool timestamps_rise(block_reader& reader, const line_clock& clock,
                                          std::uint64_t begin, std::uint64_t end) {
    constexpr int samples = 32;
    std::optional<log_millis> previous;
    for (int i = 0; i < samples; ++i) {
        const auto at = next_timestamp(reader, clock, begin + (end - begin) / samples * i);
        if (!at) continue;
        if (previous && at->time < *previous) return false;
        previous = at->time;
    }
    return true;
}

/// The offset of the first line of [begin, end) whose event is at or after
/// `since`: by bisection when the timestamps rise, else `begin` (the scan
/// then filters line by line).
[[nodiscard]] inline std::uint64_t since_offset(block_reader& reader, const line_clock& clock,
                                                std::uint64_t begin, std::uint64_t end,
                                                log_millis since) {
    if (!timestamps_rise(reader, clock, begin, end)) return begin;
    std::uint64_t lo = begin, hi = end;
    while (hi - lo > 64 * 1024) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        const auto at = next_timestamp(reader, clock, mid);
        if (at && at->time < since)
            lo = mid;
        else
            hi = mid;
    }
    for (std::uint64_t pos = next_line_start(reader, lo); pos < end; pos = reader.line_end(pos) + 1)
        if (const auto t = clock.at(reader, pos); t && *t >= since) return pos;
    return end;
}

} // namespace rollcheck::detail
