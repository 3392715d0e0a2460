/// \file detail/db/baseline_file_check.hpp
/// check_baseline_file: whether a baseline file is fit to compare against
/// after the rollback, without a database.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <fmt/ranges.h>

#include "../../baseline.hpp"
#include "../../wording.hpp"
#include "baseline_file.hpp"

namespace rollcheck {

namespace detail {

/// Whether `wanted` names `recorded`; a name without a schema (either one,
/// a baseline taken through the search_path has none) matches any schema.
[[nodiscard]] inline bool names_table(const table_ref& wanted, const table_ref& recorded) {
    return wanted.name == recorded.name &&
           (wanted.schema.empty() || recorded.schema.empty() || wanted.schema == recorded.schema);
}

/// What makes a readable baseline unfit to compare against after the rollback.
inline void inspect_baseline(const baseline_file_spec& spec, const baseline& b,
                             std::optional<time_point> taken, bounded_evidence& faults) {
    for (const auto& wanted : spec.tables) {
        const bool held = std::any_of(b.tables.begin(), b.tables.end(),
                                      [&](const auto& t) { return names_table(wanted, t.table); });
        if (!held)
            faults.add({fmt::format("{}: not in the baseline", wanted.display()),
                        {{"fault", "table_missing"}, {"table", wanted.display()}}});
    }
    if (spec.taken_before && taken && *taken >= *spec.taken_before)
        faults.add({fmt::format("taken at {}, not before {} (when the rollback started)",
                                format_utc(*taken), format_utc(*spec.taken_before)),
                    {{"fault", "after_rollback"}, {"taken_at", b.taken_at}}});
    if (b.keys_file.empty()) return;
    const auto keys = spec.baseline.parent_path() / b.keys_file;
    std::error_code ec;
    const auto size = std::filesystem::file_size(keys, ec);
    if (ec)
        faults.add({fmt::format("key file {}: {}", keys.string(), ec.message()),
                    {{"fault", "keys_missing"}, {"file", keys.string()}}});
    else if (size != b.keys_bytes)
        faults.add({fmt::format("key file {}: {}, the baseline records {}", keys.string(),
                                describe_bytes(size), describe_bytes(b.keys_bytes)),
                    {{"fault", "keys_size"}, {"file", keys.string()}, {"bytes", size}}});
}

} // namespace detail

ROLLCHECK_INLINE check_result check_baseline_file(const baseline_file_spec& spec) {
    return timed_check("db.baseline-file", [&]() -> check_result {
        const char* name = "db.baseline-file";
        baseline b;
        try {
            b = detail::read_baseline_file(spec.baseline);
        } catch (const std::runtime_error& e) {
            return check_result::error(name, e.what());
        }
        std::string why;
        const auto taken = parse_time(b.taken_at, why);
        if (spec.taken_before && !taken)
            return check_result::error(
                name, fmt::format("baseline {}: taken_at: {}", spec.baseline.string(), why));
        bounded_evidence faults(show_all);
        detail::inspect_baseline(spec, b, taken, faults);
        std::vector<std::string> held;
        auto tables = nlohmann::json::array();
        for (const auto& t : b.tables) {
            held.push_back(fmt::format("{} ({})", t.table.display(), counted(t.rows, "row")));
            tables.push_back({{"table", t.table.display()}, {"rows", t.rows}});
        }
        const auto what = fmt::format("baseline {} taken {}: {}", spec.baseline.string(),
                                      b.taken_at, fmt::join(held, ", "));
        check_result r = check_result::pass(name, what);
        if (faults.total() > 0)
            r = check_result::fail(name,
                                   fmt::format("{}; {}", what, counted(faults.total(), "fault")));
        else if (b.keys_file.empty())
            r = check_result::warn(name, what + "; no key file: compare cannot name lost keys");
        r.evidence = std::move(faults);
        r.totals = {{"baseline", spec.baseline.string()},
                    {"taken_at", b.taken_at},
                    {"tables", std::move(tables)}};
        return r;
    });
}

} // namespace rollcheck
