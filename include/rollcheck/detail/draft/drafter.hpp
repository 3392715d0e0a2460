/// \file detail/draft/drafter.hpp
/// A read runbook to a drafted plan: its phases with their steps, checks
/// and notes, each check's severity from the phase's risk (through the
/// runbook's own decision matrix when it has one), each check's id, and
/// the matrix and checklists as the plan holds them.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "model.hpp"
#include "runbook.hpp"
#include "shell.hpp"
#include "step_checks.hpp"
#include "values.hpp"

namespace rollcheck::detail::draft {

class plan_drafter {
public:
    plan_drafter(const runbook& book, std::string runbook_name, std::string plan_name)
        : book_(book) {
        plan_.runbook = std::move(runbook_name);
        plan_.name = std::move(plan_name);
        plan_.title = book.title;
    }

    [[nodiscard]] drafted_plan draft() && {
        first_table();
        step_drafter steps(values_, python_project());
        for (const auto& source : book_.phases) {
            auto phase = draft_phase(source, steps);
            (phase.checks.empty() ? plan_.unchecked : plan_.phases).push_back(std::move(phase));
        }
        if (!steps.restored_scripts().empty())
            values_.refer_list(
                "project", "entry_points",
                {steps.restored_scripts().begin(), steps.restored_scripts().end()}, 0,
                "the old system's scripts, which the runbook restores: they must still import "
                "once the new modules are gone");
        for (const auto& [line, why] : book_.unread)
            plan_.notes.push_back({phase_note::type::todo, line, why});
        matrix();
        checklists();
        plan_.values = std::move(values_).take();
        return std::move(plan_);
    }

private:
    /// Whether the runbook's commands are a Python project's: then removed
    /// directories are packages whose imports the checks try.
    [[nodiscard]] bool python_project() const {
        for (const auto& phase : book_.phases)
            for (const auto& step : phase.steps)
                for (const auto& command : shell_commands(step.text)) {
                    const auto words = program_words(command.words);
                    if (words.empty()) continue;
                    const auto program = program_name(words[0]);
                    if (program == "pytest" || program.rfind("python", 0) == 0) return true;
                }
        return false;
    }

    /// The table of the runbook's first check query, wherever it is: a
    /// backup restored before the query names it still holds that table.
    void first_table() {
        for (const auto& phase : book_.phases)
            for (const auto& step : phase.steps) {
                std::vector<std::string> statements;
                if (step.what == runbook_step::type::sql) statements.push_back(step.text);
                if (step.what == runbook_step::type::shell)
                    for (const auto& command : shell_commands(step.text)) {
                        const auto words = program_words(command.words);
                        if (!words.empty() && program_name(words[0]) == "psql")
                            for (auto& s : psql_statements(words))
                                statements.push_back(std::move(s));
                    }
                for (const auto& text : statements)
                    for (const auto& r : read_sql(text))
                        if (r.what == sql_reading::type::duplicates ||
                            r.what == sql_reading::type::recent) {
                            (void)values_.refer("database", "table", r.table, step.line);
                            return;
                        }
            }
    }

    [[nodiscard]] std::string source(std::size_t line) const {
        return fmt::format("{}:{}", plan_.runbook, line);
    }

    drafted_phase draft_phase(const runbook_phase& source_phase, step_drafter& steps) {
        drafted_phase phase;
        phase.id = source_phase.id;
        phase.title = source_phase.title;
        phase.heading = source_phase.heading;
        phase.line = source_phase.line;
        phase.recovery = source_phase.recovery;
        if (!phase.recovery.empty())
            phase.recovery_comment = fmt::format("{}: {}", source(source_phase.recovery_line),
                                                 source_phase.recovery_text);
        severity(phase, source_phase.risk,
                 source_phase.risk_line == 0
                     ? std::string("in the heading")
                     : fmt::format("in the notes, {}", source(source_phase.risk_line)));
        for (std::size_t i = 0; i < source_phase.steps.size(); ++i) {
            const auto& step = source_phase.steps[i];
            const auto id = fmt::format("{}.{}", phase.id, i + 1);
            phase.steps.push_back({id, step.text, step.line});
            steps.draft(step, id, source(step.line), phase);
        }
        for (const auto& [line, why] : source_phase.unread)
            phase.notes.push_back({phase_note::type::todo, line, why});
        std::stable_sort(phase.notes.begin(), phase.notes.end(),
                         [](const phase_note& a, const phase_note& b) { return a.line < b.line; });
        name_checks(phase);
        return phase;
    }

