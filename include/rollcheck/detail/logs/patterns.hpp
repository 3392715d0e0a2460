/// \file detail/logs/patterns.hpp
/// The log scanner's patterns: validated by RE2 (which also decides each
/// line in the end), compiled together into one Vectorscan streaming
/// database for the hot path; a pattern Vectorscan cannot compile is
/// matched line by line with RE2 instead. Both engines run in linear time.
#pragma once

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
    [[nodiscard]] std::string compile(bool ignore_case) {
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
            std::vector<const char*> expressions;
            std::vector<unsigned> flags, ids;
            for (std::size_t i = 0; i < patterns_.size(); ++i) {
                if (!patterns_[i].in_database) continue;
                expressions.push_back(patterns_[i].text.c_str());
                flags.push_back(HS_FLAG_MULTILINE | (ignore_case ? HS_FLAG_CASELESS : 0U));
                ids.push_back(static_cast<unsigned>(i));
            }
            if (expressions.empty()) return {};
            expressions.push_back("\\x00");
            flags.push_back(HS_FLAG_SINGLEMATCH);
            ids.push_back(nul_id());
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
            if (index < 0 || ids[static_cast<std::size_t>(index)] == nul_id())
                return fmt::format("Vectorscan could not compile the patterns: {}", message);
            auto& refused = patterns_[ids[static_cast<std::size_t>(index)]];
            refused.in_database = false;
            refused.database_note = message;
        }
    }

    /// Vectorscan reports a match by its end offset alone; an empty match
    /// (`^$`, `$`) would place a line start at the end of the line before,
    /// so patterns that can match empty go line by line.
    static void route_empty_matches(log_pattern& p, bool ignore_case) {
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* error = nullptr;
        const unsigned flags =
            HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY | (ignore_case ? HS_FLAG_CASELESS : 0U);
        if (hs_expression_info(p.text.c_str(), flags, &info, &error) != HS_SUCCESS) {
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
};

} // namespace rollcheck::detail
