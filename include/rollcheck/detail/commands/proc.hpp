// `rollcheck proc …`: processes, read from /proc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../processes.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace proc {

inline void add_proc_command(CLI::App& group, const std::string& name, bool running) {
    auto* cmd = group.add_subcommand(
        name, running ? "processes whose command line (or, with --runs, what they run) "
                        "matches are running (at least or exactly N)"
                      : "no process's command line (or, with --runs, what it runs) matches");
    struct options {
        process_spec spec;
        std::string wait = "0s";
        bool exactly = false;
        bool runs = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("pattern,--pattern", o->spec.pattern,
                    "RE2 pattern searched in each command line (arguments joined by spaces)")
        ->required();
    cmd->add_flag("--runs", o->runs,
                  "search the pattern in what a process runs (the script an interpreter runs, "
                  "resolved against its directory; the -m module; else its program), so that "
                  "`less script.py` is not the script");
    if (running) {
        cmd->add_option("--count", o->spec.count, "how many must run (at least)")
            ->capture_default_str();
        cmd->add_flag("--exactly", o->exactly, "exactly --count, not at least");
    }
    add_duration(*cmd, "--wait", o->wait, "wait this long for the condition to hold");
    add_check(*cmd, [o, running](const output_options& out) {
        o->spec.expect = !running     ? process_expectation::none
                         : o->exactly ? process_expectation::exactly
                                      : process_expectation::at_least;
        o->spec.wait = parse_duration(o->wait);
        o->spec.match = o->runs ? process_match::runs : process_match::command_line;
        o->spec.show = out.evidence_limit();
        return check_processes(o->spec);
    });
}

inline void add_proc_commands(CLI::App& app) {
    auto* proc = app.add_subcommand("proc", "processes, read from /proc");
    proc->require_subcommand(1);
    add_proc_command(*proc, "running", true);
    add_proc_command(*proc, "absent", false);
}

} // namespace proc
} // namespace rollcheck::detail::commands
