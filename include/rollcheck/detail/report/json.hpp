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
    return out;
}

[[nodiscard]] inline nlohmann::ordered_json case_json(const case_record& c) {
    auto results = nlohmann::ordered_json::array();
    for (const auto& r : c.results)
        results.push_back(nlohmann::ordered_json(to_json(r)));
    return {{"name", c.name},
            {"phase", c.phase},
            {"severity", c.severity},
            {"tags", c.tags},
            {"verdict", std::string(to_string(c.worst()))},
            {"failure",
             c.failure.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.failure)},
            {"seconds", std::isfinite(c.seconds) ? c.seconds : 0.0},
            {"results", std::move(results)}};
}

[[nodiscard]] inline nlohmann::ordered_json run_json(const run_record& run) {
    auto cases = nlohmann::ordered_json::array();
    for (const auto& c : run.cases)
        cases.push_back(case_json(c));
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
            {"cases", std::move(cases)}};
}

/// The JSON document of `run`. Strings stay as they were but for invalid
/// UTF-8, which becomes U+FFFD, so any JSON reader can load the file.
[[nodiscard]] inline std::string results_json_text(const run_record& run) {
    return run_json(run).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
           "\n";
}

} // namespace rollcheck::detail
