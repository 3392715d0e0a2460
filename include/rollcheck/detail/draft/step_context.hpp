/// \file detail/draft/step_context.hpp
/// What each recogniser of a step works with: the step, the phase its
/// checks and notes go to, the plan's values, what one step leaves for a
/// later one; and the helpers that read a command's words.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "model.hpp"
#include "steps.hpp"
#include "values.hpp"

namespace rollcheck::detail::draft {

/// What a step leaves for the steps after it.
struct step_state {
    /// The `.py` files `git checkout` restored: the old system's entry points.
    std::set<std::string> restored_scripts;
    /// The phase's `crontab -e`, which an entry shown after it proves.
    std::string crontab_step;
};

/// The step being drafted, and where its checks and notes go.
struct step_context {
    value_book& values;
    step_state& state;
    const runbook_step& step;
    const std::string& step_id;
    const std::string& source;
    drafted_phase& phase;
    bool python = false; ///< the runbook's commands are a Python project's

    void note(phase_note::type what, std::string message) {
        phase.notes.push_back({what, step.line, std::move(message)});
    }
    void todo(const std::string& why) {
        note(phase_note::type::todo, fmt::format("`{}`: {}", step.text, why));
    }
    void warn(std::string message) { note(phase_note::type::warning, std::move(message)); }

    /// A new check of the step, citing its line.
    drafted_check& check(std::string kind, std::string title) {
        drafted_check c;
        c.kind = std::move(kind);
        c.title = std::move(title);
        c.source = source;
        c.steps = {step_id};
        phase.checks.push_back(std::move(c));
        return phase.checks.back();
    }
};

/// `paths` joined for a title: "a, b and c".
[[nodiscard]] inline std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return out;
}

/// The words after the program that are not options, `with_value` naming
/// the options that take the next word.
[[nodiscard]] inline std::vector<std::string>
operands(const std::vector<std::string>& words, std::size_t from,
         const std::set<std::string>& with_value = {}) {
    std::vector<std::string> out;
    bool options = true;
    for (std::size_t i = from; i < words.size(); ++i) {
        const auto& w = words[i];
        if (options && w == "--") {
            options = false;
        } else if (options && w.size() > 1 && w[0] == '-') {
            if (with_value.count(w) != 0) ++i;
        } else {
            out.push_back(w);
        }
    }
    return out;
}

/// The value of option `names` (`-d NAME`, `--dbname=NAME`), or "".
[[nodiscard]] inline std::string option_value(const std::vector<std::string>& words,
                                              const std::set<std::string>& names) {
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (names.count(words[i]) != 0 && i + 1 < words.size()) return words[i + 1];
        const auto equals = words[i].find('=');
        if (equals != std::string::npos && names.count(words[i].substr(0, equals)) != 0)
            return words[i].substr(equals + 1);
    }
    return {};
}

[[nodiscard]] inline bool has_flag(const std::vector<std::string>& words,
                                   const std::set<std::string>& names, char letter = 0) {
    for (const auto& w : words) {
        if (names.count(w) != 0) return true;
        // Bundled short flags: -rf, -9f.
        if (letter != 0 && w.size() > 1 && w[0] == '-' && w[1] != '-' &&
            w.find(letter) != std::string::npos)
            return true;
    }
    return false;
}

} // namespace rollcheck::detail::draft
