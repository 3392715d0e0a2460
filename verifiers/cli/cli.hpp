// What every subcommand of the `rollcheck` command line shares: output
// options, printing a result, exit statuses, and parsing durations.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <rollcheck/result.hpp>
#include <rollcheck/time.hpp>

namespace rollcheck::cli {

/// `--json` and `--show N|all`, on every subcommand that prints a result.
struct output_options {
    bool json = false;
    std::string show = "10";

    /// How many evidence items to keep (`all`: every one).
    [[nodiscard]] std::size_t evidence_limit() const;
};

/// The exit status the program returns; set by the subcommand that ran.
int& exit_status_slot();

/// Adds --json and --show to `cmd` and makes running `cmd` call `check`,
/// print its result (readable or JSON) and set the exit status from its verdict.
void add_check(CLI::App& cmd, std::function<check_result(const output_options&)> check);

/// Prints `r` to stdout in the chosen form.
void print_result(const check_result& r, const output_options& out);

/// "250ms", "90s", "15m", "1h", "7d" (also combined: "1h30m"); throws
/// CLI::ValidationError naming the text when it is not a duration.
[[nodiscard]] std::chrono::milliseconds parse_duration(const std::string& text);

/// A CLI11 validator that accepts what parse_duration accepts.
[[nodiscard]] CLI::Validator duration_validator();

/// A time (ISO 8601, syslog, epoch seconds …) or a duration meaning that long
/// ago, as rollcheck::parse_since reads it; throws CLI::ValidationError.
[[nodiscard]] time_point parse_since(const std::string& text);

/// A CLI11 validator that accepts what parse_since accepts.
[[nodiscard]] CLI::Validator since_validator();

/// Every subcommand family, added to `app` the one way the program does.
void add_all_commands(CLI::App& app);

/// "db.duplicates" → {"db", "duplicates"}: the subcommand a check kind is.
[[nodiscard]] std::vector<std::string> command_words(const std::string& kind);

/// Runs the check `kind` with `arguments` as its command-line options, as
/// `rollcheck WORDS… ARGUMENTS…` would, and returns its result instead of
/// printing it: the target file's [[check]] tables and the command line read
/// options in this one place. An unknown kind or option is an error result
/// naming `where` (the [[check]]'s file:line:column).
[[nodiscard]] check_result run_declared_check(const std::string& kind,
                                              const std::vector<std::string>& arguments,
                                              const std::string& where);

/// The subcommand groups, each in a translation unit of its own.
void add_db_commands(CLI::App& app);
void add_cron_commands(CLI::App& app);
void add_logs_commands(CLI::App& app);
void add_code_commands(CLI::App& app);

} // namespace rollcheck::cli
