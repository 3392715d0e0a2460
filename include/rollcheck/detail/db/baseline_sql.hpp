/// \file detail/db/baseline_sql.hpp
/// The queries of baseline and compare: the key's hash and bucket, per-bucket
/// aggregates, catalogue checks, and rows streamed through a cursor.
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

/// Per-bucket counts and hash sums, computed in the database.
inline void bucket_aggregates(pqxx::transaction_base& tx, const baseline_sql& sql, unsigned buckets,
                              std::vector<std::uint64_t>& counts, std::vector<std::string>& sums) {
    counts.assign(buckets, 0);
    sums.assign(buckets, "0");
    const auto rows = tx.exec(fmt::format("SELECT {}, count(*), sum({})::text FROM {} GROUP BY 1",
                                          sql.bucket, sql.hash, sql.from));
    for (const auto& row : rows) {
        const auto b = row[0].as<unsigned>();
        counts.at(b) = row[1].as<std::uint64_t>();
        sums.at(b) = row[2].as<std::string>();
    }
}

/// Streams rows of `query` (whose first column is the bucket) through a
/// cursor, so that no more than one batch is held here at once; `parameter`
/// is its `$1`, when it has one.
template <typename Each>
void for_each_row(pqxx::transaction_base& tx, const std::string& query,
                  const std::optional<std::string>& parameter, Each&& each) {
    const std::string declare = "DECLARE rollcheck_rows NO SCROLL CURSOR FOR " + query;
    if (parameter)
        tx.exec_params(declare, *parameter);
    else
        tx.exec(declare);
    for (;;) {
        const auto batch = tx.exec("FETCH FORWARD 20000 FROM rollcheck_rows");
        for (const auto& row : batch)
            each(row);
        if (batch.size() < 20000) break;
    }
    tx.exec("CLOSE rollcheck_rows");
}

} // namespace rollcheck::detail
