/// \file wording.hpp
/// The wording every summary and message shares, the verifiers', the command
/// line's and the suites': counts with their nouns, verbs that agree with a
/// count, time spans and sizes. One helper for each, so that "1 row" and
/// "2 rows" read the same everywhere.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace rollcheck {

/// "1 line", "3 lines": a count and its noun (`plural` for irregular nouns).
[[nodiscard]] inline std::string counted(std::size_t n, std::string_view singular,
                                         std::string_view plural = {}) {
    if (n == 1) return fmt::format("1 {}", singular);
    return plural.empty() ? fmt::format("{} {}s", n, singular) : fmt::format("{} {}", n, plural);
}

/// The word that agrees with `n`: `agreeing(n, "is", "are")`.
[[nodiscard]] inline std::string_view agreeing(std::size_t n, std::string_view one,
                                               std::string_view many) {
    return n == 1 ? one : many;
}

/// "250 ms", "4.5 s", "12m 5s", "3h 40m", "2d 3h": below a second in
/// milliseconds, below a minute in seconds, above in the two largest units
/// (rounded down). Negative spans read as their length.
[[nodiscard]] inline std::string describe_span(std::chrono::milliseconds span) {
    const long long ms = span.count() < 0 ? -span.count() : span.count();
    if (ms < 1000) return fmt::format("{} ms", ms);
    if (ms < 60'000)
        return ms % 1000 == 0 ? fmt::format("{} s", ms / 1000)
                              : fmt::format("{:.1f} s", static_cast<double>(ms / 100) / 10.0);
    const long long total = ms / 1000;
    const long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60,
                    secs = total % 60;
    if (days > 0) return hours > 0 ? fmt::format("{}d {}h", days, hours) : fmt::format("{}d", days);
    if (hours > 0)
        return minutes > 0 ? fmt::format("{}h {}m", hours, minutes) : fmt::format("{}h", hours);
    return secs > 0 ? fmt::format("{}m {}s", minutes, secs) : fmt::format("{}m", minutes);
}

/// The same for a span in seconds, as the database reports ages.
[[nodiscard]] inline std::string describe_span(double seconds) {
    return describe_span(
        std::chrono::milliseconds(static_cast<long long>(std::floor(std::fabs(seconds) * 1000))));
}

/// "1 byte", "812 bytes", "340 KiB", "61.4 MiB".
[[nodiscard]] inline std::string describe_bytes(std::uint64_t n) {
    if (n < 10 * 1024) return counted(static_cast<std::size_t>(n), "byte");
    if (n < 10 * 1024 * 1024) return fmt::format("{} KiB", n / 1024);
    return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024.0));
}

} // namespace rollcheck
