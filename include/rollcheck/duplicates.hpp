/// \file duplicates.hpp
/// Duplicate detection in a PostgreSQL table: key values held by more than
/// one row, found by GROUP BY … HAVING count(*) > 1 in the database.
///
/// ```cpp
/// rollcheck::duplicates_spec spec;
/// spec.table = rollcheck::table_ref::parse("public.opportunities_unified");
/// spec.key = {"submission_id"};
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

/// A table whose key must be unique, optionally only among recent rows.
struct duplicates_spec {
    connection_spec connection;
    table_ref table;
    std::vector<std::string> key; ///< one or more columns, exact names
    /// Timestamp column that scopes the check; empty: the whole table.
    std::string scope_column;
    /// Only rows whose scope_column is later than the server's now() minus this.
    std::optional<std::chrono::milliseconds> within;
    /// Only rows whose scope_column is at or after this time (text PostgreSQL
    /// reads as timestamptz, e.g. "2026-11-28 09:00:00+00").
    std::optional<std::string> since;
    null_key_policy null_keys = null_key_policy::warn;
    std::size_t show = 10; ///< duplicated keys to list (show_all: every one)
};

/// Fails when a key value of `spec.key` is held by more than one row of
/// `spec.table` (within the scope, if any); evidence lists the duplicated
/// keys, largest first. Totals: duplicated_keys, excess_rows, null_key_rows.
[[nodiscard]] ROLLCHECK_INLINE check_result check_duplicates(const duplicates_spec& spec);

/// The one statement check_duplicates runs for `spec`, its window written in
/// as a literal: to EXPLAIN it, or to run the same query by hand in psql.
[[nodiscard]] ROLLCHECK_INLINE std::string duplicates_statement(const duplicates_spec& spec,
                                                                const pqxx::transaction_base& tx);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/duplicates_impl.hpp"
#endif
