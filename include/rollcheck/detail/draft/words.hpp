/// \file detail/draft/words.hpp
/// The words of a runbook's prose: case, blanks, whole words, the risk a
/// heading names, a recovery time's upper bound, "Key: value" lines.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace rollcheck::detail::draft {

// Words ----------------------------------------------------------------------------

[[nodiscard]] inline std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

[[nodiscard]] inline std::string trim(std::string_view text, std::string_view blanks = " \t\r\n") {
    const auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(blanks);
    return std::string(text.substr(first, last - first + 1));
}

/// Whether `word` occurs in `text` as a whole word (case as given).
[[nodiscard]] inline bool has_word(std::string_view text, std::string_view word) {
    const auto is_letter = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !is_letter(text[at - 1]);
        const auto end = at + word.size();
        if (starts && (end == text.size() || !is_letter(text[end]))) return true;
    }
    return false;
}

/// "critical", "high", "medium" or "low" as `text` names a risk, else "".
[[nodiscard]] inline std::string risk_of(std::string_view text) {
    const auto t = lower(text);
    if (has_word(t, "critical")) return "critical";
    for (const auto& [word, level] :
         {std::pair{"high", "high"}, {"medium", "medium"}, {"moderate", "medium"}, {"low", "low"}})
        for (const auto& form : {fmt::format("{} risk", word), fmt::format("{}-risk", word),
                                 fmt::format("risk: {}", word), fmt::format("severity: {}", word)})
            if (has_word(t, form)) return level;
    return {};
}

// Durations --------------------------------------------------------------------------

/// `seconds` as the plan writes a duration: "1h", "1h30m", "15m", "90s".
[[nodiscard]] inline std::string duration_text(long long seconds) {
    if (seconds % 60 != 0) return fmt::format("{}s", seconds);
    const auto minutes = seconds / 60;
    if (minutes % 60 == 0) return fmt::format("{}h", minutes / 60);
    if (minutes > 60) return fmt::format("{}h{}m", minutes / 60, minutes % 60);
    return fmt::format("{}m", minutes);
}

/// The upper bound of a recovery time as a runbook words it ("< 5
/// minutes", "10-15 minutes", "30-60 minutes (database restore)", "1-2
/// hours", "90 seconds"), in seconds; 0 when it holds none.
[[nodiscard]] inline long long recovery_seconds(std::string_view text) {
    const auto t = lower(text);
    long long most = 0;
    std::vector<double> pending; // numbers waiting for their unit: "10-15 minutes"
    std::size_t i = 0;
    while (i < t.size()) {
        if (std::isdigit(static_cast<unsigned char>(t[i])) == 0) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) != 0 ||
                                  (t[end] == '.' && end + 1 < t.size() &&
                                   std::isdigit(static_cast<unsigned char>(t[end + 1])) != 0)))
            ++end;
        // Read by hand: no locale, no exception, and a number no recovery
        // time has (more digits than a year of seconds) is no number here.
        double number = 0, scale_down = 1;
        bool fraction = false;
        for (std::size_t k = i; k < end; ++k) {
            if (t[k] == '.') {
                fraction = true;
            } else if (fraction) {
                scale_down *= 10;
                number += (t[k] - '0') / scale_down;
            } else {
                number = number * 10 + (t[k] - '0');
            }
        }
        if (number < 1e8) pending.push_back(number);
        std::size_t u = end;
        while (u < t.size() && t[u] == ' ')
            ++u;
        std::size_t unit_end = u;
        while (unit_end < t.size() && std::isalpha(static_cast<unsigned char>(t[unit_end])) != 0)
            ++unit_end;
        const auto unit = t.substr(u, unit_end - u);
        long long scale = 0;
        if (unit == "s" || unit.rfind("sec", 0) == 0) scale = 1;
        if (unit == "m" || unit.rfind("min", 0) == 0) scale = 60;
        if (unit == "h" || unit == "hr" || unit == "hrs" || unit.rfind("hour", 0) == 0)
            scale = 3600;
        if (unit == "d" || unit.rfind("day", 0) == 0) scale = 86400;
        if (scale != 0) {
            for (const double n : pending)
                most = std::max(most, static_cast<long long>(n * static_cast<double>(scale)));
            pending.clear();
        } else if (!unit.empty() && unit != "to") {
            pending.clear();
        }
        i = unit_end > end ? unit_end : end;
    }
    return most;
}

/// `text` as an id: lower-case letters, digits and dashes.
[[nodiscard]] inline std::string slug(std::string_view text) {
    std::string out;
    for (const char c : lower(text)) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0)
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
        if (out.size() >= 40) break;
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? "phase" : out;
}

/// A "Key: value" line as (key in lower case, marks dropped; value), or nothing.
[[nodiscard]] inline std::optional<std::pair<std::string, std::string>>
label_value(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto key = lower(trim(line.substr(0, colon), " \t*_-"));
    std::replace(key.begin(), key.end(), '_', ' ');
    return std::make_pair(key, trim(line.substr(colon + 1), " \t*"));
}

} // namespace rollcheck::detail::draft
