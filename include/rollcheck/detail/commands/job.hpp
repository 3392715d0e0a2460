// `rollcheck job …`: the batch job as a whole, whichever way it shows itself:
// its process, its log, cron's record of starting it.
#pragma once

#include <memory>
#include <string>

#include "../../job_ran.hpp"

#include "common.hpp"
#include "cron.hpp"

namespace rollcheck::detail::commands {
namespace job {

inline void add_job_ran_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "ran", "the job ran since a time: a process runs it, its log shows progress since, or "
               "cron's record (CRON[pid]: (user) CMD (command)) shows cron starting it since");
    struct options {
        job_ran_spec spec;
        std::string since = "1h";
        std::vector<std::string> progress;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--command", o->spec.command,
                    "the job's command as the crontab writes it (cron's record is matched by "
                    "it, its process pattern derived from it)")
        ->required();
    cmd->add_option("--process", o->spec.process,
                    "RE2 pattern searched in what each process runs (default: the stem of the "
                    "command's first .py word, else its program's name)");
    cmd->add_option("--log", o->spec.logs,
                    "the job's log file or glob, rotated files included (repeatable)");
    cmd->add_option("--progress", o->progress,
                    "RE2 pattern of a log line that shows the job working (repeatable: any of "
                    "them; default: any line)")
        ->allow_extra_args(false);
    cmd->add_option("--since", o->since,
                    "only log lines and records at or after TIME (or "
                    "DURATION ago)")
        ->check(since_validator())
        ->capture_default_str();
    cron::add_record_options(*cmd, o->spec);
    add_check(*cmd, [o](const output_options& out) {
        auto spec = o->spec;
        spec.since = parse_since(o->since);
        if (o->progress.size() == 1) spec.progress = o->progress.front();
        if (o->progress.size() > 1) {
            spec.progress.clear();
            for (const auto& p : o->progress)
                spec.progress += (spec.progress.empty() ? "(?:" : "|(?:") + p + ")";
        }
        spec.show = out.evidence_limit();
        return check_job_ran(spec);
    });
}

inline void add_job_commands(CLI::App& app) {
    auto* group =
        app.add_subcommand("job", "the batch job: did it run since the rollback (its process, "
                                  "its log or cron's record)");
    group->require_subcommand(1);
    add_job_ran_command(*group);
}

} // namespace job
} // namespace rollcheck::detail::commands
