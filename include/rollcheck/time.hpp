/// \file time.hpp
/// Times and durations as operators write them, on the command line and in
/// target files: one reading for every option that takes one.
///
/// ```cpp
/// std::string why;
/// const auto window = rollcheck::parse_duration("1h30m", why); // 90 minutes
/// const auto since = rollcheck::parse_since("30m", why);       // 30 minutes ago
/// if (!window || !since) throw std::invalid_argument(why);
/// fmt::print("{} from {}\n", rollcheck::describe_span(*window), rollcheck::format_utc(*since));
/// ```
#pragma once

#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "detail/inline.hpp"
#include "detail/logs/time.hpp"
#include "wording.hpp"

namespace rollcheck {

using time_point = std::chrono::system_clock::time_point;

/// "250ms", "90s", "15m", "1h", "7d", or parts of them together ("1h30m").
/// Nothing, with `why` naming the text, when it is not a duration.
[[nodiscard]] ROLLCHECK_INLINE std::optional<std::chrono::milliseconds>
parse_duration(std::string_view text, std::string& why);

/// A point in time: ISO 8601 as people write it (`2026-11-28T09:26:24Z`,
/// `2026-11-28 09:26:24+01:00`, fractions, `T` or a space; without a zone it
/// is local time), Python logging's `2026-11-28 09:26:24,123`, syslog's
/// `Nov 28 09:26:24`, Unix epoch seconds, or a date alone (local midnight).
[[nodiscard]] ROLLCHECK_INLINE std::optional<time_point>
parse_time(std::string_view text, std::string& why, time_point now = {});

/// When a window starts: a time as parse_time reads it, or a duration
/// meaning that long before `now` ("30m": thirty minutes ago).
[[nodiscard]] ROLLCHECK_INLINE std::optional<time_point>
parse_since(std::string_view text, std::string& why, time_point now = {});

/// `t` as ISO 8601 in UTC to the millisecond: "2026-11-28T09:26:24.123Z".
[[nodiscard]] ROLLCHECK_INLINE std::string format_utc(time_point t);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/time_impl.hpp"
#endif