    /// The phase's severity: its heading's risk, as the runbook's decision
    /// matrix names it when it has one.
    void severity(drafted_phase& phase, const std::string& risk, const std::string& said) {
        if (risk.empty()) {
            phase.severity = "P1";
            phase.severity_comment =
                "the runbook gives this phase no risk: P1 is a guess, give each check its own";
            return;
        }
        for (const auto& row : book_.matrix)
            if (has_word(row.level, risk)) {
                phase.severity = row.severity;
                phase.severity_comment = fmt::format(
                    "\"{}\" {}: {} in the runbook's decision matrix", risk, said, row.label);
                return;
            }
        static const std::map<std::string, std::string> levels = {
            {"critical", "P0"}, {"high", "P1"}, {"medium", "P2"}, {"low", "P3"}};
        phase.severity = levels.at(risk);
        phase.severity_comment = fmt::format("\"{}\" {}", risk, said);
    }

    /// Ids as "phase7.duplicates", the kind's own word, numbered when repeated.
    void name_checks(drafted_phase& phase) {
        static const std::map<std::string, std::string> words = {
            {"files.removed", "removed"},
            {"files.restored", "restored"},
            {"db.duplicates", "no-duplicates"},
            {"db.recent", "rows-written"},
            {"db.backup", "backup"},
            {"run", "runs"},
            {"proc.absent", "stopped"},
            {"containers.down", "containers-down"},
            {"cron.expect", "cron-entry"},
            {"logs.scan", "log-clean"}};
        const auto prefix = std::isdigit(static_cast<unsigned char>(phase.id[0])) != 0
                                ? "phase" + phase.id
                                : phase.id;
        for (auto& c : phase.checks) {
            const auto word = words.count(c.kind) ? words.at(c.kind) : slug(c.kind);
            const auto base = fmt::format("{}.{}", prefix, word);
            c.id = base;
            for (int n = 2; !ids_.insert(c.id).second; ++n)
                c.id = fmt::format("{}-{}", base, n);
            c.phase = phase.id;
            c.severity = phase.severity;
        }
    }

    void matrix() {
        for (const auto& row : book_.matrix)
            plan_.matrix.push_back({row.severity, row.action, row.approval});
        std::sort(plan_.matrix.begin(), plan_.matrix.end(),
                  [](const drafted_decision& a, const drafted_decision& b) {
                      return a.severity < b.severity;
                  });
        plan_.matrix_line = book_.matrix_line;
    }

    /// The checklists; what ticks an item after the rollback is guessed from
    /// its words, and says so in the draft.
    void checklists() {
        std::set<std::string> kinds;
        for (const auto& phase : plan_.phases)
            for (const auto& c : phase.checks)
                kinds.insert(c.kind);
        for (const auto& item : book_.before)
            plan_.before.push_back(item.text);
        for (const auto& item : book_.after) {
            drafted_item d;
            d.text = item.text;
            const auto t = lower(item.text);
            const auto any = [&](std::initializer_list<const char*> words) {
                return std::any_of(words.begin(), words.end(),
                                   [&](const char* w) { return t.find(w) != std::string::npos; });
            };
            std::vector<std::string> data;
            for (const char* k : {"db.duplicates", "db.recent", "db.backup"})
                if (kinds.count(k)) data.emplace_back(k);
            if (any({"data loss", "no data", "data intact"}) && !data.empty()) {
                d.proof = "checks";
                d.kinds = data;
            } else if (any({"verified", "functionality", "works", "healthy"})) {
                d.proof = "checks";
            } else if (any({"documented", "incident report"})) {
                d.proof = "report";
            } else if (any({"notified", "informed"})) {
                d.proof = "notices";
            }
            plan_.after.push_back(std::move(d));
        }
        const auto first = [](const std::vector<runbook_item>& items) {
            return items.empty() ? std::size_t{0} : items.front().line;
        };
        plan_.checklist_line = first(book_.before) != 0 ? first(book_.before) : first(book_.after);
    }

    const runbook& book_;
    drafted_plan plan_;
    value_book values_;
    std::set<std::string> ids_;
};

} // namespace rollcheck::detail::draft
