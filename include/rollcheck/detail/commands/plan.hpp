// `rollcheck plan draft RUNBOOK.md`: a first plan from a runbook
// (plan_draft.hpp), on stdout or in --out, with what it could not read on
// stderr.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "../../plan_commands.hpp"
#include "../../plan_draft.hpp"
#include "../atomic_file.hpp"
#include "common.hpp"

namespace rollcheck::detail::commands::plan {

struct draft_command_options {
    std::string runbook;
    std::string out;
    std::string name;
    bool force = false;
};

/// Drafts, prints what the draft could not read, writes the plan: the exit status.
inline int run_draft(const draft_command_options& o) {
    const std::string program = "rollcheck plan draft";
    std::error_code ec;
    if (!o.out.empty() && !o.force && std::filesystem::exists(o.out, ec)) {
        fmt::print(stderr, "{}: {} exists: --force replaces it\n", program, o.out);
        return 2;
    }
    draft_options options;
    options.plan_name = o.name;
    const auto d = draft_plan_file(o.runbook, options);
    for (const auto& n : d.warnings)
        fmt::print(stderr, "warning: {}\n", n.text());
    for (const auto& n : d.todos)
        fmt::print(stderr, "todo: {}\n", n.text());
    for (const auto& n : d.notes)
        fmt::print(stderr, "note: {}\n", n.text());
    if (!d.ok()) {
        fmt::print(stderr, "{}: {}\n", program, d.error);
        return 2;
    }
    if (o.out.empty()) {
        fmt::print("{}", d.toml);
        std::fflush(stdout);
    } else if (const auto why = write_file_atomically(o.out, d.toml); !why.empty()) {
        fmt::print(stderr, "{}: {}\n", program, why);
        return 2;
    }
    fmt::print(stderr, "{}: {}\n", program, d.summary());
    if (!o.out.empty())
        fmt::print(stderr, "{}: wrote {}; `rollcheck-suite --plan {} --list-tests` checks it\n",
                   program, o.out, o.out);
    return 0;
}

inline void add_plan_draft_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "draft", "Draft a plan from a runbook in Markdown: a phase per section of rollback "
                 "steps, a check for each step rollcheck can check (citing its line), a TODO "
                 "for each it cannot, the runbook's traps as warnings; prints the plan, or "
                 "writes it to --out, and what it could not read on stderr; exits 0, or 2 when "
                 "no plan could be drafted");
    auto o = std::make_shared<draft_command_options>();
    cmd->add_option("runbook", o->runbook, "the runbook, in Markdown (GitHub's)")->required();
    cmd->add_option("--out,-o", o->out, "write the plan to this file (default: stdout)");
    cmd->add_option("--name", o->name,
                    "the plan's [plan] name (default: the runbook's file name without extension)");
    cmd->add_flag("--force", o->force, "replace --out when it exists");
    cmd->callback([o] { exit_status_slot() = run_draft(*o); });
}

} // namespace rollcheck::detail::commands::plan

namespace rollcheck::cli {

inline void add_plan_commands(CLI::App& app) {
    auto* plan = app.add_subcommand("plan", "plan files: draft one from a runbook");
    plan->require_subcommand(1);
    detail::commands::plan::add_plan_draft_command(*plan);
}

} // namespace rollcheck::cli
