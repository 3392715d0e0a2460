/// \file backup.hpp
/// Backup verification: a pg_dump custom-format archive exists, is not empty,
/// is recent enough, reads through with pg_restore, and holds TABLE DATA for
/// the tables that matter; and, proven the only sure way, restores into a
/// scratch database with its tables' rows and no duplicated key.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "detail/inline.hpp"
#include "postgres.hpp"
#include "result.hpp"

namespace rollcheck {
/// What a backup must be.
struct backup_spec {
    /// The archive, as written by `pg_dump -Fc`.
    std::filesystem::path archive;
    /// Tables whose data it must hold; an empty schema means `public` (an
    /// archive has no search_path).
    std::vector<table_ref> tables;
    /// Oldest acceptable age of the file (its modification time); zero: any age.
    std::chrono::milliseconds max_age{std::chrono::hours(26)};
    /// When set, the archive must have been written before this time (the
    /// start of the rollback: a backup taken after it may already hold the fault).
    std::optional<std::chrono::system_clock::time_point> taken_before;
    /// Also read every data block (`pg_restore --file=/dev/null`): `--list`
    /// reads only the table of contents, so it accepts a truncated archive.
    bool read_data = true;
    /// The pg_restore to run (a name is looked up on PATH).
    std::string pg_restore = "pg_restore";
    /// Deadline for each pg_restore run.
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::size_t show = 10;
};

/// Verifies the backup `spec` describes. Check name "db.backup".
///
/// fail: the archive is missing, empty, older than max_age, not a custom-format
/// archive, unreadable by pg_restore, or lacks TABLE DATA for a named table.
/// error: pg_restore cannot be run or times out, or the file cannot be examined.
[[nodiscard]] ROLLCHECK_INLINE check_result check_backup(const backup_spec& spec);

/// A table a restore check looks at in the restored copy.
struct restored_table {
    /// An empty schema means `public` (an archive has no search_path).
    table_ref table;
    /// Columns whose values must be held by one row each; empty: the rows
    /// are counted and duplicates not looked for.
    std::vector<std::string> key;
};

/// What proving a backup by restoring it takes. The restore never goes into
/// the system being checked: only into a throwaway cluster, or into a scratch
/// database the caller names.
struct backup_restore_spec {
    /// The archive, as written by `pg_dump -Fc`; all of it is restored.
    std::filesystem::path archive;
    /// The tables whose restored copy must hold rows and no duplicated key.
    std::vector<restored_table> tables;
    /// A database to restore into, as a libpq connection string or URI. It
    /// must hold no table and no schema but `public`: rollcheck never drops
    /// anything, and a restore would collide with what is there. The restored
    /// copy stays in it. Empty: a throwaway cluster (initdb in a temporary
    /// directory, a unix socket only), removed after the check.
    std::string scratch_dsn;
    /// Where initdb, postgres and pg_restore are. Empty: `pg_config
    /// --bindir`, else /usr/lib/postgresql/15/bin (for a scratch database
    /// without either, pg_restore on PATH).
    std::filesystem::path bindir;
    /// Deadline of the restore: pg_restore's one run.
    std::chrono::milliseconds restore_timeout{std::chrono::minutes(30)};
    /// Deadline of each step of the throwaway cluster: initdb, the start, the stop.
    std::chrono::milliseconds cluster_timeout{std::chrono::minutes(1)};
    /// Deadline of each query on the restored copy (the count, the duplicates).
    std::chrono::milliseconds query_timeout{std::chrono::minutes(5)};
    std::size_t show = 10; ///< duplicated keys listed as evidence
};

/// Restores the whole archive into a scratch database (`pg_restore
/// --single-transaction --no-owner --no-privileges`), then counts each
/// named table's rows there and looks for duplicated keys with
/// check_duplicates. Check name "db.backup-restore"; the restore's time is
/// `totals.restore_s` and is in the summary: it is the least a recovery from
/// this archive takes.
///
/// pass: every table restored with rows and no duplicated key.
/// fail: the archive is missing, empty or not a custom-format archive;
/// pg_restore fails on it; a table is missing from the restored copy, has
/// no rows, or holds a duplicated key (evidence: the keys, bounded by `show`).
/// warn: a key is NULL in some rows (as check_duplicates' default).
/// error: pg_restore, initdb or the server cannot run or miss a deadline;
/// the scratch database cannot be reached or is not empty.
///
/// As root, the throwaway cluster runs as the OS user `postgres` (initdb and
/// postgres refuse root), through setpriv; without that user the check is
/// an error asking for a scratch database.
[[nodiscard]] ROLLCHECK_INLINE check_result check_backup_restore(const backup_restore_spec& spec);

/// check_backup of `archive`, then check_backup_restore of `restore` only
/// when the archive passed it: a restore of an archive known to be bad
/// proves nothing and can take many minutes. The result is the archive
/// check's, its summary ending "the restore was not attempted", when the
/// archive did not pass; else the restore check's, its summary ending
/// "db.backup passed before it", `totals.archive_check` holding the archive
/// check's verdict and summary, its elapsed time counting both.
[[nodiscard]] ROLLCHECK_INLINE check_result
check_backup_then_restore(const backup_spec& archive, const backup_restore_spec& restore);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/backup_impl.hpp"
#include "detail/db/backup_restore_impl.hpp"
#endif
