/// \file detail/report/json.hpp
/// A run as JSON for machines: the run's facts, its counts and closing
/// line, and every case with its results in to_json's shape. Keys keep the
/// order written here, so a person opening the file meets the run first.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "tally.hpp"

namespace rollcheck::detail {

/// Counts by verdict name, and the number of checks.
[[nodiscard]] inline nlohmann::ordered_json counts_json(const verdict_counts& counts) {
    nlohmann::ordered_json out = {{"checks", counts.total}};
    for (const verdict v :
         {verdict::pass, verdict::warn, verdict::skip, verdict::fail, verdict::error})
        out[std::string(to_string(v))] = counts[v];
    out["waived"] = counts.waived;
    return out;
}

[[nodiscard]] inline nlohmann::ordered_json waiver_json(const waiver& w) {
    return {{"justification", w.justification},
            {"expires", w.expires},
            {"max_severity", w.max_severity.empty() ? "P2" : w.max_severity},
            {"where", w.where}};
}

[[nodiscard]] inline nlohmann::ordered_json case_json(const case_record& c, time_point origin) {
    auto results = nlohmann::ordered_json::array();
    for (const auto& r : c.results)
        results.push_back(nlohmann::ordered_json(to_json(r)));
    const auto optional = [](bool has, auto value) {
        return has ? nlohmann::ordered_json(value) : nlohmann::ordered_json();
    };
    return {
        {"name", c.name},
        {"id", c.id},
        {"phase", c.phase},
        {"severity", c.severity},
        {"tags", c.tags},
        {"verdict", c.standing()},
        {"check_verdict", std::string(to_string(c.worst()))},
        {"waiver", c.waived_by ? waiver_json(*c.waived_by) : nlohmann::ordered_json()},
        {"failure", optional(!c.failure.empty(), c.failure)},
        {"before_rollback", optional(!c.before_rollback.empty(), c.before_rollback)},
        {"seconds", std::isfinite(c.seconds) ? c.seconds : 0.0},
        {"attempts", c.attempts},
        {"green_at", optional(c.green_at.has_value(), c.green_at ? format_utc(*c.green_at) : "")},
        {"green_after_seconds",
         optional(c.green_at.has_value(),
                  c.green_at ? std::chrono::duration<double>(*c.green_at - origin).count() : 0.0)},
        {"results", std::move(results)}};
}

[[nodiscard]] inline nlohmann::ordered_json recovery_json(const run_record& run) {
    auto phases = nlohmann::ordered_json::array();
    const auto seconds = [](const std::optional<std::chrono::milliseconds>& span) {
        return span ? nlohmann::ordered_json(std::chrono::duration<double>(*span).count())
                    : nlohmann::ordered_json();
    };
    for (const auto& p : recovery_of(run))
        phases.push_back({{"phase", p.phase},
                          {"time_to_green_seconds", seconds(p.time_to_green)},
                          {"target_seconds", seconds(p.target)},
                          {"met", p.met()},
                          {"not_green", p.not_green},
                          {"waived", p.waived},
                          {"text", describe_recovery(p)}});
    return phases;
}

/// Each notice sent to the team: whether and when it went out.
[[nodiscard]] inline nlohmann::ordered_json notices_json(const run_record& run) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& n : run.notices)
        out.push_back({{"channel", n.channel},
                       {"destination", n.destination},
                       {"sent", n.sent},
                       {"at", format_utc(n.at)},
                       {"outcome", n.outcome}});
    return out;
}

/// The plan's decision matrix, a row a severity.
[[nodiscard]] inline nlohmann::ordered_json matrix_json(const run_record& run) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& row : run.matrix)
        out.push_back(
            {{"severity", row.severity}, {"action", row.action}, {"approval", row.approval}});
    return out;
}

/// The plan's "after rollback" checklist, as the plan gives it.
[[nodiscard]] inline nlohmann::ordered_json checklist_json(const run_record& run) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& item : run.checklist)
        out.push_back({{"text", item.text}, {"proof", item.proof}, {"kinds", item.kinds}});
    return out;
}

[[nodiscard]] inline nlohmann::ordered_json run_json(const run_record& run) {
    auto cases = nlohmann::ordered_json::array();
    const time_point origin = run.since ? *run.since : run.started;
    for (const auto& c : run.cases)
        cases.push_back(case_json(c, origin));
    return {{"suite", run.suite},
            {"verdict", std::string(to_string(run.worst()))},
            {"exit_status", run_exit_status(run)},
            {"closing_line", closing_line(run)},
            {"counts", counts_json(count_cases(run.cases))},
            {"started", format_utc(run.started)},
            {"finished", format_utc(run.finished)},
            {"since",
             run.since ? nlohmann::ordered_json(format_utc(*run.since)) : nlohmann::ordered_json()},
            {"target", run.target},
            {"target_summary", run.target_summary},
            {"hostname", run.hostname},
            {"user", run.user},
            {"version", run.version},
            {"notes", run.notes},
            {"before",
             run.before.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(run.before)},
            {"waited", run.waited},
            {"notices", notices_json(run)},
            {"recovery", recovery_json(run)},
            {"matrix", matrix_json(run)},
            {"checklist", checklist_json(run)},
            {"cases", std::move(cases)}};
}

/// The JSON document of `run`. Strings stay as they were but for invalid
/// UTF-8, which becomes U+FFFD, so any JSON reader can load the file.
[[nodiscard]] inline std::string results_json_text(const run_record& run) {
    return run_json(run).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
           "\n";
}

} // namespace rollcheck::detail
