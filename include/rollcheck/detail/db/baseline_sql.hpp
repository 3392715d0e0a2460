/// \file detail/db/baseline_sql.hpp
/// The queries of baseline and compare: the key's hash and bucket, the
/// key columns as text, catalogue checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "../../postgres.hpp"
#include "baseline_file.hpp"

namespace rollcheck::detail {

/// SQL for one table of a baseline, every identifier quoted.
struct baseline_sql {
    std::string from;
    std::string hash;   ///< the key's 64-bit hash
    std::string bucket; ///< its bucket, an int
    std::string key_columns;
    std::string newest;

    baseline_sql(const pqxx::transaction_base& tx, const table_ref& table,
                 const std::vector<std::string>& key, const std::string& column, unsigned buckets)
        : from(table.sql(tx)) {
        std::string row;
        for (const auto& k : key) {
            row += (row.empty() ? "" : ", ") + tx.quote_name(k);
            key_columns += ", " + tx.quote_name(k) + "::text";
        }
        hash = fmt::format("hashtextextended(ROW({})::text, 0)", row);
        bucket = fmt::format("({} & {})::int", hash, buckets - 1);
        if (!column.empty()) newest = fmt::format("max({})", tx.quote_name(column));
    }

    /// Per bucket: its number, its rows and the sum of their hashes (what
    /// the client computes from one pass over the keys; EXPLAIN of it gives
    /// that pass's cost).
    [[nodiscard]] std::string aggregate_query() const {
        return fmt::format("SELECT {}, count(*), sum({})::text FROM {} GROUP BY 1", bucket, hash,
                           from);
    }
};

/// Output formats that make a key's text the same in every session.
inline void fix_text_output(pqxx::transaction_base& tx) {
    tx.exec("SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', "
            "true), set_config('IntervalStyle', 'postgres', true), "
            "set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', "
            "true)");
}

/// Why `table` with `columns` cannot be read, or nullopt when it can. Asked
/// of the catalogue, so a missing name does not abort the transaction.
[[nodiscard]] inline std::optional<std::string>
missing_object(pqxx::transaction_base& tx, const table_ref& table,
               const std::vector<std::string>& columns) {
    const auto oid = tx.exec_params1("SELECT to_regclass($1)::oid", table.sql(tx))[0];
    if (oid.is_null()) return fmt::format("table {} not found", table.display());
    for (const auto& column : columns) {
        const auto found =
            tx.exec_params("SELECT 1 FROM pg_attribute WHERE attrelid = $1 AND attname = $2 "
                           "AND attnum > 0 AND NOT attisdropped",
                           oid.c_str(), column);
        if (found.empty())
            return fmt::format("column \"{}\" not found in table {}", column, table.display());
    }
    return std::nullopt;
}

/// The key columns and the timestamp column of a table, for the catalogue check.
[[nodiscard]] inline std::vector<std::string> named_columns(const table_baseline& t) {
    auto columns = t.key;
    if (!t.column.empty()) columns.push_back(t.column);
    return columns;
}

} // namespace rollcheck::detail
