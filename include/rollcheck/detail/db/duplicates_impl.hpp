/// \file detail/db/duplicates_impl.hpp
/// Definitions of duplicates.hpp, included at its end.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/ranges.h>

#include "../../duplicates.hpp"
#include "../../wording.hpp"

namespace rollcheck {

namespace detail {

/// "order_id" or "(source, external_id)".
inline std::string key_label(const std::vector<std::string>& key) {
    return key.size() == 1 ? key[0] : fmt::format("({})", fmt::join(key, ", "));
}

/// "created_at within 1h of the server's now()" or "created_at >= 2026-11-28 09:00:00+00".
inline std::string window_label(const duplicates_spec& spec) {
    if (spec.within)
        return fmt::format("{} within {} of the server's now()", spec.scope_column,
                           describe_span(*spec.within));
    return fmt::format("{} >= {}", spec.scope_column, spec.since.value_or(""));
}

/// What follows the table in a summary of the grouping statement.
inline std::string scope_label(const duplicates_spec& spec) {
    if (!spec.within && !spec.since) return "";
    return fmt::format(" among rows with {}, grouped among themselves only (older rows not "
                       "compared)",
                       window_label(spec));
}

/// True when the window's keys are looked up in the whole table.
inline bool against_whole_table(const duplicates_spec& spec) {
    return (spec.within || spec.since) && !spec.only_within_window;
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
    if (spec.only_within_window && !spec.within && !spec.since)
        return "only_within_window needs a window (within or since)";
    return std::nullopt;
}

/// The condition "the row is in the window", on the table aliased `t`, with
/// `bound` standing for the window (`$1`, or a literal for a person to run).
inline std::string in_window(const duplicates_spec& spec, const pqxx::transaction_base& tx,
                             const std::string& bound) {
    const std::string column = "t." + tx.quote_name(spec.scope_column);
    return spec.within ? fmt::format("{} > now() - {}::interval", column, bound)
                       : fmt::format("{} >= {}::timestamptz", column, bound);
}

/// The window's value as a literal, for the statement a person runs.
inline std::string window_literal(const duplicates_spec& spec, const pqxx::transaction_base& tx) {
    return spec.within ? tx.quote(interval_parameter(*spec.within))
                       : tx.quote(spec.since.value_or(""));
}

/// " LIMIT n" for the keys to show (at least one, so the totals come along).
inline std::string show_limit(const duplicates_spec& spec) {
    return spec.show == show_all
               ? ""
               : fmt::format(" LIMIT {}", spec.show == 0 ? std::size_t{1} : spec.show);
}

/// One statement, one scan: the duplicated keys (largest first, then by key),
/// with the totals over all of them computed by window functions before the
/// LIMIT, and the groups holding a NULL key sorted last to count their rows.
/// With only_within_window, the window's rows are grouped among themselves.
inline std::string duplicates_sql(const duplicates_spec& spec, const pqxx::transaction_base& tx,
                                  const std::string& bound = "$1") {
    std::vector<std::string> columns, outputs, quoted, keys_out, any_null;
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
        const auto column = tx.quote_name(spec.key[i]);
        columns.push_back(fmt::format("{} AS key_{}", column, i));
        keys_out.push_back(fmt::format("key_{}", i));
        outputs.push_back(fmt::format("key_{}::text", i));
        quoted.push_back(column);
        any_null.push_back(column + " IS NULL");
    }
    const std::string scope =
        spec.within || spec.since ? " WHERE " + in_window(spec, tx, bound) : std::string();
    const std::string limit = show_limit(spec);
    const std::string has_null = fmt::format("({})", fmt::join(any_null, " OR "));
    return fmt::format(
        "SELECT {outputs}, n, has_null,"
        " count(*) FILTER (WHERE NOT has_null) OVER () AS duplicated_keys,"
        " coalesce(sum(n - 1) FILTER (WHERE NOT has_null) OVER (), 0)::bigint AS excess_rows,"
        " coalesce(sum(n) FILTER (WHERE has_null) OVER (), 0)::bigint AS null_key_rows"
        " FROM (SELECT {columns}, count(*) AS n, {has_null} AS has_null FROM {table} AS t{scope}"
        " GROUP BY {groups} HAVING count(*) > 1 OR {has_null}) AS g"
        " ORDER BY has_null, n DESC, {keys}{limit}",
        fmt::arg("outputs", fmt::join(outputs, ", ")),
        fmt::arg("columns", fmt::join(columns, ", ")), fmt::arg("has_null", has_null),
        fmt::arg("table", spec.table.sql(tx)), fmt::arg("scope", scope),
        fmt::arg("groups", fmt::join(quoted, ", ")), fmt::arg("keys", fmt::join(keys_out, ", ")),
        fmt::arg("limit", limit));
}

/// The statement's window parameter, bound as text.
inline std::string window_parameter(const duplicates_spec& spec) {
    return spec.within ? interval_parameter(*spec.within) : spec.since.value_or("");
}

inline pqxx::result run_duplicates_query(const duplicates_spec& spec, pqxx::read_transaction& tx) {
    const auto sql = duplicates_sql(spec, tx);
    if (spec.within || spec.since) return tx.exec_params(sql, window_parameter(spec));
    return tx.exec(sql);
}

/// A key as evidence shows it: `order_id=t3_abc` (or `source=hn,
/// external_id=1`) and `["t3_abc"]`, its values the fields `field_of(i)`.
template <typename FieldOf>
std::pair<std::string, nlohmann::json> describe_key(const duplicates_spec& spec,
                                                    FieldOf&& field_of) {
    auto values = nlohmann::json::array();
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
        const pqxx::field field = field_of(i);
        values.push_back(field.is_null() ? nlohmann::json(nullptr) : nlohmann::json(field.c_str()));
        parts.push_back(
            fmt::format("{}={}", spec.key[i], field.is_null() ? "NULL" : field.c_str()));
    }
    return {fmt::format("{}", fmt::join(parts, ", ")), std::move(values)};
}

