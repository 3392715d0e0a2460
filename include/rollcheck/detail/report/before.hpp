/// \file detail/report/before.hpp
/// A run's failing cases against the reports of a run taken before the
/// rollback: which failures the rollback caused. Part of report_impl.hpp.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../read_file.hpp"
#include "tally.hpp"

namespace rollcheck::detail {

inline constexpr const char* new_since_rollback = "new since the rollback";
inline constexpr const char* failing_before_same = "failing before the rollback too, same evidence";
inline constexpr const char* failing_before_other =
    "failing before the rollback too, other evidence";

/// The failing results of a case as results.json keeps them: each check's
/// name and evidence, which is what "the same failure" compares.
inline nlohmann::json failing_evidence(const nlohmann::json& results) {
    auto out = nlohmann::json::array();
    for (const auto& r : results) {
        const auto v = r.value("verdict", std::string());
        if (v == "fail" || v == "error")
            out.push_back({{"check", r.value("check", std::string())},
                           {"evidence", r.value("evidence", nlohmann::json::array())}});
    }
    return out;
}

/// `earlier` as a results.json path: the file, or DIR/results.json, or
/// DIR/SUITE/results.json.
inline std::filesystem::path earlier_results(const std::filesystem::path& earlier,
                                             const std::string& suite) {
    std::error_code ec;
    if (!std::filesystem::is_directory(earlier, ec)) return earlier;
    if (std::filesystem::exists(earlier / "results.json", ec)) return earlier / "results.json";
    return earlier / suite / "results.json";
}

/// "; 2 failing: 1 new since the rollback, 1 failing before it too", or
/// nothing when no earlier run was compared or nothing fails.
inline std::string before_counts(const run_record& run) {
    if (run.before.empty()) return {};
    std::size_t fresh = 0, old = 0;
    for (const auto& c : run.cases)
        if (c.worst() >= verdict::fail && !c.waived_by)
            ++(c.before_rollback == new_since_rollback ? fresh : old);
    if (fresh + old == 0) return {};
    return fmt::format(" ({} new since the rollback, {} failing before it too)", fresh, old);
}

} // namespace rollcheck::detail

namespace rollcheck {

ROLLCHECK_INLINE std::string compare_with_earlier_run(run_record& run,
                                                      const std::filesystem::path& earlier) {
    const auto file = detail::earlier_results(earlier, run.suite);
    std::string why;
    const auto text = detail::read_whole_file(file, why, std::size_t{64} << 20);
    if (!text) return why;
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object() || !json.contains("cases") || !json["cases"].is_array())
        return fmt::format("{}: not the results.json of a rollcheck suite", file.string());
    std::map<std::pair<std::string, std::string>, nlohmann::json> then;
    for (const auto& c : json["cases"])
        if (c.is_object())
            then[{c.value("phase", std::string()), c.value("name", std::string())}] = c;
    for (auto& c : run.cases) {
        c.before_rollback.clear();
        if (c.worst() < verdict::fail) continue;
        const auto found = then.find({c.phase, c.name});
        const auto earlier_verdict = found == then.end()
                                         ? std::string()
                                         : found->second.value("check_verdict", std::string());
        if (earlier_verdict != "fail" && earlier_verdict != "error") {
            c.before_rollback = detail::new_since_rollback;
            continue;
        }
        auto now = nlohmann::json::array();
        for (const auto& r : c.results)
            now.push_back(to_json(r));
        const bool same =
            detail::failing_evidence(now) ==
            detail::failing_evidence(found->second.value("results", nlohmann::json::array()));
        c.before_rollback = same ? detail::failing_before_same : detail::failing_before_other;
    }
    run.before = file.string();
    return {};
}

} // namespace rollcheck
