/// \file detail/db/duplicates_impl.hpp
/// Definitions of duplicates.hpp, included at its end.
#pragma once

#include <fmt/ranges.h>

#include "../../duplicates.hpp"
#include "../../wording.hpp"

namespace rollcheck {

namespace detail {

/// "submission_id" or "(source, external_id)".
inline std::string key_label(const std::vector<std::string>& key) {
    return key.size() == 1 ? key[0] : fmt::format("({})", fmt::join(key, ", "));
}

inline std::string scope_label(const duplicates_spec& spec) {
    if (spec.within)
        return fmt::format(" among rows with {} within {} of the server's now()", spec.scope_column,
                           describe_span(*spec.within));
    if (spec.since) return fmt::format(" among rows with {} >= {}", spec.scope_column, *spec.since);
    return "";
}

/// An error message when the spec cannot describe a check, else nothing.
inline std::optional<std::string> invalid_duplicates_spec(const duplicates_spec& spec) {
    if (spec.table.name.empty()) return "no table given";
    if (spec.key.empty()) return "no key column given";
    for (const auto& column : spec.key)
        if (column.empty()) return "an empty key column name";
    if (spec.within && spec.since)
        return "give either a window (within) or a start (since), not both";
    if ((spec.within || spec.since) && spec.scope_column.empty())
        return "a scope (within or since) needs the timestamp column it applies to";
    if (!spec.within && !spec.since && !spec.scope_column.empty())
        return fmt::format("scope column {} given without a window (within) or a start (since)",
                           spec.scope_column);
    if (spec.within && spec.within->count() <= 0) return "the window (within) must be positive";
    return std::nullopt;
}

/// One statement, one scan: the duplicated keys (largest first, then by key),
/// with the totals over all of them computed by window functions before the
/// LIMIT, and the groups holding a NULL key sorted last to count their rows.
inline std::string duplicates_sql(const duplicates_spec& spec, const pqxx::transaction_base& tx) {
    std::vector<std::string> columns, outputs, quoted, keys_out, any_null;
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
        const auto column = tx.quote_name(spec.key[i]);
        columns.push_back(fmt::format("{} AS key_{}", column, i));
        keys_out.push_back(fmt::format("key_{}", i));
        outputs.push_back(fmt::format("key_{}::text", i));
        quoted.push_back(column);
        any_null.push_back(column + " IS NULL");
    }
    std::string scope;
    if (spec.within)
        scope = fmt::format(" WHERE {} > now() - $1::interval", tx.quote_name(spec.scope_column));
    else if (spec.since)
        scope = fmt::format(" WHERE {} >= $1::timestamptz", tx.quote_name(spec.scope_column));
    const std::string limit =
        spec.show == show_all
            ? ""
            : fmt::format(" LIMIT {}", spec.show == 0 ? std::size_t{1} : spec.show);
    const std::string has_null = fmt::format("({})", fmt::join(any_null, " OR "));
    return fmt::format(
        "SELECT {outputs}, n, has_null,"
        " count(*) FILTER (WHERE NOT has_null) OVER () AS duplicated_keys,"
        " coalesce(sum(n - 1) FILTER (WHERE NOT has_null) OVER (), 0)::bigint AS excess_rows,"
        " coalesce(sum(n) FILTER (WHERE has_null) OVER (), 0)::bigint AS null_key_rows"
        " FROM (SELECT {columns}, count(*) AS n, {has_null} AS has_null FROM {table}{scope}"
        " GROUP BY {groups} HAVING count(*) > 1 OR {has_null}) AS g"
        " ORDER BY has_null, n DESC, {keys}{limit}",
        fmt::arg("outputs", fmt::join(outputs, ", ")),
        fmt::arg("columns", fmt::join(columns, ", ")), fmt::arg("has_null", has_null),
        fmt::arg("table", spec.table.sql(tx)), fmt::arg("scope", scope),
        fmt::arg("groups", fmt::join(quoted, ", ")), fmt::arg("keys", fmt::join(keys_out, ", ")),
        fmt::arg("limit", limit));
}

inline pqxx::result run_duplicates_query(const duplicates_spec& spec, pqxx::read_transaction& tx) {
    const auto sql = duplicates_sql(spec, tx);
    if (spec.within) return tx.exec_params(sql, interval_parameter(*spec.within));
    if (spec.since) return tx.exec_params(sql, *spec.since);
    return tx.exec(sql);
}

/// One duplicated key as evidence: `submission_id=t3_abc: 3 rows` and
/// `{"key": ["t3_abc"], "count": 3}`.
inline evidence_item duplicate_item(const duplicates_spec& spec, const pqxx::row& row) {
    auto values = nlohmann::json::array();
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
        const auto field = row[static_cast<pqxx::row::size_type>(i)];
        values.push_back(field.is_null() ? nlohmann::json(nullptr) : nlohmann::json(field.c_str()));
        parts.push_back(
            fmt::format("{}={}", spec.key[i], field.is_null() ? "NULL" : field.c_str()));
    }
    const auto count = row["n"].as<long long>();
    return {fmt::format("{}: {} rows", fmt::join(parts, ", "), count),
            {{"key", std::move(values)}, {"count", count}}};
}

