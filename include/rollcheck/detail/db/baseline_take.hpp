/// \file detail/db/baseline_take.hpp
/// take_baseline: every table's counts and sums (and keys) in one snapshot.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <fmt/ranges.h>

#include "../../baseline.hpp"
#include "../../wording.hpp"
#include "baseline_buckets.hpp"
#include "baseline_file.hpp"
#include "baseline_sql.hpp"
#include "key_spill.hpp"

namespace rollcheck {

namespace detail {

/// Counts, sums and (with `keys`) the key file of one table, in one pass.
inline void record_buckets(pqxx::transaction_base& tx, const baseline_sql& sql, table_baseline& t,
                           unsigned buckets, atomic_file* keys,
                           const std::filesystem::path& keys_path) {
    if (keys == nullptr) {
        stream_buckets(tx, sql, t.table, t.key, buckets, t.counts, t.sums, "db.baseline",
                       [](unsigned, const std::string&) {});
        return;
    }
    key_spill spill(keys_path.string(), buckets);
    stream_buckets(tx, sql, t.table, t.key, buckets, t.counts, t.sums, "db.baseline",
                   [&](unsigned bucket, const std::string& line) { spill.add(bucket, line); });
    t.key_offsets.assign(buckets + 1, 0);
    spill.for_each_bucket([&](unsigned bucket, const std::string& lines) {
        t.key_offsets[bucket] = keys->position();
        keys->stream().write(lines.data(), static_cast<std::streamsize>(lines.size()));
    });
    t.key_offsets[buckets] = keys->position();
}

/// Records one table; returns why it cannot be read instead when it cannot.
[[nodiscard]] inline std::optional<std::string>
record_table(pqxx::transaction_base& tx, const connection_spec& connection, table_baseline& t,
             unsigned buckets, atomic_file* keys, const std::filesystem::path& keys_path) {
    if (auto missing = missing_object(tx, t.table, named_columns(t))) return missing;
    const baseline_sql sql(tx, t.table, t.key, t.column, buckets);
    guard_scan(tx, connection, "the baseline of " + t.table.display(), sql.aggregate_query());
    record_buckets(tx, sql, t, buckets, keys, keys_path);
    t.rows = 0;
    for (const auto c : t.counts)
        t.rows += c;
    if (!sql.newest.empty()) {
        const auto newest = tx.exec1(fmt::format("SELECT {}::text FROM {}", sql.newest, sql.from));
        if (!newest[0].is_null()) t.newest = newest[0].as<std::string>();
    }
    return std::nullopt;
}

[[nodiscard]] inline std::string table_names(const std::vector<baseline_table>& tables) {
    std::string names;
    for (const auto& t : tables)
        names += (names.empty() ? "" : ", ") + t.table.display();
    return names;
}

/// The tables of a spec, parsed and checked before any query.
[[nodiscard]] inline baseline plan_baseline(const baseline_spec& spec) {
    if (!valid_bucket_count(spec.buckets))
        throw std::invalid_argument(
            fmt::format("buckets: {} is not a power of two from 1 to 65536", spec.buckets));
    if (spec.tables.empty()) throw std::invalid_argument("no tables to take a baseline of");
    if (spec.out.empty()) throw std::invalid_argument("no output file for the baseline");
    baseline b;
    b.buckets = spec.buckets;
    for (const auto& t : spec.tables) {
        if (t.key.empty())
            throw std::invalid_argument(fmt::format("table {}: no key columns", t.table.display()));
        table_baseline tb;
        tb.table = t.table;
        tb.key = t.key;
        tb.column = t.column;
        b.tables.push_back(std::move(tb));
    }
    return b;
}

/// The evidence line of a recorded table.
[[nodiscard]] inline evidence_item recorded_item(const table_baseline& t) {
    std::string text =
        fmt::format("{}: {}, key ({})", t.table.display(),
                    counted(static_cast<std::size_t>(t.rows), "row"), fmt::join(t.key, ", "));
    if (!t.column.empty())
        text += fmt::format(", newest {} {}", t.column, t.newest.value_or("(no rows)"));
    nlohmann::json data = {{"table", t.table.display()}, {"rows", t.rows}, {"key", t.key}};
    data["newest"] = t.newest ? nlohmann::json(*t.newest) : nlohmann::json();
    return {std::move(text), std::move(data)};
}

/// Records every table in one snapshot and writes both files.
[[nodiscard]] inline check_result record_baseline(pg_session& session, const baseline_spec& spec,
                                                  baseline b) {
    const std::filesystem::path keys_path = spec.out.string() + ".keys";
    std::optional<atomic_file> keys;
    if (spec.keep_keys) {
        keys.emplace(keys_path);
        keys->stream() << keys_header;
    }
    server_position at;
    const auto missing = session.read_snapshot([&](auto& tx) -> std::optional<std::string> {
        fix_text_output(tx);
        at = read_server_position(tx);
        b.taken_at = tx.exec1("SELECT now()::text")[0].template as<std::string>();
        for (auto& t : b.tables)
            if (auto why = record_table(tx, spec.connection, t, b.buckets, keys ? &*keys : nullptr,
                                        keys_path))
                return why;
        confirm_position(tx, at, "the baseline");
        return std::nullopt;
    });
    if (missing)
        return check_result::error(
            "db.baseline",
            fmt::format("{} on {}; no baseline written", *missing, session.target().describe()));
    b.server = session.target().describe();
    if (keys) {
        b.keys_file = keys_path.filename().string();
        b.keys_bytes = keys->position();
        keys->commit();
    }
    atomic_file json(spec.out);
    json.stream() << baseline_to_json(b).dump() << '\n';
    const auto json_bytes = json.position();
    json.commit();

    std::uint64_t rows = 0;
    for (const auto& t : b.tables)
        rows += t.rows;
    auto r = check_result::pass(
        "db.baseline",
        fmt::format(
            "wrote {} ({}): {}, {}, {}, taken at {}{}", spec.out.string(),
            describe_bytes(json_bytes), counted(b.tables.size(), "table"),
            counted(static_cast<std::size_t>(rows), "row"), counted(b.buckets, "bucket"),
            b.taken_at,
            keys
                ? fmt::format("; keys in {} ({})", keys_path.string(), describe_bytes(b.keys_bytes))
                : std::string("; no key file: compare can count lost rows, not name them")));
    r.evidence = bounded_evidence(spec.show);
    for (const auto& t : b.tables)
        r.evidence.add(recorded_item(t));
    r.totals = {{"file", spec.out.string()}, {"bytes", json_bytes},  {"rows", rows},
                {"tables", b.tables.size()}, {"buckets", b.buckets}, {"taken_at", b.taken_at}};
    r.totals["keys_file"] = keys ? nlohmann::json(keys_path.string()) : nlohmann::json();
    r.totals["keys_bytes"] = b.keys_bytes;
    record_position(r, at);
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result take_baseline(const baseline_spec& spec) {
    return db_check("db.baseline", spec.connection, detail::table_names(spec.tables),
                    [&](pg_session& session) {
                        return detail::record_baseline(session, spec, detail::plan_baseline(spec));
                    });
}

} // namespace rollcheck
