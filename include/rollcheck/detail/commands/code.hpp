// `rollcheck py|files|run|proc|net …`: code and runtime checks: Python imports,
// removed and restored files, commands, processes, ports and HTTP health.
//
// Each subcommand is one add_<name>_command function that fills the
// verifier's spec from its options and leaves printing to add_check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../command.hpp"
#include "../../files.hpp"
#include "../../imports.hpp"
#include "../../net.hpp"
#include "../../processes.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace code {

/// An option holding a duration, validated by parse_duration.
inline CLI::Option* add_duration(CLI::App& cmd, const std::string& name, std::string& value,
                                 const std::string& help) {
    return cmd.add_option(name, value, help)->check(duration_validator())->capture_default_str();
}

/// --module, --gone and --entry-point: what an import check imports.
inline std::vector<CLI::Option*> add_import_lists(CLI::App& cmd, import_spec& spec) {
    return {cmd.add_option("--module,-m", spec.must_import, "module that must import (repeatable)")
                ->allow_extra_args(false),
            cmd.add_option("--gone,-g", spec.must_not_import,
                           "module that must not be importable any more (repeatable)")
                ->allow_extra_args(false),
            cmd.add_option("--entry-point,-e", spec.entry_points,
                           "script whose imports must resolve as `python SCRIPT` runs it, "
                           "without running its job (repeatable; relative to --cwd)")
                ->allow_extra_args(false)};
}

inline void add_py_imports_command(CLI::App& group) {
    auto* cmd =
        group.add_subcommand("imports", "modules and entry points import, and removed modules no "
                                        "longer do, each in a fresh child of one interpreter");
    struct options {
        import_spec spec;
        std::string interpreter, timeout = "60s", module_timeout = "10s";
        environment_options env;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--python", o->interpreter,
                    "the interpreter (a path) or a virtualenv directory (its bin/python)")
        ->required();
    cmd->add_option("--cwd", o->spec.working_directory,
                    "directory the interpreter runs in (first on sys.path)");
    cmd->add_option("--pythonpath", o->spec.python_path,
                    "entry put before the inherited PYTHONPATH (repeatable)")
        ->allow_extra_args(false);
    add_import_lists(*cmd, o->spec);
    o->env.add_to(*cmd, "the interpreter (a PYTHONPATH here replaces the inherited one)");
    add_duration(*cmd, "--timeout", o->timeout, "deadline for the whole check");
    add_duration(*cmd, "--module-timeout", o->module_timeout,
                 "deadline for one module's import (a module still importing is an error)");
    add_check(*cmd, [o](const output_options& out) {
        o->spec.interpreter = o->interpreter;
        o->spec.environment = o->env.variables();
        o->spec.timeout = parse_duration(o->timeout);
        o->spec.module_timeout = parse_duration(o->module_timeout);
        o->spec.show = out.evidence_limit();
        return check_imports(o->spec);
    });
}

inline void add_files_absent_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "absent", "files, directories and globs that a rollback removed are gone");
    auto spec = std::make_shared<absent_spec>();
    cmd->add_option("paths,--paths", spec->paths,
                    "paths and globs (*, ?, [...], ** for any directories; quote them)")
        ->required();
    cmd->add_option("--root", spec->root, "directory relative paths start from (default: .)");
    add_check(*cmd, [spec](const output_options& out) {
        spec->show = out.evidence_limit();
        return check_absent(*spec);
    });
}

inline void add_files_removed_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "removed", "paths a rollback removed are gone and, with --python, their modules no "
                   "longer import while the old system's still do: one result of both");
    struct options {
        absent_spec paths;
        import_spec imports;
        std::string interpreter;
        environment_options env;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("paths,--paths", o->paths.paths,
                    "paths and globs that must be gone (*, ?, [...], ** for any directories; "
                    "quote them)")
        ->required();
    cmd->add_option("--root", o->paths.root, "directory relative paths start from (default: .)");
    auto* python = cmd->add_option(
        "--python", o->interpreter,
        "also check imports with this interpreter (a path) or virtualenv directory");
    auto needing_python = add_import_lists(*cmd, o->imports);
    needing_python.push_back(
        cmd->add_option("--cwd", o->imports.working_directory,
                        "directory the interpreter runs in (default: --root)"));
    needing_python.push_back(o->env.add_to(*cmd, "the interpreter"));
    for (auto* option : needing_python)
        option->needs(python);
    add_check(*cmd, [o](const output_options& out) {
        o->paths.show = out.evidence_limit();
        auto absent = check_absent(o->paths);
        if (o->interpreter.empty()) {
            absent.check = "files.removed";
            return absent;
        }
        import_spec spec = o->imports;
        spec.interpreter = o->interpreter;
        if (spec.working_directory.empty()) spec.working_directory = o->paths.root;
        spec.environment = o->env.variables();
        spec.show = out.evidence_limit();
        return combine_results("files.removed",
                               {{"paths", std::move(absent)}, {"imports", check_imports(spec)}},
                               out.evidence_limit());
    });
}

