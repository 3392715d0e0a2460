/// \file detail/pattern.hpp
/// Operator-given patterns, compiled with RE2: linear-time matching whatever
/// the pattern or the text, and a refused pattern is a value, not a crash.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <re2/re2.h>

namespace rollcheck::detail {

/// `pattern` compiled, or nullptr with `why` naming the pattern and RE2's reason.
[[nodiscard]] inline std::unique_ptr<RE2> compile_pattern(const std::string& pattern,
                                                          std::string& why) {
    RE2::Options options;
    options.set_log_errors(false); // the reason goes into the result, not to stderr
    auto re = std::make_unique<RE2>(pattern, options);
    if (re->ok()) return re;
    why =
        fmt::format("pattern '{}' is not a valid RE2 regular expression: {}", pattern, re->error());
    return nullptr;
}

/// True when `re` matches anywhere in `text`.
[[nodiscard]] inline bool search(const RE2& re, std::string_view text) {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

} // namespace rollcheck::detail
