/// \file freshness.hpp
/// Is a table still being written? Recent writes (rows within a window of
/// the server's now()) and freshness (the age of the newest row against
/// warn_after / error_after, as dbt's source freshness). Both use the
/// server's clock and report how far the host's clock is from it.
///
/// ```cpp
/// rollcheck::recent_writes_spec spec;
/// spec.table = rollcheck::table_ref::parse("orders");
/// spec.column = "created_at";
/// spec.within = std::chrono::hours(1);
/// REQUIRE_VERIFIED(rollcheck::check_recent_writes(spec));
/// ```
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "postgres.hpp"
#include "result.hpp"

namespace rollcheck {
/// Rows written recently: `column` later than the server's now() minus `within`.
struct recent_writes_spec {
    connection_spec connection;
    table_ref table;
    std::string column; ///< a timestamp (or timestamptz) column
    std::chrono::milliseconds within{std::chrono::hours(1)};
    /// Instead of `within`: the rows since this instant of the host's clock.
    /// The window is measured inside the check's transaction, after the
    /// server fixed its now(), so a slow connection cannot narrow it past
    /// `since`; it reaches back at most the few milliseconds of the query's
    /// own start.
    std::optional<std::chrono::system_clock::time_point> since;
    std::uint64_t min = 1;            ///< at least this many rows in the window
    std::optional<std::uint64_t> max; ///< at most this many, when given
    /// Server-versus-host clock difference worth reporting.
    std::chrono::milliseconds skew_tolerance{std::chrono::seconds(5)};
};

/// The newest row's age, as dbt's source freshness: older than `warn_after`
/// is warn, older than `error_after` is fail (stale data is verified, not
/// unverifiable). At least one of the two must be given.
struct freshness_spec {
    connection_spec connection;
    table_ref table;
    std::string column; ///< a timestamp (or timestamptz) column
    std::optional<std::chrono::milliseconds> warn_after;
    std::optional<std::chrono::milliseconds> error_after;
    /// A table with no rows (or no value in `column`) passes instead of being an error.
    bool allow_empty = false;
    std::chrono::milliseconds skew_tolerance{std::chrono::seconds(5)};
};

/// Passes when `spec.table` has between min and max rows whose `column` is
/// within `within` of the server's now(). Evidence names the newest value;
/// totals: count, newest, future_rows, clock_skew_s.
[[nodiscard]] ROLLCHECK_INLINE check_result check_recent_writes(const recent_writes_spec& spec);

/// Passes when the newest `column` value of `spec.table` is younger than
/// warn_after (warn: older; fail: older than error_after). No rows is an
/// error unless allow_empty. Totals: newest, age_s, clock_skew_s.
[[nodiscard]] ROLLCHECK_INLINE check_result check_freshness(const freshness_spec& spec);

/// The statement check_recent_writes runs for `spec`, its window written in
/// as a literal: to EXPLAIN it, or to run the same query by hand in psql.
[[nodiscard]] ROLLCHECK_INLINE std::string
recent_writes_statement(const recent_writes_spec& spec, const pqxx::transaction_base& tx);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/freshness_impl.hpp"
#endif
