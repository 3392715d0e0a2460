/// \file result.hpp
/// The value every verifier returns: a verdict, a one-line summary, bounded
/// evidence, named totals and the time the check took.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rollcheck {

/// How a check ended. Ordered from harmless to worst, so `std::max` of two
/// verdicts is the one a gate must act on.
enum class verdict {
    skip, ///< not applicable here (the spec said so); never a silent pass
    pass, ///< verified
    warn, ///< a threshold crossed that the spec said only to warn on
    fail, ///< verified, and the system is not healthy
    error ///< could not verify: unreachable, unreadable, timed out, no data
};

/// Lower-case name of a verdict, as printed and as in JSON.
[[nodiscard]] constexpr std::string_view to_string(verdict v) noexcept {
    switch (v) {
    case verdict::skip:
        return "skip";
    case verdict::pass:
        return "pass";
    case verdict::warn:
        return "warn";
    case verdict::fail:
        return "fail";
    case verdict::error:
        return "error";
    }
    return "error";
}

/// Exit status of the command line and the suites: 0 pass/warn/skip, 1 fail, 2 error.
[[nodiscard]] constexpr int exit_status(verdict v) noexcept {
    switch (v) {
    case verdict::fail:
        return 1;
    case verdict::error:
        return 2;
    default:
        return 0;
    }
}

/// One finding: a line for people and the same facts as JSON for machines.
struct evidence_item {
    std::string text;
    nlohmann::json data;
};

/// Evidence limit meaning "keep every item" (`--show all`).
inline constexpr std::size_t show_all = static_cast<std::size_t>(-1);

/// Keeps the first `limit` items offered and counts all of them, so a check
/// over millions of rows reports "first 10 of 48,213" in constant memory.
class bounded_evidence {
public:
    explicit bounded_evidence(std::size_t limit = 10) : limit_(limit) {}

    /// Counts the item; keeps it while fewer than `limit` are kept.
    void add(evidence_item item) {
        ++total_;
        if (items_.size() < limit_) items_.push_back(std::move(item));
    }
    /// Counts `n` further items that were not materialised (the database counted them).
    void count_more(std::size_t n) noexcept { total_ += n; }

    [[nodiscard]] const std::vector<evidence_item>& items() const noexcept { return items_; }
    [[nodiscard]] std::size_t total() const noexcept { return total_; }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

private:
    std::size_t limit_;
    std::size_t total_ = 0;
    std::vector<evidence_item> items_;
};

/// What a verifier returns. Build it with the named constructors; a verifier
/// that cannot decide returns `error`, never `pass`.
struct [[nodiscard]] check_result {
    std::string check; ///< dotted name, e.g. "db.duplicates"
    verdict status = verdict::error;
    std::string summary;                              ///< one line a person can act on
    bounded_evidence evidence{};                      ///< offending rows, lines or entries
    nlohmann::json totals = nlohmann::json::object(); ///< named counts and facts
    std::chrono::milliseconds elapsed{0};

    [[nodiscard]] bool passed() const noexcept { return status == verdict::pass; }
    /// True for the verdicts a gate lets through: pass, warn and skip.
    [[nodiscard]] bool acceptable() const noexcept { return exit_status(status) == 0; }

    static check_result make(std::string check, verdict v, std::string summary) {
        check_result r;
        r.check = std::move(check);
        r.status = v;
        r.summary = std::move(summary);
        return r;
    }
    static check_result pass(std::string check, std::string summary) {
        return make(std::move(check), verdict::pass, std::move(summary));
    }
    static check_result warn(std::string check, std::string summary) {
        return make(std::move(check), verdict::warn, std::move(summary));
    }
    static check_result fail(std::string check, std::string summary) {
        return make(std::move(check), verdict::fail, std::move(summary));
    }
    static check_result error(std::string check, std::string summary) {
        return make(std::move(check), verdict::error, std::move(summary));
    }
    static check_result skip(std::string check, std::string summary) {
        return make(std::move(check), verdict::skip, std::move(summary));
    }
};

/// The worse of the verdicts of `results` (`skip` for none).
[[nodiscard]] inline verdict worst(const std::vector<check_result>& results) noexcept {
    verdict v = verdict::skip;
    for (const auto& r : results)
        v = std::max(v, r.status);
    return v;
}

