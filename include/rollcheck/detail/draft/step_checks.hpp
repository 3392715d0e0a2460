/// \file detail/draft/step_checks.hpp
/// One rollback step to the checks that prove it, the notes it deserves
/// (the runbook's traps), or a TODO saying why no check was drafted: each
/// command of a shell step handed to the recogniser of its program
/// (file_steps.hpp, process_steps.hpp, database_steps.hpp, job_steps.hpp),
/// each SQL statement to the database's.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "database_steps.hpp"
#include "file_steps.hpp"
#include "job_steps.hpp"
#include "model.hpp"
#include "process_steps.hpp"
#include "shell.hpp"
#include "step_context.hpp"
#include "steps.hpp"
#include "values.hpp"

namespace rollcheck::detail::draft {

/// Drafts the checks of one phase's steps after another.
class step_drafter {
public:
    step_drafter(value_book& values, bool python) : values_(values), python_(python) {}

    /// The checks, notes and TODO of `step`, into `phase`.
    void draft(const runbook_step& step, const std::string& step_id, const std::string& source,
               drafted_phase& phase) {
        if (phase.id != phase_id_) state_.crontab_step.clear();
        phase_id_ = phase.id;
        step_context s{values_, state_, step, step_id, source, phase, python_};
        std::string why;
        if (step.what == runbook_step::type::cron_entry)
            cron_entry(s);
        else if (step.what == runbook_step::type::sql)
            why = sql_checks(s, step.text);
        else
            why = shell(s);
        if (!why.empty()) s.todo(why);
    }

    /// The `.py` files `git checkout` restored: the old system's entry points.
    [[nodiscard]] const std::set<std::string>& restored_scripts() const {
        return state_.restored_scripts;
    }

private:
    /// The checks of a shell line's commands; why none, when none.
    static std::string shell(step_context& s) {
        const auto commands = shell_commands(s.step.text);
        std::string why;
        bool handled = false;
        for (const auto& c : commands) {
            const auto words = program_words(c.words);
            if (words.empty()) continue;
            std::optional<std::string> result;
            const auto program = program_name(words[0]);
            if (c.background) {
                why = fmt::format("starts `{}` in the background (&): no check waits for it. "
                                  "job.ran can prove it ran since the rollback",
                                  fmt::join(words, " "));
                continue;
            }
            result = command(s, program, words);
            if (!result) continue;
            if (result->empty())
                handled = true;
            else if (why.empty())
                why = *result;
        }
        if (handled) return {};
        return why.empty() ? "no check kind reads this command: write its check by hand" : why;
    }

    /// A command's checks: "" when handled, a reason when not, nothing when
    /// the command is no step of its own (`echo` into a pipe).
    static std::optional<std::string> command(step_context& s, const std::string& program,
                                              const std::vector<std::string>& words) {
        if (program == "rm") return removed(s, words);
        if (program == "git") return restored_from_git(s, words);
        if (program == "cp") return restored_from_archive(s, words);
        if (program == "killall" || program == "pkill") return stopped(s, program, words);
        if (program == "docker-compose" ||
            (program == "docker" && words.size() > 1 && words[1] == "compose"))
            return containers_down(s, program == "docker" ? 2 : 1, words);
        if (program == "pg_restore") return backup(s, words);
        if (program == "psql") return psql(s, words);
        if (program == "pytest") return tests(s, words, 1);
        if (program.rfind("python", 0) == 0) return python(s, words);
        if (program == "crontab") return crontab(s, words);
        if (program == "tail" || program == "less" || program == "cat") return log(s, words);
        if (program == "mail" || program == "mailx" || program == "sendmail")
            return notice(s, words);
        if (program == "echo" || program == "printf") return std::nullopt;
        if (program == "systemctl" || program == "service") {
            const bool stop = std::find(words.begin(), words.end(), "stop") != words.end();
            return fmt::format("no check of a unit: {} --runs proves that what it runs is {}",
                               stop ? "proc.absent" : "proc.running", stop ? "gone" : "back");
        }
        return fmt::format("no check kind reads `{}`: write its check by hand", program);
    }

    value_book& values_;
    bool python_ = false;
    std::string phase_id_;
    step_state state_;
};

} // namespace rollcheck::detail::draft
