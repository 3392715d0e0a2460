/// \file detail/report/tally.hpp
/// What every report and the closing line say alike: verdicts counted,
/// severities ranked by the decision matrix, a case's summary.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "../../report.hpp"
#include "../../wording.hpp"

namespace rollcheck::detail {

/// How many of something ended with each verdict, waived failures apart.
struct verdict_counts {
    std::array<std::size_t, 5> of{};
    std::size_t waived = 0;
    std::size_t total = 0;

    void add(verdict v) noexcept {
        ++of[static_cast<std::size_t>(v)];
        ++total;
    }
    [[nodiscard]] std::size_t operator[](verdict v) const noexcept {
        return of[static_cast<std::size_t>(v)];
    }
};

/// One more case counted by its worst verdict, or as waived.
inline void count_case(verdict_counts& counts, const case_record& c) {
    if (!c.waived_by) {
        counts.add(c.worst());
        return;
    }
    ++counts.waived;
    ++counts.total;
}

/// The cases of `run` counted by their worst verdict.
[[nodiscard]] inline verdict_counts count_cases(const std::vector<case_record>& cases) {
    verdict_counts counts;
    for (const auto& c : cases)
        count_case(counts, c);
    return counts;
}

/// "9 passed, 1 warned, 1 failed, 1 error": the verdicts that occur, from
/// good to bad; fails and errors apart, since they call for different acts.
[[nodiscard]] inline std::string describe_counts(const verdict_counts& counts) {
    std::string out;
    const auto add = [&](std::size_t n, std::string text) {
        if (n == 0) return;
        if (!out.empty()) out += ", ";
        out += text;
    };
    add(counts[verdict::pass], fmt::format("{} passed", counts[verdict::pass]));
    add(counts[verdict::warn], fmt::format("{} warned", counts[verdict::warn]));
    add(counts[verdict::skip], fmt::format("{} skipped", counts[verdict::skip]));
    add(counts.waived, fmt::format("{} waived", counts.waived));
    add(counts[verdict::fail], fmt::format("{} failed", counts[verdict::fail]));
    add(counts[verdict::error], counted(counts[verdict::error], "error"));
    return out;
}

/// "WAIVED": a case's standing as the reports shout it.
[[nodiscard]] inline std::string upper_text(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

/// "FAIL", "ERROR": a verdict as the closing line and the reports shout it.
[[nodiscard]] inline std::string upper(verdict v) {
    return upper_text(std::string(to_string(v)));
}

/// "waived until 2026-12-15 (waivers.toml:4:1): the reason".
[[nodiscard]] inline std::string waiver_text(const waiver& w) {
    return fmt::format("waived until {} ({}): {}", w.expires, w.where, w.justification);
}

/// A severity's rank, most urgent first. A case without a P0-P3 severity
/// ranks right after P0: it might be P0, so no P1-P3 action may stand for it.
[[nodiscard]] inline int severity_rank(std::string_view severity) noexcept {
    if (severity.size() == 2 && severity[0] == 'P' && severity[1] >= '0' && severity[1] <= '3')
        return severity[1] == '0' ? 0 : severity[1] - '0' + 1;
    return 1;
}

/// The severity of a rank: "P0" for 0, "P1" for 2 … "P3" for 4; "" for
/// the unrated rank 1.
[[nodiscard]] inline std::string severity_of_rank(int rank) {
    return rank == 1 ? std::string() : fmt::format("P{}", rank == 0 ? 0 : rank - 1);
}

/// The decision matrix's action for a severity rank: "P0: Immediate
/// rollback — notify stakeholders", from the plan the run followed.
[[nodiscard]] inline std::string matrix_action(const std::vector<decision_row>& matrix, int rank) {
    const auto severity = severity_of_rank(rank);
    if (severity.empty()) return "unrated: assess it with the decision matrix";
    for (const auto& row : matrix)
        if (row.severity == severity)
            return row.approval.empty()
                       ? fmt::format("{}: {}", severity, row.action)
                       : fmt::format("{}: {} — {}", severity, row.action, row.approval);
    return fmt::format("{}: the plan's decision matrix names no action for it", severity);
}

/// The most urgent severity rank among the failing (fail or error) cases;
/// -1 when none failed.
[[nodiscard]] inline int worst_failing_rank(const std::vector<case_record>& cases) noexcept {
    int rank = -1;
    for (const auto& c : cases)
        if (c.worst() >= verdict::fail && !c.waived_by) {
            const int r = severity_rank(c.severity);
            rank = rank < 0 || r < rank ? r : rank;
        }
    return rank;
}

/// The phases of the run in the order their first cases ran: the plan's,
/// whose checks run in its order.
[[nodiscard]] inline std::vector<std::string> phases_of(const std::vector<case_record>& cases) {
    std::vector<std::string> phases;
    for (const auto& c : cases)
        if (std::find(phases.begin(), phases.end(), c.phase) == phases.end())
            phases.push_back(c.phase);
    return phases;
}

/// The cases in the plan's order of phases, each phase in the order its
/// cases ran: how a person reads a rollback.
[[nodiscard]] inline std::vector<const case_record*>
in_plan_order(const std::vector<case_record>& cases) {
    std::vector<const case_record*> out;
    for (const auto& phase : phases_of(cases))
        for (const auto& c : cases)
            if (c.phase == phase) out.push_back(&c);
    return out;
}

/// A case's summaries on one line, of the results at least as bad as
/// `from`: "db.duplicates: 2 duplicated …; failure: …".
[[nodiscard]] inline std::string case_summary(const case_record& c, verdict from = verdict::skip) {
    std::string out;
    const auto add = [&](std::string_view text) { (out += out.empty() ? "" : "; ") += text; };
    for (const auto& r : c.results)
        if (r.status >= from) add(fmt::format("{}: {}", r.check, r.summary));
    if (!c.failure.empty()) add("failure: " + c.failure);
    if (c.results.empty() && c.failure.empty()) add("no check result was recorded");
    return out;
}

/// Seconds as a report writes them; a negative or undefined time as 0.
[[nodiscard]] inline std::string format_seconds(double seconds) {
    return fmt::format("{:.3f}", std::isfinite(seconds) && seconds > 0 ? seconds : 0.0);
}

/// "[phase7][P1][after]"
[[nodiscard]] inline std::string joined_tags(const std::vector<std::string>& tags) {
    std::string out;
    for (const auto& t : tags)
        out += t;
    return out;
}

} // namespace rollcheck::detail
