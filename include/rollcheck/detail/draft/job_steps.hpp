/// \file detail/draft/job_steps.hpp
/// Steps that run and watch the job: `pytest` and `python script.py` under
/// a verify line (run), `crontab -e` and the entry it shows (cron.expect),
/// `tail -f LOG` (logs.scan), `mail` (a note on the run's notices).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "../../cron_schedule.hpp"
#include "../../crontab.hpp"
#include "shell.hpp"
#include "step_context.hpp"
#include "words.hpp"

namespace rollcheck::detail::draft {

/// Whether a verify line stands over the step: "# Verify old system works".
[[nodiscard]] inline bool verifies(const std::string& context) {
    const auto t = lower(context);
    for (const char* word :
         {"verify", "confirm", "check", "test", "validate", "ensure", "works", "smoke", "sanity"})
        if (t.find(word) != std::string::npos) return true;
    return false;
}

inline std::string tests(step_context& s, const std::vector<std::string>& words,
                         std::size_t args_from) {
    std::vector<std::string> command = {"${project.python}", "-m", "pytest"};
    for (auto w = words.begin() + static_cast<std::ptrdiff_t>(args_from); w != words.end(); ++w)
        command.push_back(literal(*w));
    s.check("run", fmt::format("the tests pass: {}", literal(s.step.text)))
        .text("cwd", "${project.root}")
        .text("timeout", "10m")
        .list("env", {"${project.environment?}", "PYTHONDONTWRITEBYTECODE=1",
                      "PYTEST_ADDOPTS+=-p no:cacheprovider"})
        .list("command", command);
    return {};
}

inline std::string python(step_context& s, const std::vector<std::string>& words) {
    std::size_t at = 1;
    while (at < words.size() && words[at].size() > 1 && words[at][0] == '-' && words[at] != "-m" &&
           words[at] != "-c")
        ++at;
    if (at + 1 < words.size() && words[at] == "-m" && words[at + 1] == "pytest")
        return tests(s, words, at + 2);
    if (at < words.size() && words[at] == "-c")
        return "python -c: a program in the line, no script to check";
    if (at >= words.size()) return "python without a script";
    const std::string script =
        words[at] == "-m" && at + 1 < words.size() ? "-m " + words[at + 1] : words[at];
    if (!verifies(s.step.context))
        return fmt::format("runs {} as a rollback step, under no verify line: a check would "
                           "run it again. If its run is the proof, make it a `run` check",
                           script);
    const auto shown = literals(
        std::vector<std::string>(words.begin() + static_cast<std::ptrdiff_t>(at), words.end()));
    std::vector<std::string> command = {"${project.python}"};
    command.insert(command.end(), shown.begin(), shown.end());
    s.check("run", fmt::format("{} runs clean", fmt::join(shown, " ")))
        .text("cwd", "${project.root}")
        .text("timeout", "5m")
        .list("env", {"${project.environment?}", "PYTHONDONTWRITEBYTECODE=1"})
        .list("command", command);
    return {};
}

inline std::string crontab(step_context& s, const std::vector<std::string>& words) {
    if (has_flag(words, {"-e"})) {
        s.state.crontab_step = s.step_id;
        s.warn(fmt::format("`{}` opens an editor: a step meant to be scripted, or run under "
                           "pressure, cannot rely on it. Install the crontab from a file kept "
                           "with the runbook (`crontab FILE`); cron.expect proves the entry",
                           s.step.text));
        return {};
    }
    return "installs a crontab whole: a cron.expect check of each entry it installs, or "
           "cron.diff against a snapshot, proves it";
}

inline void cron_entry(step_context& s) {
    crontab_options options;
    options.check_programs = false;
    const auto parsed = parse_crontab(s.step.text + "\n", "runbook", options);
    if (parsed.entries.size() != 1) return s.todo("not one crontab entry");
    const auto& entry = parsed.entries.front();
    // cron runs it; the check reads the schedule by its fire times.
    if (std::string why; !parse_cron_schedule(entry.schedule.text, why))
        return s.todo(fmt::format("the schedule {} has no fire times rollcheck reads: {}",
                                  entry.schedule.text, why));
    const auto schedule = s.values.refer("cron", "schedule", entry.schedule.text, s.step.line);
    const auto command = s.values.refer("cron", "command", entry.normalized_command(), s.step.line);
    auto& c =
        s.check("cron.expect", fmt::format("the cron entry {} {} is scheduled", schedule, command));
    // The step that edits the crontab is the one this entry proves.
    if (!s.state.crontab_step.empty()) c.steps.insert(c.steps.begin(), s.state.crontab_step);
    c.text("file", "${cron.crontab?}")
        .text("user", "${cron.user?}")
        .text("schedule", schedule)
        .text("command", command);
    // What the phase stopped must not come back by cron.
    std::vector<std::string> stopped;
    for (const auto& other : s.phase.checks)
        if (other.kind == "proc.absent")
            for (const auto& o : other.options)
                if (o.name == "pattern") stopped.push_back(o.values.front());
    if (!stopped.empty()) s.phase.checks.back().list("absent", stopped);
}

inline std::string log(step_context& s, const std::vector<std::string>& words) {
    auto files = operands(words, 1, {"-n", "--lines", "-c", "--bytes", "-s"});
    files.erase(
        std::remove_if(files.begin(), files.end(),
                       [](const std::string& f) { return f.find("log") == std::string::npos; }),
        files.end());
    if (files.empty()) return "reads no log file: write its check by hand";
    const bool same = s.values.refer_list("logs", "files", files, s.step.line);
    files = literals(std::move(files));
    s.values.refer_list("logs", "errors", {"ERROR|CRITICAL|Traceback"}, s.step.line,
                        "what an error line looks like: rollcheck's usual patterns, since "
                        "the runbook names none");
    s.values.leave("logs", "progress", true,
                   "TODO: a pattern of a line that shows the job working (processed [0-9]+ "
                   "items): the runbook watches the log without saying what to look for");
    s.check("logs.scan", fmt::format("{} without error since the rollback, showing progress",
                                     same ? "${logs.files}" : joined(files)))
        .list("files", same ? std::vector<std::string>{"${logs.files}"} : files)
        .flag("rotated")
        .list("error", {"${logs.errors?}"})
        .list("require", {"${logs.progress}"})
        .text("since", "${rollback.since:-1h}");
    return {};
}

inline std::string notice(step_context& s, const std::vector<std::string>& words) {
    const auto to = operands(words, 1, {"-s", "-c", "-b", "-r", "-a", "-S"});
    s.note(phase_note::type::note,
           fmt::format("`{}` sends a notice: a plan has no notices, the run sends them. "
                       "`rollcheck-suite --notify-command 'mail -s \"$ROLLCHECK_SUBJECT\" {}'` "
                       "mails the verdict when the run ends",
                       s.step.text,
                       to.empty() ? "ADDRESS" : fmt::format("{}", fmt::join(to, " "))));
    return {};
}

} // namespace rollcheck::detail::draft