/// One duplicated key as evidence: `order_id=t3_abc: 3 rows` and
/// `{"key": ["t3_abc"], "count": 3}`.
inline evidence_item duplicate_item(const duplicates_spec& spec, const pqxx::row& row) {
    auto [key, values] = describe_key(
        spec, [&](std::size_t i) { return row[static_cast<pqxx::row::size_type>(i)]; });
    const auto count = row["n"].as<long long>();
    return {fmt::format("{}: {} rows", key, count), {{"key", std::move(values)}, {"count", count}}};
}

/// What the catalog says about the checked table, which the lookup of the
/// window's keys in the whole table is shaped by.
struct duplicates_table_facts {
    bool has_ctid = false; ///< a plain table or materialized view, whose ctid locates a row
    /// A table (plain, partitioned) or materialized view, whose own indexes
    /// the lookups use; a view's are its tables', which pg_index does not
    /// tie to it.
    bool has_indexes = false;
    std::optional<long long> approx_rows;   ///< pg_class.reltuples; none before an ANALYZE
    std::uint64_t bytes = 0;                ///< pg_relation_size: what a scan reads
    std::optional<std::string> key_index;   ///< an index leading with a key column
    std::optional<std::string> scope_index; ///< an index leading with the scope column
};

/// A subquery naming the valid, non-partial btree or hash index of the table
/// `c` whose first column is one of the columns in the JSON array `columns`,
/// preferring the one whose leading columns cover the most of them: the
/// index an equality probe on those columns can use.
inline std::string leading_index_sql(std::string_view columns) {
    return fmt::format(
        "(SELECT ic.relname::text FROM pg_index AS i"
        " JOIN pg_class AS ic ON ic.oid = i.indexrelid JOIN pg_am AS am ON am.oid = ic.relam"
        " JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
        " WHERE i.indrelid = c.oid AND i.indisvalid AND i.indpred IS NULL"
        " AND am.amname IN ('btree', 'hash')"
        " AND a.attname IN (SELECT jsonb_array_elements_text({0}))"
        " ORDER BY (SELECT count(*) FROM generate_series(0, jsonb_array_length({0}) - 1) AS p"
        " JOIN pg_attribute AS b ON b.attrelid = i.indrelid AND b.attnum = i.indkey[p]"
        " WHERE b.attname IN (SELECT jsonb_array_elements_text({0}))) DESC, ic.relname LIMIT 1)",
        columns);
}

