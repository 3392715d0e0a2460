/// \file commands.hpp
/// The subcommands of the `rollcheck` program, as a library: the one place
/// where each check kind's options are read. The program parses its command
/// line with them; a suite runs a target file's `[[check]]` tables through
/// them, so an option means the same in both.
///
/// ```cpp
/// #include <rollcheck/commands.hpp>
///
/// int run_rollcheck(int argc, char** argv) {
///     CLI::App app{"rollcheck", "rollcheck"};
///     app.require_subcommand(1);
///     rollcheck::cli::add_all_commands(app);
///     CLI11_PARSE(app, argc, argv);
///     return rollcheck::cli::exit_status();
/// }
/// ```
///
/// Needs CLI11 (Debian's libcli11-dev) and compiles every verifier family:
/// include it in one translation unit.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "result.hpp"

namespace rollcheck::cli {

/// Adds every subcommand (`db …`, `cron …`, `logs …`, `job …`, `py imports`,
/// `files …`, `run`, `proc …`, `net …`, `containers …`) to `app`. Each prints
/// its result when it runs.
inline void add_all_commands(CLI::App& app);

/// The `db …` subcommands alone: the PostgreSQL checks.
inline void add_db_commands(CLI::App& app);

/// Every subcommand but `db …`. A program built with only these (and
/// src_core.hpp, see src.hpp) never loads libpq: the `rollcheck` program
/// hands `db …` to a program of its own, and starts sooner for it.
inline void add_host_commands(CLI::App& app);

/// What `db` holds, as the help says it.
inline constexpr const char* db_commands_summary =
    "PostgreSQL checks: duplicates, recent writes, freshness, baseline and compare, backups";

/// The exit status of the subcommand that ran: 0 pass, warn or skip; 1 fail;
/// 2 error; 128+signal when a signal stopped it (stop.hpp).
[[nodiscard]] inline int exit_status();

/// "db.duplicates" → {"db", "duplicates"}: the subcommand a check kind is.
[[nodiscard]] inline std::vector<std::string> command_words(const std::string& kind);

/// Runs the check `kind` with `arguments` as its command-line options, as
/// `rollcheck WORDS… ARGUMENTS…` would, and returns its result instead of
/// printing it. An unknown kind or option is an error result naming `where`
/// (a `[[check]]`'s file:line:column). Safe to call from several threads.
[[nodiscard]] inline check_result run_declared_check(const std::string& kind,
                                                     const std::vector<std::string>& arguments,
                                                     const std::string& where);

/// Whether `kind` names a check of the command line ("db.duplicates").
[[nodiscard]] inline bool is_check_kind(const std::string& kind);

/// What is wrong with `arguments` as the options of the check `kind`,
/// found by parsing and validating them without running the check; empty
/// when nothing is. Safe to call from several threads.
[[nodiscard]] inline std::string declared_check_fault(const std::string& kind,
                                                      const std::vector<std::string>& arguments);

} // namespace rollcheck::cli

// The definitions, apart so that this file reads as the API.
#include "detail/commands/commands_impl.hpp"
