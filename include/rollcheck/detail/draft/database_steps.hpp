/// \file detail/draft/database_steps.hpp
/// Steps on the database: SQL statements, in a block or in `psql -c`
/// (db.duplicates, db.recent, through sql.hpp's parse), and `pg_restore`
/// (db.backup, before the rollback), with its traps.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sql.hpp"
#include "step_context.hpp"
#include "words.hpp"

namespace rollcheck::detail::draft {

/// The SQL of `psql`'s `-c` options: `psql -d shop -c "SELECT …"`.
[[nodiscard]] inline std::vector<std::string>
psql_statements(const std::vector<std::string>& words) {
    std::vector<std::string> statements;
    for (std::size_t i = 1; i < words.size(); ++i) {
        if ((words[i] == "-c" || words[i] == "--command") && i + 1 < words.size())
            statements.push_back(words[++i]);
        else if (words[i].rfind("--command=", 0) == 0)
            statements.push_back(words[i].substr(10));
        else if (words[i].rfind("-c", 0) == 0 && words[i].size() > 2)
            statements.push_back(words[i].substr(2));
    }
    return statements;
}

/// The checks of `text`'s statements; why none, when none.
inline std::string sql_checks(step_context& s, const std::string& text) {
    std::string why;
    bool any = false;
    for (const auto& r : read_sql(text)) {
        if (r.what == sql_reading::type::unparsable)
            return fmt::format("the SQL does not parse: {}", r.why);
        if (r.what == sql_reading::type::other) {
            why = r.why;
            continue;
        }
        any = true;
        const auto table = s.values.refer("database", "table", r.table, s.step.line);
        if (r.what == sql_reading::type::duplicates) {
            const auto key = s.values.refer("database", "key", r.key, s.step.line);
            s.check("db.duplicates", fmt::format("no duplicated {} in {}", key, table))
                .text("dsn", "${database.dsn?}")
                .text("table", table)
                .text("key", key);
        } else {
            const auto column = s.values.refer("database", "timestamp", r.column, s.step.line);
            s.check("db.recent", fmt::format("rows written to {} in the last {} (by {})", table,
                                             r.window, column))
                .text("dsn", "${database.dsn?}")
                .text("table", table)
                .text("column", column)
                .text("since", fmt::format("${{rollback.since:-{}}}", r.window));
        }
    }
    if (any) return {};
    return why.empty() ? "no SQL statement in it" : why;
}

inline std::string backup(step_context& s, const std::vector<std::string>& words) {
    const auto files =
        operands(words, 1,
                 {"-d", "--dbname",  "-f", "--file",      "-U",    "--username", "-h", "--host",
                  "-p", "--port",    "-j", "--jobs",      "-n",    "--schema",   "-t", "--table",
                  "-F", "--format",  "-L", "--use-list",  "-I",    "--index",    "-P", "--function",
                  "-T", "--trigger", "-S", "--superuser", "--role"});
    if (files.empty())
        return "pg_restore reading stdin: the archive is not named, so no check of it";
    const auto& file = files.back();
    const auto lowered = lower(file);
    if (lowered.size() > 4 && (lowered.compare(lowered.size() - 4, 4, ".sql") == 0 ||
                               lowered.find(".sql.") != std::string::npos))
        s.warn(fmt::format("`{}`: pg_restore reads the archives pg_dump -Fc, -Fd and -Ft "
                           "write; {} looks like a plain SQL script, which pg_restore refuses "
                           "(psql -f restores one). db.backup checks the archive before the "
                           "rollback",
                           s.step.text, file));
    if (!has_flag(words, {"-c", "--clean"}, 'c'))
        s.warn(fmt::format("`{}` restores without --clean: the tables keep the rows written "
                           "since the backup, and a restored row whose key is already there "
                           "fails its table's load, or, with no unique key, is doubled. Give "
                           "--clean --if-exists, or restore into an empty database",
                           s.step.text));
    const auto archive = s.values.refer("database", "backup", file, s.step.line);
    auto& c =
        s.check("db.backup",
                s.values.has("database", "table")
                    ? fmt::format("the backup {} holds the data of ${{database.table}}, taken "
                                  "before the rollback",
                                  archive)
                    : fmt::format("the backup {} is readable, taken before the rollback", archive));
    c.before = true;
    c.text("archive", archive);
    if (s.values.has("database", "table")) c.list("table", {"${database.table}"});
    c.text("taken-before", "${rollback.since?}");
    if (const auto db = option_value(words, {"-d", "--dbname"}); !db.empty())
        c.comments.push_back(fmt::format(
            "It restores into the database {}: checked before the rollback starts.", db));
    return {};
}

inline std::string psql(step_context& s, const std::vector<std::string>& words) {
    const auto statements = psql_statements(words);
    if (statements.empty()) return "psql without -c: its SQL is not in the line";
    std::string why;
    bool any = false;
    for (const auto& statement : statements) {
        const auto result = sql_checks(s, statement);
        if (result.empty())
            any = true;
        else if (why.empty())
            why = result;
    }
    return any ? std::string() : why;
}

} // namespace rollcheck::detail::draft
