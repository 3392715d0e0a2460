/// \file detail/logs/patterns.hpp
/// The log scanner's patterns: validated by RE2 (which also decides each
/// line in the end), compiled together into one Vectorscan streaming
/// database for the hot path; a pattern Vectorscan cannot compile is
/// matched line by line with RE2 instead. Both engines run in linear time.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <hs/hs.h>
#include <re2/re2.h>

#include "../pattern.hpp"

namespace rollcheck::detail {

/// What a pattern is for.
enum class pattern_role { error, exclude, require };

[[nodiscard]] inline std::string_view role_name(pattern_role role) {
    switch (role) {
    case pattern_role::error:
        return "error pattern";
    case pattern_role::exclude:
        return "exclusion";
    case pattern_role::require:
        return "required pattern";
    }
    return "pattern";
}

struct log_pattern {
    std::string text;
    pattern_role role = pattern_role::error;
    std::size_t min_count = 0; ///< for required patterns
    bool locate_last = false;  ///< report where it last matched
    std::unique_ptr<RE2> re;
    /// Vectorscan scans a stream, not lines: a pattern that can match a
    /// newline may report a match spanning two lines, so its lines are
    /// confirmed with RE2.
    bool confirm_per_line = false;
    /// False when Vectorscan could not compile it: matched line by line.
    bool in_database = true;
    std::string database_note; ///< why Vectorscan refused it
};

/// Conservative: true unless the pattern plainly cannot match '\n' (no
/// negated class, no escape letter such as \s or \x0a, no inline flags, no
/// POSIX class that holds a newline, no raw control byte).
[[nodiscard]] inline bool may_match_newline(std::string_view p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20) return true;
        if (c == '\\' && i + 1 < p.size() && std::isalnum(static_cast<unsigned char>(p[i + 1])))
            return true;
        if (c == '\\') ++i;
    }
    for (const std::string_view risky : {"[^", "(?", "[:space:]", "[:cntrl:]"})
        if (p.find(risky) != std::string_view::npos) return true;
    return false;
}

/// `p` with its anchors (`^`, `$`, `\\A`, `\\z`) dropped: a pattern that
/// matches a JSON record's message matches, so stripped, the record's raw
/// line, where the message stands between quotes. Classes and `\\Q…\\E`
/// are copied as they are.
[[nodiscard]] inline std::string without_anchors(std::string_view p) {
    std::string out;
    bool in_class = false;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        const char next = i + 1 < p.size() ? p[i + 1] : '\0';
        if (c == '\\' && next == 'Q' && !in_class) {
            const auto end = p.find("\\E", i + 2);
            const auto stop = end == std::string_view::npos ? p.size() : end + 2;
            out.append(p.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '\\' && (next == 'A' || next == 'z') && !in_class) {
            ++i;
        } else if (c == '\\' && next != '\0') {
            out += {c, next};
            ++i;
        } else if (in_class && c == '[' && next == ':') {
            const auto end = p.find(":]", i + 2);
            const auto stop = end == std::string_view::npos ? p.size() : end + 2;
            out.append(p.substr(i, stop - i));
            i = stop - 1;
        } else if (in_class) {
            out += c;
            in_class = c != ']';
        } else if (c == '[') {
            in_class = true;
            out += c;
            for (const char lead : {'^', ']'})
                if (i + 1 < p.size() && p[i + 1] == lead) out += p[++i];
        } else if (c != '^' && c != '$') {
            out += c;
        }
    }
    return out;
}

/// Marks the raw JSON lines whose text differs from the decoded one: any
/// escape but the `\\n` that ends a message. Such a record is decoded even
/// when no pattern matched its raw bytes.
inline constexpr const char* json_escape_pattern = R"(\\([^n]|n[^"]))";
/// The same, but for Docker's `\\u003c`, `\\u003e` and `\\u0026` (it writes
/// `<`, `>` and `&` so): used when no pattern can match those characters.
inline constexpr const char* json_escape_but_markup_pattern =
    R"(\\([^nu]|n[^"]|u([^0]|0[^0]|00[^23]|002[^6]|003[^ce])))";

/// Conservative: true unless the pattern plainly cannot match `<`, `>` or
/// `&`: none of them, no `.`, no escape, no inline flags, and only classes
/// that are not negated and whose ranges leave them out.
[[nodiscard]] inline bool may_match_markup(std::string_view p) {
    if (p.find_first_of("<>&.\\") != std::string_view::npos ||
        p.find("(?") != std::string_view::npos)
        return true;
    for (auto open = p.find('['); open != std::string_view::npos; open = p.find('[', open + 1)) {
        const auto close = p.find(']', open + 2);
        if (close == std::string_view::npos || p[open + 1] == '^') return true;
        const auto body = p.substr(open + 1, close - open - 1);
        if (body.find('[') != std::string_view::npos) return true; // [:punct:], [:print:], …
        for (std::size_t i = 1; i + 1 < body.size(); ++i)
            if (body[i] == '-' && ((body[i - 1] <= '&' && body[i + 1] >= '&') ||
                                   (body[i - 1] <= '>' && body[i + 1] >= '<')))
                return true;
        open = close;
    }
    return false;
}

struct hs_database_deleter {
    void operator()(hs_database_t* db) const noexcept { hs_free_database(db); }
};
struct hs_scratch_deleter {
    void operator()(hs_scratch_t* s) const noexcept { hs_free_scratch(s); }
};

