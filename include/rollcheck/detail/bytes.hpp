/// \file detail/bytes.hpp
/// Sizes as messages show them.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace rollcheck::detail {

/// "812 bytes", "340 KiB", "61.4 MiB".
[[nodiscard]] inline std::string describe_bytes(std::uint64_t n) {
    if (n < 10 * 1024) return fmt::format("{} bytes", n);
    if (n < 10 * 1024 * 1024) return fmt::format("{} KiB", n / 1024);
    return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024.0));
}

} // namespace rollcheck::detail
