// `rollcheck py …`: Python checks: imports.
//
// Each subcommand is one add_<name>_command function that fills the
// verifier's spec from its options and leaves printing to add_check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../imports.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace py {

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

inline void add_py_commands(CLI::App& app) {
    auto* py = app.add_subcommand("py", "Python checks: imports");
    py->require_subcommand(1);
    add_py_imports_command(*py);
}

} // namespace py
} // namespace rollcheck::detail::commands
