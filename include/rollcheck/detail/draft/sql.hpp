/// \file detail/draft/sql.hpp
/// A runbook's SQL read by PostgreSQL's own parser (libpg_query, which
/// gives the parse tree as JSON), and the two queries a runbook verifies
/// with recognised in that tree: a count of rows per key that keeps the
/// counts above one (duplicates), and a count of the rows whose timestamp
/// is within a window of now() (recent writes). No other file of the
/// drafter sees libpg_query.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pg_query.h>

#include "../../time.hpp"

namespace rollcheck::detail::draft {

/// What a statement is to a plan.
struct sql_reading {
    enum class type { duplicates, recent, other, unparsable };
    type what = type::other;
    std::string table;  ///< as written: "t" or "schema.t"
    std::string key;    ///< duplicates: the key column
    std::string column; ///< recent: the timestamp column
    std::string window; ///< recent: the window as a duration ("1h")
    std::string why;    ///< other and unparsable: what it is, or the parser's complaint
};

namespace sql {

using json = nlohmann::json;

/// The one node of `n` ({"SelectStmt": {...}}): its type and its fields.
[[nodiscard]] inline std::pair<std::string, const json*> node(const json& n) {
    if (!n.is_object() || n.size() != 1) return {"", nullptr};
    return {n.begin().key(), &n.begin().value()};
}

/// The last name of a list of `String` nodes (`fields`, `funcname`, an
/// operator's `name`): "key" of `t.key`, "count" of `pg_catalog.count`.
[[nodiscard]] inline std::string last_name(const json& fields, const char* list) {
    if (!fields.contains(list)) return {};
    const auto& names = fields[list];
    if (!names.is_array() || names.empty()) return {};
    const auto [part, value] = node(names.back());
    if (part != "String" || !value->contains("sval")) return {};
    return value->at("sval").get<std::string>();
}

/// The column a `ColumnRef` names, or "".
[[nodiscard]] inline std::string column_name(const json& n) {
    const auto [type, fields] = node(n);
    return type == "ColumnRef" ? last_name(*fields, "fields") : std::string();
}

/// The function a `FuncCall` calls ("count", "now": the parser folds case), or "".
[[nodiscard]] inline std::string function_name(const json& n, bool* star = nullptr) {
    const auto [type, call] = node(n);
    if (type != "FuncCall") return {};
    if (star != nullptr) *star = call->value("agg_star", false);
    return last_name(*call, "funcname");
}

/// A binary operator expression: its operator, left and right, or null.
struct operation {
    std::string op;
    const json* left = nullptr;
    const json* right = nullptr;
};

[[nodiscard]] inline operation binary(const json& n) {
    const auto [type, e] = node(n);
    if (type != "A_Expr" || e->value("kind", "") != "AEXPR_OP" || !e->contains("lexpr") ||
        !e->contains("rexpr"))
        return {};
    return {last_name(*e, "name"), &(*e)["lexpr"], &(*e)["rexpr"]};
}

/// The integer of an `A_Const`, or -1.
[[nodiscard]] inline long long integer(const json& n) {
    const auto [type, c] = node(n);
    if (type != "A_Const" || !c->contains("ival")) return -1;
    return c->at("ival").value("ival", 0LL);
}

/// A window's text ("1 hour", "30 minutes", "2 days") as a duration
/// ("1h", "30m", "2d"); "" when it is none.
[[nodiscard]] inline std::string window_of(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        const auto digits = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            ++i;
        if (digits == i) return {};
        const auto number = text.substr(digits, i - digits);
        while (i < text.size() && text[i] == ' ')
            ++i;
        const auto unit_start = i;
        while (i < text.size() && text[i] != ' ' && (text[i] < '0' || text[i] > '9'))
            ++i;
        auto unit = std::string(text.substr(unit_start, i - unit_start));
        for (auto& c : unit)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        static constexpr std::pair<std::string_view, std::string_view> units[] = {
            {"s", "s"}, {"sec", "s"},  {"secs", "s"},  {"second", "s"}, {"seconds", "s"},
            {"m", "m"}, {"min", "m"},  {"mins", "m"},  {"minute", "m"}, {"minutes", "m"},
            {"h", "h"}, {"hour", "h"}, {"hours", "h"}, {"hr", "h"},     {"hrs", "h"},
            {"d", "d"}, {"day", "d"},  {"days", "d"}};
        bool known = false;
        for (const auto& [name, letter] : units)
            if (unit == name) {
                out += std::string(number) + std::string(letter);
                known = true;
            }
        if (!known) return {};
    }
    std::string why;
    return !out.empty() && parse_duration(out, why) ? out : std::string();
}

/// `now() - INTERVAL 'text'` (or `- 'text'::interval`): the window, or "".
[[nodiscard]] inline std::string now_minus(const json& n) {
    const auto minus = binary(n);
    if (minus.op != "-") return {};
    if (function_name(*minus.left) != "now") {
        // CURRENT_TIMESTAMP is an SQLValueFunction, not a call.
        const auto clock = node(*minus.left);
        if (clock.first != "SQLValueFunction" ||
            clock.second->value("op", "").rfind("SVFOP_CURRENT_TIMESTAMP", 0) != 0)
            return {};
    }
    const auto [type, cast] = node(*minus.right);
    if (type != "TypeCast" || !cast->contains("arg")) return {};
    const auto [constant, value] = node((*cast)["arg"]);
    if (constant != "A_Const" || !value->contains("sval")) return {};
    return window_of(value->at("sval").value("sval", ""));
}

/// A part of a table's name as a target writes it: double-quoted when it
/// holds a dot, a quote or a space (`"my.schema"`), so that it reads back.
[[nodiscard]] inline std::string name_part(const std::string& part) {
    if (part.find_first_of(". \"") == std::string::npos) return part;
    std::string out = "\"";
    for (const char c : part)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

/// The one table of `FROM`, as a target writes it ("t", "schema.t"), or "".
[[nodiscard]] inline std::string only_table(const json& select) {
    if (!select.contains("fromClause") || select["fromClause"].size() != 1) return {};
    const auto [type, range] = node(select["fromClause"][0]);
    if (type != "RangeVar") return {};
    const auto table = range->value("relname", "");
    const auto schema = range->value("schemaname", "");
    if (table.empty()) return {};
    return schema.empty() ? name_part(table) : name_part(schema) + "." + name_part(table);
}

/// `SELECT key, count(*) FROM t GROUP BY key HAVING count(*) > 1`.
[[nodiscard]] inline bool duplicates(const json& select, sql_reading& r) {
    if (!select.contains("groupClause") || select["groupClause"].size() != 1 ||
        !select.contains("havingClause"))
        return false;
    const auto key = column_name(select["groupClause"][0]);
    const auto having = binary(select["havingClause"]);
    bool star = false;
    if (key.empty() || having.left == nullptr || function_name(*having.left, &star) != "count")
        return false;
    const auto bound = integer(*having.right);
    if (!((having.op == ">" && bound == 1) || (having.op == ">=" && bound == 2))) return false;
    r.what = sql_reading::type::duplicates;
    r.key = key;
    return true;
}

/// `SELECT count(*) FROM t WHERE ts > now() - INTERVAL '1 hour'`.
[[nodiscard]] inline bool recent(const json& select, sql_reading& r) {
    if (!select.contains("whereClause") || !select.contains("targetList") ||
        select["targetList"].size() != 1)
        return false;
    const auto [target, res] = node(select["targetList"][0]);
    if (target != "ResTarget" || !res->contains("val") || function_name((*res)["val"]) != "count")
        return false;
    const auto where = binary(select["whereClause"]);
    if (where.left == nullptr || (where.op != ">" && where.op != ">=")) return false;
    const auto column = column_name(*where.left);
    const auto window = now_minus(*where.right);
    if (column.empty() || window.empty()) return false;
    r.what = sql_reading::type::recent;
    r.column = column;
    r.window = window;
    return true;
}

/// What one parsed statement is.
[[nodiscard]] inline sql_reading statement(const json& stmt) {
    sql_reading r;
    const auto [type, fields] = node(stmt);
    if (type != "SelectStmt") {
        r.why = fmt::format("a statement of its own ({}), no check", type.empty() ? "?" : type);
        return r;
    }
    r.table = only_table(*fields);
    if (r.table.empty() || !(duplicates(*fields, r) || recent(*fields, r))) {
        r.what = sql_reading::type::other;
        r.table.clear();
        r.why = "a query, but neither a count of duplicated keys nor of recent rows";
    }
    return r;
}

} // namespace sql

/// Each statement of `text`, read; one `unparsable` reading when the
/// parser refuses it, saying where.
[[nodiscard]] inline std::vector<sql_reading> read_sql(const std::string& text) {
    PgQueryParseResult parsed = pg_query_parse(text.c_str());
    std::vector<sql_reading> out;
    if (parsed.error != nullptr) {
        sql_reading r;
        r.what = sql_reading::type::unparsable;
        r.why = fmt::format("{} (at character {})",
                            parsed.error->message ? parsed.error->message : "a syntax error",
                            parsed.error->cursorpos);
        out.push_back(std::move(r));
    } else {
        const auto tree =
            sql::json::parse(parsed.parse_tree ? parsed.parse_tree : "{}", nullptr, false);
        if (tree.is_object() && tree.contains("stmts"))
            for (const auto& s : tree["stmts"])
                if (s.contains("stmt")) out.push_back(sql::statement(s["stmt"]));
    }
    pg_query_free_parse_result(parsed);
    return out;
}

} // namespace rollcheck::detail::draft
