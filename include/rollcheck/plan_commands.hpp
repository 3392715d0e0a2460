/// \file plan_commands.hpp
/// `rollcheck plan …`: the subcommands that work on plan files rather than
/// check a system, as a library. Apart from commands.hpp, whose checks a
/// suite runs: drafting a plan links cmark-gfm and libpg_query
/// (plan_draft.hpp), which a suite, or any other program built on
/// commands.hpp, has no use for.
///
/// ```cpp
/// #include <rollcheck/commands.hpp>
/// #include <rollcheck/plan_commands.hpp>
///
/// int run_rollcheck(int argc, char** argv) {
///     CLI::App app{"rollcheck", "rollcheck"};
///     app.require_subcommand(1);
///     rollcheck::cli::add_host_commands(app);
///     rollcheck::cli::add_plan_commands(app); // rollcheck plan draft RUNBOOK.md
///     CLI11_PARSE(app, argc, argv);
///     return rollcheck::cli::exit_status();
/// }
/// ```
///
/// Needs CLI11, and what plan_draft.hpp needs: include it in one
/// translation unit.
#pragma once

#include <CLI/CLI.hpp>

namespace rollcheck::cli {

/// Adds `plan draft` to `app`. It prints the plan (or writes it with
/// --out), its TODOs, warnings and a summary on stderr, and sets the exit
/// status: 0 for a draft, 2 when none could be made.
inline void add_plan_commands(CLI::App& app);

} // namespace rollcheck::cli

// The definitions, apart so that this file reads as the API.
#include "detail/commands/plan.hpp"