/// All patterns of one scan; `compile` validates them and builds the database.
class pattern_set {
public:
    void add(std::string text, pattern_role role, std::size_t min_count = 0,
             bool locate_last = false) {
        log_pattern p;
        p.text = std::move(text);
        p.role = role;
        p.min_count = min_count;
        p.locate_last = locate_last;
        patterns_.push_back(std::move(p));
    }

    /// Compiles everything; returns what is wrong (naming the pattern), or "".
    /// For JSON lines (`records`), the database matches raw lines as a
    /// prefilter: each pattern without its anchors, and one more pattern,
    /// id `escape_id()`, for the lines that must be decoded anyway.
    [[nodiscard]] std::string compile(bool ignore_case, bool records = false) {
        records_ = records;
        RE2::Options options;
        options.set_encoding(RE2::Options::EncodingLatin1); // bytes, as grep in the C locale
        options.set_case_sensitive(!ignore_case);
        options.set_log_errors(false);
        for (auto& p : patterns_) {
            if (p.text.empty()) return fmt::format("{} is empty", role_name(p.role));
            std::string why;
            p.re = compile_pattern(p.text, why, options, role_name(p.role));
            if (!p.re) return why;
            p.confirm_per_line = may_match_newline(p.text);
        }
        return build_database(ignore_case);
    }

    [[nodiscard]] const std::vector<log_pattern>& patterns() const noexcept { return patterns_; }
    [[nodiscard]] const hs_database_t* database() const noexcept { return database_.get(); }
    /// The id the database reports the first NUL byte of a stream with:
    /// the scan learns that a log is not text in its one pass over it.
    [[nodiscard]] unsigned nul_id() const noexcept {
        return static_cast<unsigned>(patterns_.size());
    }
    /// For JSON records, the id of a raw line to decode whatever matched it.
    [[nodiscard]] unsigned escape_id() const noexcept {
        return static_cast<unsigned>(patterns_.size() + 1);
    }
    [[nodiscard]] bool has_line_patterns() const noexcept {
        for (const auto& p : patterns_)
            if (!p.in_database) return true;
        return false;
    }

private:
    /// Compiles the patterns Vectorscan accepts into one streaming database;
    /// each one it refuses goes to RE2 and the rest is compiled again.
    std::string build_database(bool ignore_case) {
        for (auto& p : patterns_)
            route_empty_matches(p, ignore_case);
        for (;;) {
            std::vector<std::string> texts;
            std::vector<unsigned> flags, ids;
            for (std::size_t i = 0; i < patterns_.size(); ++i) {
                if (!patterns_[i].in_database) continue;
                texts.push_back(records_ ? without_anchors(patterns_[i].text) : patterns_[i].text);
                flags.push_back(HS_FLAG_MULTILINE | (ignore_case ? HS_FLAG_CASELESS : 0U));
                ids.push_back(static_cast<unsigned>(i));
            }
            if (texts.empty() && !records_) return {};
            texts.emplace_back("\\x00");
            flags.push_back(HS_FLAG_SINGLEMATCH);
            ids.push_back(nul_id());
            if (records_) {
                const bool markup =
                    std::any_of(patterns_.begin(), patterns_.end(),
                                [](const log_pattern& p) { return may_match_markup(p.text); });
                texts.emplace_back(markup ? json_escape_pattern : json_escape_but_markup_pattern);
                flags.push_back(0U);
                ids.push_back(escape_id());
            }
            std::vector<const char*> expressions;
            for (const auto& t : texts)
                expressions.push_back(t.c_str());
            hs_database_t* db = nullptr;
            hs_compile_error_t* error = nullptr;
            const auto rc = hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                                             static_cast<unsigned>(expressions.size()),
                                             HS_MODE_STREAM, nullptr, &db, &error);
            if (rc == HS_SUCCESS) {
                database_.reset(db);
                return {};
            }
            const std::string message = error->message;
            const int index = error->expression;
            hs_free_compile_error(error);
            if (index < 0 || ids[static_cast<std::size_t>(index)] >= nul_id())
                return fmt::format("Vectorscan could not compile the patterns: {}", message);
            auto& refused = patterns_[ids[static_cast<std::size_t>(index)]];
            refused.in_database = false;
            refused.database_note = message;
        }
    }

    /// Vectorscan reports a match by its end offset alone; an empty match
    /// (`^$`, `$`) would place a line start at the end of the line before,
    /// so patterns that can match empty go line by line.
    void route_empty_matches(log_pattern& p, bool ignore_case) const {
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* error = nullptr;
        const unsigned flags =
            HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY | (ignore_case ? HS_FLAG_CASELESS : 0U);
        const std::string text = records_ ? without_anchors(p.text) : p.text;
        if (hs_expression_info(text.c_str(), flags, &info, &error) != HS_SUCCESS) {
            hs_free_compile_error(error);
            return; // compiling says why, below
        }
        if (info->min_width == 0) {
            p.in_database = false;
            p.database_note = "can match an empty string: matched line by line";
        }
        std::free(info);
    }

    std::vector<log_pattern> patterns_;
    std::unique_ptr<hs_database_t, hs_database_deleter> database_;
    bool records_ = false;
};

} // namespace rollcheck::detail
