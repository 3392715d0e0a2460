/// \file spans.hpp
/// Time spans as the database verifiers' messages show them, and as
/// PostgreSQL reads them in a bound parameter.
#pragma once

#include <chrono>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace rollcheck::detail {

/// "45 s", "12m 5s", "3h 40m", "2d 3h": the two largest units, rounded down.
inline std::string human_span(double seconds) {
    const auto total = static_cast<long long>(std::floor(std::fabs(seconds)));
    const long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60,
                    secs = total % 60;
    if (days > 0) return hours > 0 ? fmt::format("{}d {}h", days, hours) : fmt::format("{}d", days);
    if (hours > 0)
        return minutes > 0 ? fmt::format("{}h {}m", hours, minutes) : fmt::format("{}h", hours);
    if (minutes > 0)
        return secs > 0 ? fmt::format("{}m {}s", minutes, secs) : fmt::format("{}m", minutes);
    if (total == 0 && std::fabs(seconds) > 0) return fmt::format("{:.1f} s", std::fabs(seconds));
    return fmt::format("{} s", secs);
}

inline std::string human_span(std::chrono::milliseconds span) {
    return human_span(static_cast<double>(span.count()) / 1000.0);
}

/// The value of an `$n::interval` parameter.
inline std::string interval_parameter(std::chrono::milliseconds span) {
    return fmt::format("{} milliseconds", span.count());
}

} // namespace rollcheck::detail