inline void add_files_restored_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "restored", "files are identical to a git revision (HEAD by default) or an archive copy");
    struct options {
        restored_spec spec;
        std::string timeout = "30s";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("paths,--paths", o->spec.paths,
                    "files, directories or globs: relative to --root against a revision, "
                    "relative to --archive against an archive")
        ->required();
    cmd->add_option("--root", o->spec.root, "the directory the files were restored into")
        ->required();
    auto* revision = cmd->add_option("--revision", o->spec.revision,
                                     "git revision whose content is the reference")
                         ->capture_default_str();
    cmd->add_option("--archive", o->spec.archive,
                    "directory holding the reference copies, instead of git")
        ->excludes(revision);
    add_duration(*cmd, "--git-timeout", o->timeout, "deadline of each git command");
    add_check(*cmd, [o](const output_options& out) {
        o->spec.timeout = parse_duration(o->timeout);
        o->spec.show = out.evidence_limit();
        return check_restored(o->spec);
    });
}

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

inline void add_net_port_command(CLI::App& group) {
    auto* cmd = group.add_subcommand("port", "a TCP port is open (or, with --closed, closed)");
    struct options {
        port_spec spec;
        bool closed = false;
        std::string timeout = "3s";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--host", o->spec.host, "host name or address")->capture_default_str();
    cmd->add_option("--port", o->spec.port, "TCP port")->required()->check(CLI::Range(1, 65535));
    cmd->add_flag("--closed", o->closed, "expect the port closed: nothing accepts");
    add_duration(*cmd, "--timeout", o->timeout, "deadline for resolving and connecting");
    add_check(*cmd, [o](const output_options&) {
        o->spec.expect_open = !o->closed;
        o->spec.timeout = parse_duration(o->timeout);
        return check_port(o->spec);
    });
}

inline void add_net_http_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "http", "an HTTP GET answers a status (and a body pattern), or, with --no-answer, nothing");
    struct options {
        http_spec spec;
        std::string timeout = "5s";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("url,--url", o->spec.url, "http://host[:port]/path")->required();
    cmd->add_option("--status", o->spec.expect_status, "status the answer must have")
        ->capture_default_str();
    cmd->add_option("--body", o->spec.body_pattern, "RE2 pattern the body must match");
    cmd->add_option("--body-limit", o->spec.body_limit, "body bytes read at most")
        ->capture_default_str();
    cmd->add_flag("--no-answer", o->spec.expect_no_answer,
                  "pass only when nothing answers (a stopped service)");
    add_duration(*cmd, "--timeout", o->timeout, "deadline for the whole exchange");
    add_check(*cmd, [o](const output_options&) {
        o->spec.timeout = parse_duration(o->timeout);
        return check_http(o->spec);
    });
}

inline void add_code_commands(CLI::App& app) {
    auto* py = app.add_subcommand("py", "Python checks: imports");
    py->require_subcommand(1);
    add_py_imports_command(*py);

    auto* files = app.add_subcommand(
        "files", "removed paths are gone (and their modules with them), restored files are intact");
    files->require_subcommand(1);
    add_files_absent_command(*files);
    add_files_removed_command(*files);
    add_files_restored_command(*files);

    add_run_command(app);

    auto* proc = app.add_subcommand("proc", "processes, read from /proc");
    proc->require_subcommand(1);
    add_proc_command(*proc, "running", true);
    add_proc_command(*proc, "absent", false);

    auto* net = app.add_subcommand("net", "TCP ports and HTTP health");
    net->require_subcommand(1);
    add_net_port_command(*net);
    add_net_http_command(*net);
}

} // namespace code
} // namespace rollcheck::detail::commands