/// One result of a check made of others, each part named (`{"paths", absent},
/// {"imports", imports}`): the worst verdict, the summary "paths: …; imports:
/// …", every part's evidence prefixed with its name (at most `show` items
/// kept, all counted), their totals in one object and their time added up.
/// A total two parts both have is kept as "NAME.total" for the later one, so
/// that neither hides the other. No parts is an error: nothing was checked.
[[nodiscard]] inline check_result
combine_results(std::string check, const std::vector<std::pair<std::string, check_result>>& parts,
                std::size_t show = 10) {
    if (parts.empty()) return check_result::error(std::move(check), "nothing was checked");
    check_result r = check_result::make(std::move(check), verdict::skip, "");
    r.evidence = bounded_evidence(show);
    for (const auto& [name, part] : parts) {
        r.status = std::max(r.status, part.status);
        r.summary += fmt::format("{}{}: {}", r.summary.empty() ? "" : "; ", name, part.summary);
        for (const auto& item : part.evidence.items()) {
            nlohmann::json data = item.data;
            if (data.is_object()) data["part"] = name;
            r.evidence.add({fmt::format("{}: {}", name, item.text), std::move(data)});
        }
        r.evidence.count_more(part.evidence.total() - part.evidence.items().size());
        r.elapsed += part.elapsed;
        if (part.totals.is_object())
            for (const auto& [key, value] : part.totals.items())
                r.totals[r.totals.contains(key) ? name + "." + key : key] = value;
        else if (!part.totals.is_null())
            r.totals[name] = part.totals;
    }
    return r;
}

/// Runs `body` as the check named `check`, timing it and turning an escaped
/// exception into an `error` result (a bug or a fault nobody foresaw must
/// never read as a pass). `body` returns a check_result.
template <typename Body>
[[nodiscard]] check_result timed_check(std::string check, Body&& body) {
    const auto start = std::chrono::steady_clock::now();
    check_result r;
    try {
        r = std::forward<Body>(body)();
    } catch (const std::exception& e) {
        r = check_result::error(check, fmt::format("could not verify: {}", e.what()));
    } catch (...) {
        r = check_result::error(check, "could not verify: unknown exception");
    }
    if (r.check.empty()) r.check = std::move(check);
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return r;
}

/// The result as one JSON object: check, verdict, summary, evidence (the
/// kept items' data), evidence_total, totals, elapsed_ms.
[[nodiscard]] inline nlohmann::json to_json(const check_result& r) {
    auto evidence = nlohmann::json::array();
    for (const auto& item : r.evidence.items())
        evidence.push_back(item.data.is_null() ? nlohmann::json(item.text) : item.data);
    return {{"check", r.check},
            {"verdict", std::string(to_string(r.status))},
            {"summary", r.summary},
            {"evidence", std::move(evidence)},
            {"evidence_total", r.evidence.total()},
            {"totals", r.totals},
            {"elapsed_ms", r.elapsed.count()}};
}

} // namespace rollcheck

/// `{}` prints the verdict's name.
template <>
struct fmt::formatter<rollcheck::verdict> : fmt::formatter<std::string_view> {
    template <typename FormatContext>
    auto format(rollcheck::verdict v, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(rollcheck::to_string(v), ctx);
    }
};

/// `{}` prints a result for people:
///
/// ```text
/// FAIL db.duplicates: 3 duplicated order_id values (5 excess rows) in public.t (12 ms)
///   - order_id=t3_abc: 3 rows
///   - order_id=t3_def: 3 rows
///   … 1 more not shown
/// ```
template <>
struct fmt::formatter<rollcheck::check_result> {
    constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

    template <typename FormatContext>
    auto format(const rollcheck::check_result& r, FormatContext& ctx) const {
        std::string upper(rollcheck::to_string(r.status));
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](char c) { return static_cast<char>(c - 'a' + 'A'); });
        auto out = fmt::format_to(ctx.out(), "{} {}: {} ({} ms)", upper, r.check, r.summary,
                                  r.elapsed.count());
        for (const auto& item : r.evidence.items())
            out = fmt::format_to(out, "\n  - {}", item.text);
        const auto hidden = r.evidence.total() - r.evidence.items().size();
        if (hidden > 0) out = fmt::format_to(out, "\n  … {} more not shown", hidden);
        return out;
    }
};
