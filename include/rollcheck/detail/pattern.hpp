/// \file detail/pattern.hpp
/// Operator-given patterns, compiled with RE2: linear-time matching whatever
/// the pattern or the text, and a refused pattern is a value, not a crash.
#pragma once

#include <cctype>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <re2/re2.h>

namespace rollcheck::detail {

/// `pattern` compiled with `options`, or nullptr with `why` naming it as
/// `role` ("forbidden pattern '(' is not a valid RE2 regular expression: …").
/// Every operator-given pattern goes through here, so every refusal reads alike.
[[nodiscard]] inline std::unique_ptr<RE2> compile_pattern(const std::string& pattern,
                                                          std::string& why,
                                                          RE2::Options options = {},
                                                          std::string_view role = "pattern") {
    options.set_log_errors(false); // the reason goes into the result, not to stderr
    auto re = std::make_unique<RE2>(pattern, options);
    if (re->ok()) return re;
    std::string reason = re->error();
    if (re->error_code() == RE2::ErrorBadEscape && re->error_arg().size() == 2 &&
        std::isdigit(static_cast<unsigned char>(re->error_arg()[1])))
        reason += " (backreferences need a backtracking engine; they are not supported)";
    why = fmt::format("{} '{}' is not a valid RE2 regular expression: {}", role, pattern, reason);
    return nullptr;
}

/// True when `re` matches anywhere in `text`.
[[nodiscard]] inline bool search(const RE2& re, std::string_view text) {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

} // namespace rollcheck::detail
