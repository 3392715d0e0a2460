/// \file detail/plan/references.hpp
/// A plan's references to the target's values: `${database.table}` (the
/// value must be given), `${cron.user?}` (left out when not given) and
/// `${rollback.since:-1h}` (this text when not given); `$${` is a literal
/// `${`. A value is a list of words: a reference that is a whole option
/// value stands for each of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace rollcheck::detail::plan {

/// What a reference does when the target does not give its value.
enum class when_missing { error, omit, fallback };

/// One piece of a text: literal text, or a reference.
struct piece {
    std::string text; ///< the literal text, or the reference's name
    bool reference = false;
    when_missing missing = when_missing::error;
    std::string fallback; ///< for when_missing::fallback
};

/// `text` cut into literal text and references; none with `why` set when a
/// reference is malformed.
[[nodiscard]] inline std::optional<std::vector<piece>> split_references(std::string_view text,
                                                                        std::string& why) {
    std::vector<piece> pieces;
    std::string literal;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 3, "$${") == 0) {
            literal += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            literal += text[i++];
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            why = fmt::format("'{}': a reference opened with ${{ is not closed with }}", text);
            return std::nullopt;
        }
        piece ref;
        ref.reference = true;
        std::string body(text.substr(i + 2, close - i - 2));
        if (const auto dash = body.find(":-"); dash != std::string::npos) {
            ref.missing = when_missing::fallback;
            ref.fallback = body.substr(dash + 2);
            body.resize(dash);
        } else if (!body.empty() && body.back() == '?') {
            ref.missing = when_missing::omit;
            body.pop_back();
        }
        const auto allowed = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || c == '.';
        };
        if (body.empty() || body.find('.') == std::string::npos ||
            !std::all_of(body.begin(), body.end(), allowed)) {
            why = fmt::format("'${{{}}}': a reference names a value as section.key "
                              "(database.table), then ? or :-fallback",
                              std::string(text.substr(i + 2, close - i - 2)));
            return std::nullopt;
        }
        if (!literal.empty()) pieces.push_back({std::exchange(literal, {}), false, {}, {}});
        ref.text = std::move(body);
        pieces.push_back(std::move(ref));
        i = close + 1;
    }
    if (!literal.empty()) pieces.push_back({std::move(literal), false, {}, {}});
    return pieces;
}

/// The names of the target's values a reference can name, as the target
/// file spells them; `[pipeline]` holds any name, and `rollback.since` is
/// the run's.
inline constexpr std::string_view value_names[] = {"project.root",
                                                   "project.python",
                                                   "project.revision",
                                                   "project.environment",
                                                   "project.entry_points",
                                                   "project.old_modules",
                                                   "database.dsn",
                                                   "database.table",
                                                   "database.key",
                                                   "database.timestamp",
                                                   "database.backup",
                                                   "database.baseline",
                                                   "database.max_scan_rows",
                                                   "backup.restore_check",
                                                   "backup.scratch_dsn",
                                                   "backup.bindir",
                                                   "cron.crontab",
                                                   "cron.user",
                                                   "cron.snapshot",
                                                   "cron.schedule",
                                                   "cron.command",
                                                   "cron.syslog",
                                                   "cron.journal",
                                                   "logs.files",
                                                   "logs.errors",
                                                   "logs.progress",
                                                   "api.url",
                                                   "api.host",
                                                   "api.port",
                                                   "rollback.since"};

} // namespace rollcheck::detail::plan
