/// \file target.hpp
/// The target file: one TOML file that points the phase suites at one
/// environment (its checkout, database, crontab, logs, API) and declares
/// extra checks. A plan's `[defaults]` fill in what the target leaves out,
/// so a target for the plan's system names little more than where things
/// are. docs/target.md describes the format.
///
/// Not part of rollcheck.hpp: reading TOML costs toml++'s headers in every
/// unit that includes this one, so only the programs that read targets do.
///
/// ```cpp
/// #include <rollcheck/target.hpp>
///
/// int main(int argc, char** argv) {
///     const auto reading = rollcheck::load_target(argc > 1 ? argv[1] : "target.toml");
///     // Each fault as "target.toml:3:1: unknown key 'tabel' in [database]".
///     for (const auto& e : reading.errors)
///         fmt::print(stderr, "{}\n", e.text());
///     if (!reading.ok()) return 2;
///     const rollcheck::target& t = *reading.value;
///     fmt::print("{} in {}, {} declared checks\n", t.table.display(), t.project_root.string(),
///                t.checks.size());
///     return 0;
/// }
/// ```
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "detail/inline.hpp"
#include "postgres.hpp"
#include "report.hpp"
#include "time.hpp"

namespace rollcheck {

/// A check the target declares with `[[check]]`, for a phase suite to run
/// through the verifier named `kind`.
struct declared_check {
    std::string phase;    ///< the id of one of the plan's phases
    std::string severity; ///< "P0" (most urgent) to "P3"
    std::string name;     ///< what people read: "orders table has no duplicated order_id"
    std::string kind;     ///< the verifier as results name it: "db.duplicates"
    /// The other keys as the verifier's command-line words, in the file's
    /// order: `table = "orders"` is "--table=orders"; `true` is the bare
    /// flag and `false` leaves it out; an array repeats the option. An
    /// option that is positional on the command line (`files absent PATHS`)
    /// is named by its positional name (`paths = [...]`).
    std::vector<std::string> arguments;
    std::string where; ///< the `[[check]]` header: "target.toml:12:1"
};

/// One environment, every path absolute. Paths in `[project]`'s sense (log
/// files, the archive) are resolved against `project_root`; the target's own
/// files (backup, baseline, crontab file and snapshot, a relative root)
/// against the target file's directory. An empty path was not given.
struct target {
    std::filesystem::path file;         ///< the target file itself
    std::filesystem::path project_root; ///< the checkout; default: the target file's directory
    std::string python = "python3";     ///< the interpreter of the project's scripts
    /// `[project] revision`: the commit or tag restored files must equal
    /// (the one before the migration, once the migration is committed).
    std::string revision = "HEAD";
    /// `[project] environment`: set for every command and interpreter run in
    /// the project (`PYTHONPATH = "."` and the like).
    std::map<std::string, std::string> environment;
    /// `[project] entry_points`: the old system's scripts, whose imports
    /// must resolve as `python SCRIPT` runs them after every phase that
    /// removes code; relative to the root.
    std::vector<std::string> entry_points;
    /// `[project] old_modules`: the old system's modules that must import
    /// after every phase that removes code.
    std::vector<std::string> old_modules;

    connection_spec connection;     ///< `dsn`, never holding a password
    table_ref table;                ///< the table rows land in
    std::string key;                ///< one row per value of this column
    std::string timestamp_column;   ///< when a row was written
    std::filesystem::path backup;   ///< the `pg_dump -Fc` archive
    std::filesystem::path baseline; ///< what `db baseline` wrote
    /// `[backup] restore_check`: Phase 7 proves the backup by restoring it.
    bool restore_check = false;
    /// `[backup] scratch_dsn`: the empty database to restore into, never
    /// holding a password; empty: a throwaway cluster.
    std::string restore_scratch_dsn;
    std::filesystem::path postgres_bindir;  ///< `[backup] bindir`: initdb, postgres, pg_restore
    std::filesystem::path crontab_file;     ///< a crontab file, or
    std::string crontab_user;               ///< a user's crontab; neither: the caller's
    std::filesystem::path crontab_snapshot; ///< what `cron snapshot` wrote
    std::string job_schedule;               ///< the job's cron schedule
    std::string job_command;                ///< the job's command, as its cron entry runs it
    /// `[cron] syslog`: where cron records the runs it starts (resolved)
    std::vector<std::string> cron_logs;
    /// `[cron] journal`: cron's record is also in this machine's systemd journal
    bool cron_journal = false;
    std::vector<std::string> log_files;         ///< the job's logs, resolved
    std::vector<std::string> error_patterns;    ///< RE2: an error line of the job's
    std::vector<std::string> progress_patterns; ///< RE2: a line of the job's progress

