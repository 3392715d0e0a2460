/// \file detail/db/baseline_buckets.hpp
/// Counts and hash sums per bucket of every key of a table: what a baseline
/// records and what compare reads again to find the buckets that changed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "../../postgres.hpp"
#include "../../progress.hpp"
#include "baseline_sql.hpp"
#include "key_stream.hpp"

namespace rollcheck::detail {

__extension__ typedef __int128 bucket_sum; ///< a bucket's sum of 64-bit hashes, exact

/// `sum` in decimal, as PostgreSQL prints sum(bigint).
[[nodiscard]] inline std::string decimal(bucket_sum sum) {
    if (sum == 0) return "0";
    const bool negative = sum < 0;
    std::string digits;
    while (sum != 0) {
        const auto digit = static_cast<int>(sum % 10);
        digits += static_cast<char>('0' + (negative ? -digit : digit));
        sum /= 10;
    }
    if (negative) digits += '-';
    return {digits.rbegin(), digits.rend()};
}

/// Counts and sums per bucket of every key, read once through key_stream;
/// `keep(bucket, line)` sees each key as the key file holds it. `task` names
/// the check in progress reports.
template <typename Keep>
void stream_buckets(pqxx::transaction_base& tx, const baseline_sql& sql, const table_ref& table,
                    const std::vector<std::string>& key, unsigned buckets,
                    std::vector<std::uint64_t>& counts, std::vector<std::string>& sums,
                    const char* task, Keep&& keep) {
    std::vector<bucket_sum> exact(buckets, 0);
    counts.assign(buckets, 0);
    progress_meter progress(task, table.display() + ": keys", progress_unit::rows);
    std::uint64_t rows = 0;
    key_stream stream(tx, sql, table, key);
    stream.for_each([&](std::int64_t hash, const std::string& line) {
        const auto bucket = static_cast<unsigned>(static_cast<std::uint64_t>(hash) & (buckets - 1));
        ++counts[bucket];
        exact[bucket] += hash;
        keep(bucket, line);
        progress.update(++rows);
    });
    sums.clear();
    for (const auto sum : exact)
        sums.push_back(decimal(sum));
}

} // namespace rollcheck::detail
