// `rollcheck run …`: a command with a deadline, its exit status and output.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../command.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace run {

inline void add_run_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "run", "run a command with a deadline; check its exit status and output for error lines "
               "(pytest is read by its exit statuses)");
    struct options {
        command_check_spec spec;
        std::vector<std::string> argv;
        std::string timeout = "60s";
        bool shell = false;
        std::vector<std::string> error_patterns;
        bool no_default_errors = false;
        std::string pytest = "auto";
        environment_options env;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("command,--command", o->argv, "the command and its arguments (after --)")
        ->required();
    cmd->add_flag("--shell", o->shell, "run the one argument with /bin/sh -c");
    cmd->add_option("--cwd", o->spec.command.working_directory, "directory the command runs in");
    o->env.add_to(*cmd, "the command");
    cmd->add_option("--expect-exit", o->spec.expect_exit, "exit status that means success")
        ->capture_default_str();
    cmd->add_option("--match", o->spec.must_match,
                    "RE2 pattern a line of stdout or stderr must match (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--no-match", o->spec.must_not_match,
                    "RE2 pattern no line of stdout or stderr may match (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--error-pattern", o->error_patterns,
                    "RE2 pattern of an error line: a run that prints one fails even when it "
                    "exits 0 (repeatable; added to 'ERROR|CRITICAL|Traceback')")
        ->allow_extra_args(false);
    cmd->add_flag("--no-default-error-patterns", o->no_default_errors,
                  "drop the runbook's 'ERROR|CRITICAL|Traceback': only --error-pattern counts");
    cmd->add_option("--pytest", o->pytest,
                    "read the run as pytest's: auto (when the command runs pytest), yes or no")
        ->check(CLI::IsMember({"auto", "yes", "no"}))
        ->capture_default_str();
    cmd->add_option("--tail", o->spec.tail_lines, "output lines shown as evidence, per stream")
        ->capture_default_str();
    add_duration(*cmd, "--timeout", o->timeout, "deadline; then the whole process tree is killed");
    add_check(*cmd, [o](const output_options& out) {
        if (o->shell && o->argv.size() != 1)
            throw CLI::ValidationError("--shell", "takes exactly one script argument");
        if (o->no_default_errors) o->spec.error_patterns.clear();
        o->spec.error_patterns.insert(o->spec.error_patterns.end(), o->error_patterns.begin(),
                                      o->error_patterns.end());
        o->spec.pytest = o->pytest == "yes"  ? pytest_reading::yes
                         : o->pytest == "no" ? pytest_reading::no
                                             : pytest_reading::detect;
        o->spec.command.argv = o->shell ? command_spec::shell(o->argv.front()).argv : o->argv;
        o->spec.command.environment = o->env.variables();
        o->spec.command.timeout = parse_duration(o->timeout);
        o->spec.show = out.evidence_limit();
        return check_command(o->spec);
    });
}

} // namespace run
} // namespace rollcheck::detail::commands
