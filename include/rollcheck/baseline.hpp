/// \file baseline.hpp
/// "No data lost": `take_baseline` records, per table, the row count, the
/// newest timestamp and a bucketed fingerprint of the key set; after a
/// rollback `compare_baseline` reports the rows lost and gained since, and
/// names lost keys.
///
/// The fingerprint: each key's 64-bit hash (PostgreSQL's hashtextextended
/// of the key tuple's text) picks one of `buckets` buckets by its low bits;
/// per bucket the baseline keeps the row count and the sum of the hashes.
/// A lost key plus a gained key in one bucket leave the count alone but
/// change the sum (unless the two hashes collide, a 2^-64 chance). The JSON
/// stays small (about 40 bytes per bucket and table).
///
/// Each reads a table once: compare (and a baseline without a key file)
/// with one GROUP BY in the database; a baseline with a key file by
/// streaming every key with its hash (COPY, no sort on the server), counting
/// and summing here, and grouping the keys by bucket through temporary files
/// beside the key file, so that at most 1/256 of the keys is held in memory.
///
/// Naming lost keys needs the keys themselves, and only the baseline saw
/// them: with `keep_keys` it also writes a key file (every key, grouped by
/// bucket, with each bucket's byte range in the JSON). Compare then fetches
/// from the database, and reads from the key file, only the buckets whose
/// count or sum changed. Without the key file, compare still counts the rows
/// lost for sure but cannot name them.
///
/// ```cpp
/// rollcheck::baseline_spec spec;
/// spec.tables = {{{"public", "orders"}, {"order_id"}, "created_at"}};
/// spec.out = "before-rollback.json";
/// auto taken = rollcheck::take_baseline(spec);
/// // … roll back …
/// rollcheck::compare_spec cmp;
/// cmp.baseline = "before-rollback.json";
/// auto r = rollcheck::compare_baseline(cmp);   // fail when rows were lost
/// ```
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "postgres.hpp"
#include "result.hpp"
#include "time.hpp"

namespace rollcheck {
/// One table's part of a baseline.
struct table_baseline {
    table_ref table;
    std::vector<std::string> key; ///< key columns
    std::string column;           ///< timestamp column; empty: none
    std::uint64_t rows = 0;
    std::optional<std::string> newest; ///< max(column) as text in UTC; none: no column or no rows
    std::vector<std::uint64_t> counts; ///< rows per bucket
    std::vector<std::string> sums;     ///< per bucket: the sum of the keys' 64-bit hashes, decimal
    /// Byte offsets of each bucket's keys in the key file (buckets + 1); empty: no key file.
    std::vector<std::uint64_t> key_offsets;
};

/// A baseline as its JSON file holds it.
struct baseline {
    static constexpr int format_version = 1;
    std::string taken_at; ///< the server's now() when it was taken, UTC
    std::string server;   ///< where it was taken, as messages name it (never a password)
    unsigned buckets = 4096;
    std::string keys_file; ///< the key file's name, beside the JSON; empty: none
    std::uint64_t keys_bytes = 0;
    std::vector<table_baseline> tables;
};

/// A table to take into a baseline.
struct baseline_table {
    table_ref table;              ///< schema-qualified or found on the search_path
    std::vector<std::string> key; ///< the columns that identify a row
    std::string column; ///< timestamp column whose newest value must not go back; empty: none
};

/// What to record and where.
struct baseline_spec {
    connection_spec connection;
    std::vector<baseline_table> tables;
    std::filesystem::path out; ///< the JSON file
    /// Also write `out` + ".keys", every key grouped by bucket, so that compare can name lost keys.
    bool keep_keys = true;
    unsigned buckets = 4096; ///< a power of two, 1 to 65536
    std::size_t show = 10;
};

/// What to compare against.
struct compare_spec {
    connection_spec connection;
    std::filesystem::path baseline; ///< a file take_baseline wrote
    /// Rows gained (and none lost) give warn instead of pass: new writes after a
    /// rollback are normal, so they pass unless asked.
    bool warn_on_gained = false;
    std::size_t show = 10; ///< keys named
};

/// Takes the baseline `spec` describes and writes it. Check name "db.baseline":
/// pass when both files are written; error when a table or column is missing,
/// the server cannot be reached, or a file cannot be written.
[[nodiscard]] ROLLCHECK_INLINE check_result take_baseline(const baseline_spec& spec);

/// Compares the database with the baseline file. Check name "db.compare".
///
/// fail: rows lost, or a newest timestamp older than the baseline's; evidence
/// names up to `show` lost keys (then gained ones). pass (or warn, see
/// warn_on_gained): nothing lost. error: the baseline file is unreadable or
/// not a baseline, a table or column is gone, the key file does not match,
/// or, with no key file, rows were gained where lost rows could hide.
[[nodiscard]] ROLLCHECK_INLINE check_result compare_baseline(const compare_spec& spec);

/// What a baseline file must hold before a rollback may start.
struct baseline_file_spec {
    std::filesystem::path baseline; ///< a file take_baseline wrote
    /// Tables it must hold; a name without a schema matches that table in any schema.
    std::vector<table_ref> tables;
    /// When the rollback started: the baseline must have been taken before it.
    std::optional<time_point> taken_before;
};

/// Checks a baseline file, without a database: the "baseline recorded" item
/// of a rollback checklist. Check name "db.baseline-file".
///
/// pass: it holds every table and was taken before `taken_before`; warn: it
/// has no key file (compare will count lost rows but cannot name them);
/// fail: a table is not in it, it was taken at or after `taken_before`, or
/// its key file is missing or not the size it records; error: the file is
/// unreadable or not a baseline.
[[nodiscard]] ROLLCHECK_INLINE check_result check_baseline_file(const baseline_file_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/baseline_impl.hpp"
#endif
