/// \file detail/suite/plan_cases.hpp
/// A plan's checks as Catch2 test cases: the plan a run follows, the phases
/// it selects, each check bound to the target and registered in the plan's
/// order, its options validated before any check runs.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../../commands.hpp"
#include "../../plan.hpp"
#include "../../suite.hpp"

namespace rollcheck::detail {

/// The plan a run follows and its checks, bound to the run's target.
struct plan_run {
    std::optional<rollcheck::plan> followed;
    std::vector<std::string> phases; ///< the phases selected; every one when empty
    std::vector<bound_check> checks;
};

inline plan_run& current_plan() {
    static plan_run run;
    return run;
}

/// Whether the run checks the phase `id`.
[[nodiscard]] inline bool phase_selected(const std::string& id) {
    const auto& phases = current_plan().phases;
    return phases.empty() || std::find(phases.begin(), phases.end(), id) != phases.end();
}

/// The plan's phases this run checks: those of `--phase`, else the one
/// whose program `program` is, else every one. An error names a phase the
/// plan does not have.
[[nodiscard]] inline std::string select_phases(const std::string& program,
                                               const std::vector<std::string>& asked) {
    auto& run = current_plan();
    const auto& p = *run.followed;
    std::string known;
    for (const auto& phase : p.phases)
        known += (known.empty() ? "" : ", ") + phase.id;
    for (const auto& id : asked)
        if (p.phase(id) == nullptr)
            return fmt::format("--phase {}: the plan {} has no such phase (it has {})", id,
                               p.file.string(), known);
    if (!asked.empty())
        run.phases = asked;
    else if (const auto* phase = p.phase_of_program(program))
        run.phases = {phase->id};
    else
        for (const auto& phase : p.phases)
            run.phases.push_back(phase.id);
    return {};
}

/// Whether the check runs a query on the database (its tag [db]).
[[nodiscard]] inline bool queries_database(const bound_check& b) {
    static const std::set<std::string> kinds = {"db.duplicates", "db.recent", "db.freshness",
                                                "db.baseline", "db.compare"};
    if (kinds.count(b.check->kind)) return true;
    return b.check->kind == "db.backup" && std::find(b.arguments.begin(), b.arguments.end(),
                                                     "--restore-check") != b.arguments.end();
}

/// "[phase7][P0][before][db]"; a phase id that is not a number is tagged
/// `[phase:ID]`.
[[nodiscard]] inline std::string tags_of(const bound_check& b) {
    const auto& id = b.check->phase;
    std::string tags = std::isdigit(static_cast<unsigned char>(id.front())) != 0
                           ? fmt::format("[phase{}]", id)
                           : fmt::format("[phase:{}]", id);
    tags += "[" + b.check->severity + "]";
    if (b.check->before) tags += "[before]";
    if (queries_database(b)) tags += "[db]";
    return tags;
}

/// The plan's checks of the selected phases bound to `t`; a name two
/// checks would share is told apart by their ids.
inline void bind_plan_checks(const target& t, const run_values& values) {
    auto& run = current_plan();
    for (const auto& check : run.followed->checks)
        if (phase_selected(check.phase)) run.checks.push_back(bind_check(check, t, values));
    std::map<std::string, int> seen;
    for (const auto& b : run.checks)
        ++seen[b.name];
    for (auto& b : run.checks)
        if (seen[b.name] > 1) b.name += fmt::format(" ({})", b.check->id);
}

/// Every fault of the bound checks' kinds and options, found without
/// running them: "plan.toml:40:1: [[check]] 'phase7.backup': …".
[[nodiscard]] inline std::vector<std::string> validate_plan_checks() {
    std::vector<std::string> faults;
    for (const auto& b : current_plan().checks) {
        // A check missing a value is an error of its own when it runs; its
        // kind, at least, must be one.
        const auto why = !cli::is_check_kind(b.check->kind)
                             ? std::string("no such check kind (`rollcheck --help` lists them)")
                         : b.unresolved.empty()
                             ? cli::declared_check_fault(b.check->kind, b.arguments)
                             : std::string();
        if (!why.empty())
            faults.push_back(fmt::format("{}: [[check]] '{}' (kind {}): {}", b.check->where,
                                         b.check->id, b.check->kind, why));
    }
    return faults;
}

/// The line of a "file:line:column" location; 1 when it has none.
[[nodiscard]] inline std::size_t line_of(const std::string& where) {
    const auto last = where.rfind(':');
    const auto middle =
        last == std::string::npos || last == 0 ? std::string::npos : where.rfind(':', last - 1);
    if (middle == std::string::npos) return 1;
    try {
        return std::stoul(where.substr(middle + 1, last - middle - 1));
    } catch (const std::exception&) {
        return 1;
    }
}

} // namespace rollcheck::detail
