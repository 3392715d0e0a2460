/// \file duplicates.hpp
/// Duplicate detection in a PostgreSQL table: key values held by more than
/// one row, found by GROUP BY … HAVING count(*) > 1 in the database. With a
/// window (the last hour, or since a time), the keys of the rows written in
/// it are each looked up in the whole table, so a new row that repeats an
/// older row's key fails.
///
/// ```cpp
/// rollcheck::duplicates_spec spec;
/// spec.table = rollcheck::table_ref::parse("public.orders");
/// spec.key = {"order_id"};
/// REQUIRE_VERIFIED(rollcheck::check_duplicates(spec));
/// // Rows of the last hour: each of their keys against every row of the table.
/// spec.scope_column = "created_at";
/// spec.within = std::chrono::hours(1);
/// REQUIRE_VERIFIED(rollcheck::check_duplicates(spec));
/// ```
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "postgres.hpp"
#include "result.hpp"

namespace rollcheck {
/// What rows whose key holds a NULL do to the verdict. They are never
/// grouped: like a unique index, rollcheck treats NULL as "no key", so such
/// rows cannot duplicate anything; they are counted and reported instead.
enum class null_key_policy {
    allow, ///< report the count only
    warn,  ///< report the count; the verdict is at least warn
    fail   ///< report the count; the verdict is fail
};

/// A table whose key must be unique, in the whole table or for the rows of a window.
struct duplicates_spec {
    connection_spec connection;
    table_ref table;
    std::vector<std::string> key; ///< one or more columns, exact names
    /// Timestamp column of the window (within or since); empty: no window,
    /// every row of the table is grouped.
    std::string scope_column;
    /// The window: rows whose scope_column is later than the server's now() minus this.
    std::optional<std::chrono::milliseconds> within;
    /// The window: rows whose scope_column is at or after this time (text
    /// PostgreSQL reads as timestamptz, e.g. "2026-11-28 09:00:00+00").
    std::optional<std::string> since;
    /// With a window: false (the default) looks each key of the window's rows
    /// up in the whole table, so a new row repeating an older row's key is a
    /// duplicate (one index probe per key when an index leads with a key
    /// column, one pass over the table when none does); true groups the
    /// window's rows only among themselves and never compares older rows.
    bool only_within_window = false;
    null_key_policy null_keys = null_key_policy::warn;
    std::size_t show = 10; ///< duplicated keys to list (show_all: every one)
};

/// Fails when a key value of `spec.key` is held by more than one row of
/// `spec.table` (with a window: a key of a row in the window held by any other
/// row of the table, or of the window only with `only_within_window`);
/// evidence lists the duplicated keys, largest first, and with a window which
/// copies are old and which new. Totals: duplicated_keys, excess_rows,
/// null_key_rows; with a window also compared, recent_rows, recent_keys and
/// key_index.
[[nodiscard]] ROLLCHECK_INLINE check_result check_duplicates(const duplicates_spec& spec);

/// The statement check_duplicates runs for `spec`, its window written in as a
/// literal: to EXPLAIN it, or to run the same query by hand in psql. For a
/// window looked up in the whole table it first reads the table's indexes
/// through `tx` (the statement's shape depends on them).
[[nodiscard]] ROLLCHECK_INLINE std::string duplicates_statement(const duplicates_spec& spec,
                                                                pqxx::transaction_base& tx);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/duplicates_impl.hpp"
#endif
