/// \file backup.hpp
/// Backup verification: a pg_dump custom-format archive exists, is not empty,
/// is recent enough, reads through with pg_restore, and holds TABLE DATA for
/// the tables that matter.
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

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/backup_impl.hpp"
#endif