/// Reads the table's kind, size and indexes from the catalog (names as
/// parameters); a table the role cannot see comes back as not found.
inline duplicates_table_facts table_facts(const duplicates_spec& spec, pqxx::transaction_base& tx) {
    const auto rows =
        tx.exec_params(fmt::format("SELECT c.relkind::text, c.reltuples::bigint, {}, {},"
                                   " pg_relation_size(c.oid) FROM pg_class AS c"
                                   " WHERE c.oid = to_regclass($1)",
                                   leading_index_sql("$2::jsonb"), leading_index_sql("$3::jsonb")),
                       spec.table.sql(tx), nlohmann::json(spec.key).dump(),
                       nlohmann::json::array({spec.scope_column}).dump());
    duplicates_table_facts facts;
    if (rows.empty()) return facts;
    const auto& row = rows[0];
    const std::string kind = row[0].c_str();
    facts.has_ctid = kind == "r" || kind == "m";
    facts.has_indexes = facts.has_ctid || kind == "p";
    // reltuples is -1 until the table is first vacuumed or analyzed.
    if (const auto n = row[1].as<long long>(); n >= 0) facts.approx_rows = n;
    if (!row[2].is_null()) facts.key_index = row[2].c_str();
    if (!row[3].is_null()) facts.scope_index = row[3].c_str();
    facts.bytes = row[4].as<std::uint64_t>();
    return facts;
}

/// The keys of the window's rows, each looked up in the whole table. One
/// statement; its CTEs:
///   recent  the window's rows grouped by key: each key once, how many rows
///           of the window hold it (new_n), and whether it holds a NULL;
///   dup     the recent keys held by more than one row of the table (n);
///   shown   the first `show` of them, largest first, with their old copies
///           (outside the window, oldest first) and new copies (in it).
/// With an index leading with a key column, `dup` is a LATERAL count per
/// recent key, which PostgreSQL can only run as a nested loop: one index
/// probe per key, however many rows the planner expects in the window. With
/// none, that nested loop would read the table once per key, so `dup` is a
/// semi-join instead, which reads it once (a hash of the recent keys), and
/// gathers the copies in the same pass.
inline std::string recent_duplicates_sql(const duplicates_spec& spec,
                                         const pqxx::transaction_base& tx,
                                         const duplicates_table_facts& facts,
                                         const std::string& bound = "$1") {
    const std::string table = spec.table.sql(tx);
    std::vector<std::string> selected, grouped, names, texts, nulls, probe, shown_match;
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
        const auto column = "t." + tx.quote_name(spec.key[i]);
        const auto name = fmt::format("key_{}", i);
        selected.push_back(fmt::format("{} AS {}", column, name));
        grouped.push_back(column);
        names.push_back(name);
        texts.push_back(fmt::format("s.{0}::text AS {0}_text", name));
        nulls.push_back(column + " IS NULL");
        probe.push_back(fmt::format("{} = r.{}", column, name));
        shown_match.push_back(fmt::format("{} = d.{}", column, name));
    }
    const std::string window = in_window(spec, tx, bound);
    const std::string scope = "t." + tx.quote_name(spec.scope_column);
    const std::string copy = fmt::format("json_build_array({}::text, {})", scope,
                                         facts.has_ctid ? "t.ctid::text" : "NULL");
    const std::string copy_order = facts.has_ctid ? scope + ", t.ctid" : scope;
    const std::string keys = fmt::format("{}", fmt::join(names, ", "));
    // Copies kept per key and side: enough to tell the original from the new row.
    constexpr int copies_shown = 3;

    std::string dup, shown;
    if (facts.key_index) {
        dup = fmt::format("SELECT {keys}, c.n, r.new_n FROM recent AS r"
                          " CROSS JOIN LATERAL (SELECT count(*) AS n FROM {table} AS t"
                          " WHERE {probe}) AS c WHERE NOT r.has_null AND c.n > 1",
                          fmt::arg("keys", fmt::format("r.{}", fmt::join(names, ", r."))),
                          fmt::arg("table", table), fmt::arg("probe", fmt::join(probe, " AND ")));
        const auto copies = [&](const std::string& side) {
            return fmt::format("array_to_json(ARRAY(SELECT {copy} FROM {table} AS t WHERE {match}"
                               " AND {side} ORDER BY {order} LIMIT {n}))",
                               fmt::arg("copy", copy), fmt::arg("table", table),
                               fmt::arg("match", fmt::join(shown_match, " AND ")),
                               fmt::arg("side", side), fmt::arg("order", copy_order),
                               fmt::arg("n", copies_shown));
        };
        shown = fmt::format("SELECT d.*, {} AS old_copies, {} AS new_copies FROM ("
                            "SELECT * FROM dup ORDER BY n DESC, {}{}) AS d",
                            copies(fmt::format("({}) IS NOT TRUE", window)),
                            copies(fmt::format("({})", window)), keys, show_limit(spec));
    } else {
        const auto copies = [&](const std::string& side) {
            return fmt::format("array_to_json((array_agg({} ORDER BY {}) FILTER (WHERE {}))[1:{}])",
                               copy, copy_order, side, copies_shown);
        };
        dup = fmt::format(
            "SELECT {selected}, count(*) AS n, count(*) FILTER (WHERE {window}) AS new_n,"
            " {old} AS old_copies, {new} AS new_copies FROM {table} AS t"
            " WHERE ({grouped}) IN (SELECT {keys} FROM recent) GROUP BY {grouped}"
            " HAVING count(*) > 1",
            fmt::arg("selected", fmt::join(selected, ", ")), fmt::arg("window", window),
            fmt::arg("old", copies(fmt::format("({}) IS NOT TRUE", window))),
            fmt::arg("new", copies(fmt::format("({})", window))), fmt::arg("table", table),
            fmt::arg("grouped", fmt::join(grouped, ", ")), fmt::arg("keys", keys));
        shown = fmt::format("SELECT * FROM dup ORDER BY n DESC, {}{}", keys, show_limit(spec));
    }
    return fmt::format(
        "WITH recent AS MATERIALIZED (SELECT {selected}, count(*) AS new_n, ({nulls}) AS has_null"
        " FROM {table} AS t WHERE {window} GROUP BY {grouped}),"
        " dup AS MATERIALIZED ({dup}),"
        " shown AS ({shown})"
        " SELECT w.recent_rows, w.recent_keys, w.null_key_rows, d.duplicated_keys, d.excess_rows,"
        " {texts}, s.n, s.new_n, s.old_copies::text, s.new_copies::text"
        " FROM (SELECT coalesce(sum(new_n), 0)::bigint AS recent_rows,"
        " count(*) FILTER (WHERE NOT has_null) AS recent_keys,"
        " coalesce(sum(new_n) FILTER (WHERE has_null), 0)::bigint AS null_key_rows"
        " FROM recent) AS w"
        " CROSS JOIN (SELECT count(*) AS duplicated_keys, coalesce(sum(n - 1), 0)::bigint"
        " AS excess_rows FROM dup) AS d"
        " LEFT JOIN shown AS s ON true ORDER BY s.n DESC, {order}",
        fmt::arg("selected", fmt::join(selected, ", ")),
        fmt::arg("nulls", fmt::join(nulls, " OR ")), fmt::arg("table", table),
        fmt::arg("window", window), fmt::arg("grouped", fmt::join(grouped, ", ")),
        fmt::arg("dup", dup), fmt::arg("shown", shown), fmt::arg("texts", fmt::join(texts, ", ")),
        fmt::arg("order", fmt::format("s.{}", fmt::join(names, ", s."))));
}