    /// The API's health URL; when not given, made of `api_host` and `api_port`.
    std::string api_url;
    std::string api_host; ///< from `url` when that is given
    int api_port = 0;     ///< from `url` when that is given

    /// `[pipeline]`: the values of this system that a plan names and the
    /// target format does not (`unified = "run_unified_pipeline"`), each a
    /// string or an array of strings, as written.
    std::map<std::string, std::vector<std::string>> pipeline;
    /// `[rollback] plan`: the plan file to run, if given.
    std::filesystem::path plan;
    std::optional<time_point> since; ///< when the rollback started, if given
    std::filesystem::path waivers;   ///< `[rollback] waivers`, if given
    /// `[rollback] before`: the reports of a run taken before the rollback
    /// (compare_with_earlier_run), if given.
    std::filesystem::path before;
    /// `[rollback] deadline`: a suite run stops, its reports written, once
    /// this long has passed (as `--deadline`); none when not given.
    std::optional<std::chrono::milliseconds> deadline;
    /// `[recovery] wait`: re-run failing checks until verified or their
    /// phase's deadline, as `--wait` does.
    bool wait = false;
    /// Per phase, the recovery time the plan promises, counted from the
    /// rollback's start; `[recovery]` overrides them phase by phase.
    std::map<std::string, std::chrono::milliseconds> recovery_targets;
    std::vector<declared_check> checks;
};

/// What the plan a target is read for tells the reader.
struct target_plan_facts {
    /// The plan file whose `[defaults]` table (in the target's format)
    /// fills in every key the target does not give; none when empty.
    std::filesystem::path defaults_file;
    /// The phases `[recovery]` and `[[check]]` may name; any when empty.
    std::vector<std::string> phases;
    /// The recovery targets the plan promises, before `[recovery]`.
    std::map<std::string, std::chrono::milliseconds> recovery_targets;
};

/// A fault of the target file, located: "target.toml:3:1: unknown key
/// 'tabel' in [database]". Never holds a password.
struct target_error {
    std::string where; ///< "file:line:column", or the file alone
    std::string message;

    /// "where: message".
    [[nodiscard]] std::string text() const { return fmt::format("{}: {}", where, message); }
};

/// What reading a target file gave: the target when it has no fault, and
/// every fault found otherwise (not only the first).
struct target_reading {
    std::optional<target> value;
    std::vector<target_error> errors;

    [[nodiscard]] bool ok() const noexcept { return value.has_value() && errors.empty(); }
};

/// The largest target file read; a target is a few kilobytes of TOML.
inline constexpr std::size_t target_file_limit = std::size_t{1} << 20;

/// Reads the target file at `path`. Never throws for the file's faults
/// (unreadable, too large, binary, not TOML, unknown keys, wrong types,
/// invalid values, a password in a DSN, a project root that does not
/// exist): each is an error. Files the target names other than the project
/// root may not exist yet; the checks that read them say so.
/// `plan` says which phases exist and what the target leaves to the plan.
[[nodiscard]] ROLLCHECK_INLINE target_reading load_target(const std::filesystem::path& path,
                                                          const target_plan_facts& plan = {});

/// Reads `text` as the target file `name`: `name` is used in messages and
/// its directory resolves the target's relative paths.
[[nodiscard]] ROLLCHECK_INLINE target_reading parse_target(std::string_view text,
                                                           const std::filesystem::path& name,
                                                           const target_plan_facts& plan = {});

/// The plan file the target at `path` names with `[rollback] plan`,
/// resolved; empty when it names none or cannot be read (load_target then
/// says why).
[[nodiscard]] ROLLCHECK_INLINE std::filesystem::path
plan_named_by_target(const std::filesystem::path& path);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/target/target_impl.hpp"
#endif
