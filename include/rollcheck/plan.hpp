/// \file plan.hpp
/// The plan file: a runbook as data. Its phases in order, each with its
/// recovery target and the rollback steps as the runbook prints them; its
/// checks, each a check kind (a subcommand of the `rollcheck` command line)
/// with that kind's options; its decision matrix and checklists. A suite
/// program runs a plan's phase against a target file, which holds the
/// values that belong to one system: a check's option `"${database.table}"`
/// reads the target's. docs/plans.md describes the format.
///
/// ```cpp
/// #include <rollcheck/plan.hpp>
///
/// int main(int argc, char** argv) {
///     const auto reading = rollcheck::load_plan(argc > 1 ? argv[1] : "plan.toml");
///     // Each fault as "plan.toml:12:1: [[check]] 'phase7.backup': unknown kind 'db.bakup'".
///     for (const auto& e : reading.errors)
///         fmt::print(stderr, "{}\n", e.text());
///     if (!reading.ok()) return 2;
///     for (const auto& phase : reading.value->phases)
///         fmt::print("{}: {}\n", phase.id, phase.title);
///     return 0;
/// }
/// ```
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/inline.hpp"
#include "target.hpp"

namespace rollcheck {

/// One step of a phase's rollback, as the runbook prints it.
struct plan_step {
    std::string id;   ///< "7.2": stable, for the checks and the drills to name
    std::string line; ///< "pg_restore -d shop backup.dump"
};

/// One phase of the plan.
struct plan_phase {
    std::string id;      ///< any name: "1-3", "db-cutover", "api"
    std::string title;   ///< "Storage layer"
    std::string program; ///< the suite program that runs this phase alone, if any
    /// The time the plan promises for the phase to turn green, counted from
    /// the rollback's start; none when the plan promises none.
    std::optional<std::chrono::milliseconds> recovery;
    std::vector<plan_step> steps;
    std::string where; ///< "plan.toml:12:1"
};

/// One option of a check, as written: its values may hold references.
struct plan_option {
    std::string name;                ///< the option's command-line name: "table"
    std::vector<std::string> values; ///< one per word; a boolean is "true" or "false"
    bool boolean = false;            ///< written as a TOML boolean: a bare flag
    std::string where;
};

/// One check of the plan: a test case of its phase's suite.
struct plan_check {
    std::string id;       ///< stable and unique: "phase7.no-row-lost"
    std::string phase;    ///< the id of its phase
    std::string severity; ///< "P0" (most urgent) to "P3"
    std::string title;    ///< may hold references; empty: derived from the kind and options
    std::string kind;     ///< a subcommand of the command line: "db.duplicates"
    bool before = false;  ///< checked before the rollback starts
    /// A reference to a boolean of the target: the check runs only when it
    /// is true, and is skipped, saying why, otherwise.
    std::string when;
    std::vector<std::string> steps; ///< ids of the rollback steps it verifies
    /// Where the check comes from, for whoever reads the plan: the runbook's
    /// line a draft made it of ("RUNBOOK.md:94"). No run shows it.
    std::string source;
    std::vector<plan_option> options;
    std::string where;
};

/// A row of the decision matrix: what to do when the worst failing check
/// has this severity.
struct plan_decision {
    std::string severity; ///< "P0"
    std::string action;   ///< "Immediate rollback"
    std::string approval; ///< "notify stakeholders"
};

/// An item of a checklist. `proof` says what ticks it: "checks" (the
/// verdicts of the checks of `kinds`, or of every check no other item
/// claims when `kinds` is empty), "notices" (a notice went out), "report"
/// (this report), or "people" (left for people to tick).
struct plan_checklist_item {
    std::string text;
    std::string proof = "people";
    std::vector<std::string> kinds;
};

/// A runbook as data.
struct plan {
    std::filesystem::path file; ///< the plan file itself
    std::string name;           ///< "shop"
    std::string title;
    std::string program; ///< the suite program that runs every phase, if any
    std::vector<plan_phase> phases;
    std::vector<plan_check> checks;
    std::vector<plan_decision> matrix;
    std::vector<std::string> before_checklist;
    std::vector<plan_checklist_item> after_checklist;

    /// The phase `id`, or null.
    [[nodiscard]] const plan_phase* phase(std::string_view id) const {
        for (const auto& p : phases)
            if (p.id == id) return &p;
        return nullptr;
    }
    /// The phase whose program is `program` (a file name), or null.
    [[nodiscard]] const plan_phase* phase_of_program(std::string_view program) const {
        for (const auto& p : phases)
            if (!p.program.empty() && p.program == program) return &p;
        return nullptr;
    }
    /// What a target read for this plan needs from it.
    [[nodiscard]] target_plan_facts facts() const {
        target_plan_facts f;
        f.defaults_file = file;
        for (const auto& p : phases) {
            f.phases.push_back(p.id);
            if (p.recovery) f.recovery_targets[p.id] = *p.recovery;
        }
        return f;
    }
};

/// What reading a plan gave: the plan when it has no fault, and every fault
/// found otherwise, each at its file:line:column.
struct plan_reading {
    std::optional<plan> value;
    std::vector<target_error> errors;

    [[nodiscard]] bool ok() const noexcept { return value.has_value() && errors.empty(); }
};

/// The largest plan file read.
inline constexpr std::size_t plan_file_limit = std::size_t{1} << 20;

/// Reads the plan file at `path`. Never throws for the file's faults
/// (unreadable, too large, binary, not TOML, an unknown key or kind, a
/// duplicated id, a check of no phase, a phase without checks, a reference
/// that names no value a target can hold, a malformed reference): each is
/// an error.
[[nodiscard]] ROLLCHECK_INLINE plan_reading load_plan(const std::filesystem::path& path);

/// Reads `text` as the plan file `name`.
[[nodiscard]] ROLLCHECK_INLINE plan_reading parse_plan(std::string_view text,
                                                       const std::filesystem::path& name);

/// A plan's check made ready to run against one target: its references
/// replaced by the target's values.
struct bound_check {
    const plan_check* check = nullptr;
    std::string name;                   ///< the title, its references replaced
    std::vector<std::string> arguments; ///< the options as command-line words
    /// Not empty: the check cannot run against this target, and says why
    /// (a value the target does not give); the check is then an error.
    std::string unresolved;
    /// Not empty: `when` is false; the check is skipped, saying this.
    std::string skipped;
    /// Not empty: a fallback stood in for a value the run does not know
    /// ("the rollback's start: 1h ago"), which the reports name.
    std::vector<std::string> fallbacks;
};

/// What a run knows beyond its target.
struct run_values {
    std::optional<time_point> rollback_started;
    /// When the run started: a fallback duration for the rollback's start
    /// (`${rollback.since:-1h}`) counts back from it, so that a check
    /// re-run under --wait looks back to the same instant.
    time_point started = std::chrono::system_clock::now();
};

/// `check` with the values of `t` and `run` in place of its references.
[[nodiscard]] ROLLCHECK_INLINE bound_check bind_check(const plan_check& check, const target& t,
                                                      const run_values& run);

/// Whether `name` is a value a reference can name: a target's key
/// ("database.table"), one of its `[pipeline]` values, or the run's
/// ("rollback.since").
[[nodiscard]] ROLLCHECK_INLINE bool is_reference_name(std::string_view name);

} // namespace rollcheck

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/plan/plan_impl.hpp"
#endif