/// `created_at 2026-11-28 09:12:00+00, ctid (99,1)`, and the same as JSON.
inline std::pair<std::string, nlohmann::json> describe_copy(const duplicates_spec& spec,
                                                            const nlohmann::json& copy) {
    const auto& at = copy.at(0);
    const std::string when = at.is_null() ? "NULL" : at.get<std::string>();
    nlohmann::json data{{"at", at}};
    std::string text = fmt::format("{} {}", spec.scope_column, when);
    if (!copy.at(1).is_null()) {
        data["ctid"] = copy.at(1);
        text += fmt::format(", ctid {}", copy.at(1).get<std::string>());
    }
    return {std::move(text), std::move(data)};
}

/// "old copy: created_at …, ctid (735,39)" or "new copies: …; … and 2 more".
inline std::string describe_copies(const duplicates_spec& spec, std::string_view side,
                                   long long count, const nlohmann::json& copies,
                                   nlohmann::json& listed) {
    std::vector<std::string> parts;
    for (const auto& copy : copies) {
        auto [text, data] = describe_copy(spec, copy);
        parts.push_back(std::move(text));
        listed.push_back(std::move(data));
    }
    std::string text =
        fmt::format("{} {}: {}", side, count == 1 ? "copy" : "copies", fmt::join(parts, "; "));
    if (count > static_cast<long long>(parts.size()))
        text += fmt::format(" and {} more", count - static_cast<long long>(parts.size()));
    return text;
}

