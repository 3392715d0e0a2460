/// \file detail/draft/model.hpp
/// A drafted plan before it is written: its values, phases, checks and the
/// notes (TODOs, warnings) that go beside them.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace rollcheck::detail::draft {

/// An option of a drafted check, as it will be written.
struct draft_option {
    enum class shape { text, list, flag };
    std::string name;
    std::vector<std::string> values;
    shape form = shape::text;
};

/// A note beside a phase's checks: a TODO, a WARNING or a NOTE.
struct phase_note {
    enum class type { todo, warning, note };
    type what = type::todo;
    std::size_t line = 0;
    std::string message;
};

struct drafted_check {
    std::string id;
    std::string phase;
    std::string severity;
    std::string title;
    std::string kind;
    std::string source; ///< "RUNBOOK.md:94"
    bool before = false;
    std::vector<std::string> steps;
    std::vector<draft_option> options;
    std::vector<std::string> comments; ///< lines written above it

    drafted_check& text(std::string name, std::string value) {
        options.push_back({std::move(name), {std::move(value)}, draft_option::shape::text});
        return *this;
    }
    drafted_check& list(std::string name, std::vector<std::string> values) {
        options.push_back({std::move(name), std::move(values), draft_option::shape::list});
        return *this;
    }
    drafted_check& flag(std::string name) {
        options.push_back({std::move(name), {}, draft_option::shape::flag});
        return *this;
    }
};

struct drafted_step {
    std::string id;
    std::string run;
    std::size_t line = 0;
};

struct drafted_phase {
    std::string id;
    std::string title;
    std::string heading;
    std::size_t line = 0;
    std::string recovery;
    std::string recovery_comment;
    std::string severity;
    std::string severity_comment;
    std::vector<drafted_step> steps;
    std::vector<drafted_check> checks;
    std::vector<phase_note> notes;
};

/// A value of `[defaults.SECTION]`: the runbook's literal, suggested.
struct drafted_value {
    std::string section; ///< "database"
    std::string key;     ///< "table"
    std::vector<std::string> values;
    bool list = false;
    /// False: the runbook leaves it to the operator (a date, a shell
    /// expression); written as `key = ""` for the target to give, or,
    /// outside `[defaults.pipeline]`, commented out.
    bool given = true;
    std::string comment;
    std::size_t line = 0;
};

struct drafted_decision {
    std::string severity;
    std::string action;
    std::string approval;
};

struct drafted_item {
    std::string text;
    std::string proof; ///< "" (people), "checks", "report", "notices"
    std::vector<std::string> kinds;
};

struct drafted_plan {
    std::string name;
    std::string title;
    std::string runbook; ///< the runbook's name, as checks cite it
    std::vector<drafted_value> values;
    std::vector<drafted_phase> phases;
    std::vector<drafted_decision> matrix;
    std::size_t matrix_line = 0;
    std::vector<std::string> before;
    std::vector<drafted_item> after;
    std::size_t checklist_line = 0;
    std::vector<phase_note> notes; ///< the runbook's, outside any phase
    /// Phases with no check: written commented out, since a plan's phase needs one.
    std::vector<drafted_phase> unchecked;
};

} // namespace rollcheck::detail::draft