inline check_result duplicates_result(const duplicates_spec& spec, const pqxx::result& rows) {
    long long duplicated = 0, excess = 0, null_rows = 0;
    if (!rows.empty()) {
        duplicated = rows[0]["duplicated_keys"].as<long long>();
        excess = rows[0]["excess_rows"].as<long long>();
        null_rows = rows[0]["null_key_rows"].as<long long>();
    }
    const std::string where = spec.table.display() + scope_label(spec);
    const std::string label = key_label(spec.key);
    check_result r =
        duplicated > 0
            ? check_result::fail(
                  "db.duplicates",
                  fmt::format("{} ({}) in {}",
                              counted(static_cast<std::size_t>(duplicated),
                                      "duplicated " + label + " value"),
                              counted(static_cast<std::size_t>(excess), "excess row"), where))
            : check_result::pass("db.duplicates",
                                 fmt::format("no duplicated {} in {}", label, where));
    r.evidence = bounded_evidence(spec.show);
    std::size_t listed = 0;
    for (const auto& row : rows)
        if (!row["has_null"].as<bool>()) {
            r.evidence.add(duplicate_item(spec, row));
            ++listed;
        }
    r.evidence.count_more(static_cast<std::size_t>(duplicated) - listed);
    if (null_rows > 0) {
        r.summary +=
            fmt::format("; {} a NULL in {} and {} not compared",
                        counted(static_cast<std::size_t>(null_rows), "row has", "rows have"), label,
                        agreeing(static_cast<std::size_t>(null_rows), "was", "were"));
        if (spec.null_keys == null_key_policy::fail)
            r.status = verdict::fail;
        else if (spec.null_keys == null_key_policy::warn)
            r.status = std::max(r.status, verdict::warn);
    }
    r.totals = {{"table", spec.table.display()},
                {"key", spec.key},
                {"duplicated_keys", duplicated},
                {"excess_rows", excess},
                {"null_key_rows", null_rows}};
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_duplicates(const duplicates_spec& spec) {
    if (auto problem = detail::invalid_duplicates_spec(spec))
        return check_result::error("db.duplicates", "invalid duplicates check: " + *problem);
    return db_check("db.duplicates", spec.connection, spec.table.display(), [&](pg_session& s) {
        const auto rows = s.read(
            [&](pqxx::read_transaction& tx) { return detail::run_duplicates_query(spec, tx); });
        return detail::duplicates_result(spec, rows);
    });
}

ROLLCHECK_INLINE std::string duplicates_statement(const duplicates_spec& spec,
                                                  const pqxx::transaction_base& tx) {
    return detail::with_interval(detail::duplicates_sql(spec, tx), spec.within, tx);
}

} // namespace rollcheck