/// One key of the window held by more than one row of the table:
/// `order_id=t3_abc: 2 rows, 1 old and 1 new; old copy: created_at …,
/// ctid (735,39); new copy: created_at …, ctid (7426,64)` and
/// `{"key": [...], "count": 2, "old_rows": 1, "new_rows": 1, "old_copies":
/// [{"at": …, "ctid": …}], "new_copies": [...]}`.
inline evidence_item recent_duplicate_item(const duplicates_spec& spec, const pqxx::row& row) {
    auto [key, values] =
        describe_key(spec, [&](std::size_t i) { return row[fmt::format("key_{}_text", i)]; });
    const auto count = row["n"].as<long long>();
    const auto fresh = row["new_n"].as<long long>();
    const auto old = count - fresh;
    nlohmann::json data{{"key", std::move(values)},
                        {"count", count},
                        {"old_rows", old},
                        {"new_rows", fresh},
                        {"old_copies", nlohmann::json::array()},
                        {"new_copies", nlohmann::json::array()}};
    std::string text = fmt::format("{}: {} rows, {} old and {} new", key, count, old, fresh);
    if (old > 0)
        text += "; " + describe_copies(spec, "old", old,
                                       nlohmann::json::parse(row["old_copies"].c_str()),
                                       data["old_copies"]);
    if (fresh > 0)
        text += "; " + describe_copies(spec, "new", fresh,
                                       nlohmann::json::parse(row["new_copies"].c_str()),
                                       data["new_copies"]);
    return {std::move(text), std::move(data)};
}

/// What reading the table without an index cost, for the summary: a check
/// that passes slowly should say why, and what would make it fast.
inline std::string scan_notes(const duplicates_spec& spec, const duplicates_table_facts& facts) {
    if (!facts.has_indexes) return "";
    const std::string table =
        facts.approx_rows
            ? fmt::format("{} (about {}, {})", spec.table.display(),
                          counted(static_cast<std::size_t>(*facts.approx_rows), "row"),
                          describe_bytes(facts.bytes))
            : fmt::format("{} ({})", spec.table.display(), describe_bytes(facts.bytes));
    std::string notes;
    if (!facts.key_index)
        notes += fmt::format("; no index on {0}: the recent keys were looked up by reading all of "
                             "{1} once (an index on {0} makes it one probe per key)",
                             key_label(spec.key), table);
    if (!facts.scope_index)
        notes += fmt::format("; no index on {}: finding the window's rows read all of {}",
                             spec.scope_column, table);
    return notes;
}

inline check_result recent_duplicates_result(const duplicates_spec& spec,
                                             const duplicates_table_facts& facts,
                                             const pqxx::result& rows) {
    const auto& first = rows.at(0);
    const auto number = [&](const char* name) {
        return static_cast<std::size_t>(first[name].as<long long>());
    };
    const std::size_t duplicated = number("duplicated_keys"), excess = number("excess_rows"),
                      null_rows = number("null_key_rows"), recent_rows = number("recent_rows");
    const std::string label = key_label(spec.key);
    const std::string where =
        fmt::format("{}: the keys of {} with {}, each looked up in the whole table",
                    spec.table.display(), counted(recent_rows, "row"), window_label(spec));
    check_result r =
        duplicated > 0
            ? check_result::fail("db.duplicates",
                                 fmt::format("{} ({}) in {}",
                                             counted(duplicated, "duplicated " + label + " value"),
                                             counted(excess, "excess row"), where))
            : check_result::pass("db.duplicates",
                                 fmt::format("no duplicated {} in {}", label, where));
    r.evidence = bounded_evidence(spec.show);
    std::size_t listed = 0;
    for (const auto& row : rows)
        if (!row["n"].is_null()) {
            r.evidence.add(recent_duplicate_item(spec, row));
            ++listed;
        }
    r.evidence.count_more(duplicated - listed);
    if (null_rows > 0) {
        r.summary += fmt::format("; {} of the window {} a NULL in {} and {} not compared",
                                 counted(null_rows, "row"), agreeing(null_rows, "has", "have"),
                                 label, agreeing(null_rows, "was", "were"));
        if (spec.null_keys == null_key_policy::fail)
            r.status = verdict::fail;
        else if (spec.null_keys == null_key_policy::warn)
            r.status = std::max(r.status, verdict::warn);
    }
    r.summary += scan_notes(spec, facts);
    r.totals = {{"table", spec.table.display()},
                {"key", spec.key},
                {"compared", "whole_table"},
                {"duplicated_keys", duplicated},
                {"excess_rows", excess},
                {"null_key_rows", null_rows},
                {"recent_rows", recent_rows},
                {"recent_keys", number("recent_keys")},
                {"key_index", facts.key_index ? nlohmann::json(*facts.key_index) : nullptr}};
    return r;
}

