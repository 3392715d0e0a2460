/// \file detail/text.hpp
/// Wording shared by the verifiers' summaries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace rollcheck::detail {

/// "1 line", "3 lines": a count and its noun, for summaries.
inline std::string counted(std::size_t n, std::string_view singular, std::string_view plural = {}) {
    if (n == 1) return fmt::format("1 {}", singular);
    return plural.empty() ? fmt::format("{} {}s", n, singular) : fmt::format("{} {}", n, plural);
}

} // namespace rollcheck::detail
