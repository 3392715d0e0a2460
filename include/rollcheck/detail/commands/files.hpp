// `rollcheck files …`: removed paths are gone, restored files are intact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../files.hpp"

#include "common.hpp"
#include "py.hpp"

namespace rollcheck::detail::commands {
namespace files {

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
    auto needing_python = py::add_import_lists(*cmd, o->imports);
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

inline void add_files_commands(CLI::App& app) {
    auto* files = app.add_subcommand(
        "files", "removed paths are gone (and their modules with them), restored files are intact");
    files->require_subcommand(1);
    add_files_absent_command(*files);
    add_files_removed_command(*files);
    add_files_restored_command(*files);
}

} // namespace files
} // namespace rollcheck::detail::commands