/// A key PostgreSQL cannot compare (json, xml, point, …) as an error result
/// that says so, never a pass; nothing for other faults, which db_check words.
inline std::optional<check_result> uncomparable_key(const duplicates_spec& spec,
                                                    const pqxx::sql_error& e) {
    const std::string reason = first_line(e.what());
    const bool no_equality = reason.find("equality operator") != std::string::npos ||
                             (reason.rfind("operator does not exist: ", 0) == 0 &&
                              reason.find(" = ") != std::string::npos);
    if (sqlstate_of(e) != "42883" || !no_equality) return std::nullopt;
    return check_result::error(
        "db.duplicates",
        fmt::format("the {} values of {} cannot be compared, so no duplicate can be found: {} "
                    "(a key needs a type with equality; check a view that casts the column, e.g. "
                    "to text or jsonb)",
                    key_label(spec.key), spec.table.display(), reason));
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

/// On a standby, refuses a window shorter than its replay lag (a `since`
/// window is as long as the server's now() minus it).
inline void guard_duplicates_window(pqxx::transaction_base& tx, const duplicates_spec& spec,
                                    const server_position& at, const std::string& what) {
    if (!at.standby || (!spec.within && !spec.since)) return;
    const auto span =
        spec.within
            ? *spec.within
            : std::chrono::milliseconds(tx.exec_params1("SELECT (extract(epoch FROM now() "
                                                        "- $1::timestamptz) * 1000)::bigint",
                                                        *spec.since)[0]
                                            .as<long long>());
    guard_window(at, span, fmt::format("{} for the rows with {}", what, window_label(spec)));
}

} // namespace detail

ROLLCHECK_INLINE check_result check_duplicates(const duplicates_spec& spec) {
    if (auto problem = detail::invalid_duplicates_spec(spec))
        return check_result::error("db.duplicates", "invalid duplicates check: " + *problem);
    return db_check("db.duplicates", spec.connection, spec.table.display(), [&](pg_session& s) {
        try {
            const std::string what = "the duplicates check of " + spec.table.display();
            if (!detail::against_whole_table(spec)) {
                return s.read([&](pqxx::read_transaction& tx) {
                    const auto at = read_server_position(tx);
                    detail::guard_duplicates_window(tx, spec, at, what);
                    const auto sql = detail::duplicates_sql(spec, tx);
                    if (spec.within || spec.since)
                        detail::guard_scan(tx, spec.connection, what, sql,
                                           detail::window_parameter(spec));
                    else
                        detail::guard_scan(tx, spec.connection, what, sql);
                    const auto rows = detail::run_duplicates_query(spec, tx);
                    detail::confirm_position(tx, at, what);
                    auto r = detail::duplicates_result(spec, rows);
                    detail::record_position(r, at);
                    return r;
                });
            }
            return s.read([&](pqxx::read_transaction& tx) {
                const auto at = read_server_position(tx);
                detail::guard_duplicates_window(tx, spec, at, what);
                const auto facts = detail::table_facts(spec, tx);
                // The planner prices one probe per key it expects in the
                // window, which passes jit_above_cost on a large table;
                // compiling the expressions (and loading LLVM in a new
                // backend) then takes longer than the probes (measured on
                // 20,000,000 rows: 190 ms with JIT, 60 ms without).
                if (facts.key_index) tx.exec("SELECT set_config('jit', 'off', true)");
                const auto sql = detail::recent_duplicates_sql(spec, tx, facts);
                detail::guard_scan(tx, spec.connection, what, sql, detail::window_parameter(spec));
                const auto rows = tx.exec_params(sql, detail::window_parameter(spec));
                detail::confirm_position(tx, at, what);
                auto r = detail::recent_duplicates_result(spec, facts, rows);
                detail::record_position(r, at);
                return r;
            });
        } catch (const pqxx::sql_error& e) {
            if (auto r = detail::uncomparable_key(spec, e)) return *r;
            throw;
        }
    });
}

ROLLCHECK_INLINE std::string duplicates_statement(const duplicates_spec& spec,
                                                  pqxx::transaction_base& tx) {
    if (!spec.within && !spec.since) return detail::duplicates_sql(spec, tx);
    const auto window = detail::window_literal(spec, tx);
    if (spec.only_within_window) return detail::duplicates_sql(spec, tx, window);
    return detail::recent_duplicates_sql(spec, tx, detail::table_facts(spec, tx), window);
}

} // namespace rollcheck
