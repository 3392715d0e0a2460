/// \file detail/process/output.hpp
/// Reading a command's output: its last lines, and pytest's counts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace rollcheck::detail {

/// The last `count` lines of `text` (a final newline ends a line, it does not start one).
inline std::vector<std::string> last_lines(std::string_view text, std::size_t count) {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    std::vector<std::string> lines;
    while (!text.empty() && lines.size() < count) {
        const auto newline = text.rfind('\n');
        const auto begin = newline == std::string_view::npos ? 0 : newline + 1;
        lines.emplace(lines.begin(), text.substr(begin));
        text = text.substr(0, newline == std::string_view::npos ? 0 : newline);
    }
    return lines;
}

/// The counts of pytest's final summary line ("=== 2 failed, 9 passed, 1 warning in 0.31s ==="),
/// searched from the end of `out`; an empty object when there is none.
inline nlohmann::json pytest_counts(std::string_view out) {
    static const RE2 summary_line(R"(^=*\s*(\d+ [a-z]+(?:, \d+ [a-z]+)*) in \d+(?:\.\d+)?s\b)");
    static const RE2 count(R"((\d+) ([a-z]+))");
    for (const auto& line : last_lines(out, 50)) {
        std::string counts;
        if (!RE2::PartialMatch(line, summary_line, &counts)) continue;
        nlohmann::json found = nlohmann::json::object();
        re2::StringPiece rest(counts);
        std::string name;
        long long n = 0;
        while (RE2::FindAndConsume(&rest, count, &n, &name)) {
            // pytest says "1 error" but "2 errors": one key per kind.
            if (name == "errors" || name == "warnings") name.pop_back();
            found[name] = n;
        }
        return found;
    }
    return nlohmann::json::object();
}

} // namespace rollcheck::detail
