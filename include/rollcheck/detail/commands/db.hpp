// `rollcheck db …`: PostgreSQL checks: duplicates, recent writes, freshness, baseline and compare,
// backups.
//
// Each subcommand is one add_<name>_command function; the options every
// database subcommand shares (connection, table) come from connection_options
// and table_options.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../backup.hpp"
#include "../../baseline.hpp"
#include "../../commands.hpp"
#include "../../duplicates.hpp"
#include "../../freshness.hpp"
#include "../../postgres.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace db {

/// --dsn, --statement-timeout and --deadline: a connection_spec, libpq's conventions.
struct connection_options {
    std::string dsn;
    std::string statement_timeout = "30s";
    std::string deadline = "5m";
    std::string lock_timeout = "5s";
    std::string max_scan_rows;

    void add_to(CLI::App& cmd) {
        cmd.add_option("--dsn", dsn,
                       "libpq connection string or postgresql:// URI; empty: the PG* environment, "
                       ".pgpass and service= as psql uses them");
        cmd.add_option("--statement-timeout", statement_timeout,
                       "deadline of each query, set with SET LOCAL (0s: none)")
            ->check(duration_validator())
            ->capture_default_str();
        cmd.add_option("--deadline", deadline,
                       "longest one transaction may take, kept client-side: a server that stops "
                       "answering is cut off (0s: none)")
            ->check(duration_validator())
            ->capture_default_str();
        cmd.add_option("--lock-timeout", lock_timeout,
                       "how long a query waits for a lock another session holds on the table "
                       "before the check gives up, set with SET LOCAL (0s: none)")
            ->check(duration_validator())
            ->capture_default_str();
        cmd.add_option("--max-scan-rows", max_scan_rows,
                       "refuse a check that would read more rows than this in whole-table scans, "
                       "by the planner's estimate (EXPLAIN, pg_class.reltuples), saying what the "
                       "scan would cost (default: no limit)")
            ->check(CLI::NonNegativeNumber);
    }
    [[nodiscard]] connection_spec spec() const {
        connection_spec c;
        c.dsn = dsn;
        c.statement_timeout = parse_duration(statement_timeout);
        c.deadline = parse_duration(deadline);
        c.lock_timeout = parse_duration(lock_timeout);
        if (!max_scan_rows.empty()) c.max_scan_rows = std::stoull(max_scan_rows);
        return c;
    }
};

/// --table [SCHEMA.]TABLE and --schema: a table_ref, names kept exact.
struct table_options {
    std::string table;
    std::string schema;

    void add_to(CLI::App& cmd) {
        cmd.add_option("--table", table,
                       "table, as TABLE or SCHEMA.TABLE (double-quote a part holding a dot); "
                       "names are exact, never case-folded")
            ->required();
        cmd.add_option("--schema", schema,
                       "schema of --table; --table is then taken whole, dots and all");
    }
    [[nodiscard]] table_ref ref() const {
        if (!schema.empty()) return table_ref{schema, table};
        try {
            return table_ref::parse(table);
        } catch (const std::invalid_argument& e) {
            throw CLI::ValidationError("--table", e.what());
        }
    }
};

/// Connection, table and --column: what the timestamp checks share.
struct timestamp_column_options {
    connection_options connection;
    table_options table;
    std::string column;

    void add_to(CLI::App& cmd) {
        connection.add_to(cmd);
        table.add_to(cmd);
        cmd.add_option("--column", column, "timestamp column (timestamptz or timestamp)")
            ->required();
    }
};

/// An option holding a duration that may be absent.
inline std::optional<std::chrono::milliseconds> optional_duration(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return parse_duration(text);
}

inline CLI::App* add_duplicates_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "duplicates",
        "Fail when a key is held by more than one row (GROUP BY key HAVING count(*) > 1, "
        "run in the database); with --within or --since, when a key of a row written in that "
        "window is held by any other row of the table");
    struct options {
        connection_options connection;
        table_options table;
        std::vector<std::string> key;
        std::string column, within, since, null_keys = "warn";
        bool only_within_window = false;
    };
    auto o = std::make_shared<options>();
    o->connection.add_to(*cmd);
    o->table.add_to(*cmd);
    cmd->add_option("--key", o->key, "key column(s): --key a,b or --key a --key b")
        ->required()
        ->delimiter(',');
    cmd->add_option("--column", o->column, "timestamp column of the window (--within, --since)");
    cmd->add_option("--within", o->within,
                    "check the keys of the rows whose --column is within this of now(), each "
                    "against the whole table")
        ->check(duration_validator())
        ->needs("--column");
    cmd->add_option("--since", o->since,
                    "check the keys of the rows whose --column is at or after this time (e.g. "
                    "2026-11-28T09:00:00Z, or 30m), each against the whole table")
        ->check(since_validator())
        ->needs("--column")
        ->excludes("--within");
    // Needs --within or --since, which CLI11 cannot say: the spec's check does.
    cmd->add_flag("--only-within-window", o->only_within_window,
                  "with --within or --since: group the window's rows only among themselves (a "
                  "new row repeating an older row's key then passes)")
        ->needs("--column");
    cmd->add_option("--null-keys", o->null_keys,
                    "rows with a NULL key are counted, never grouped; their verdict")
        ->check(CLI::IsMember({"allow", "warn", "fail"}))
        ->capture_default_str();
    add_check(*cmd, [o](const output_options& out) {
        duplicates_spec spec;
        spec.connection = o->connection.spec();
        spec.table = o->table.ref();
        spec.key = o->key;
        spec.scope_column = o->column;
        spec.within = optional_duration(o->within);
        if (!o->since.empty()) spec.since = format_utc(parse_since(o->since));
        spec.only_within_window = o->only_within_window;
        spec.null_keys = o->null_keys == "allow"  ? null_key_policy::allow
                         : o->null_keys == "fail" ? null_key_policy::fail
                                                  : null_key_policy::warn;
        spec.show = out.evidence_limit();
        return check_duplicates(spec);
    });
    return cmd;
}

inline CLI::App* add_recent_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "recent", "Pass when enough rows have a timestamp within a window of the server's now()");
    struct options {
        timestamp_column_options target;
        std::string within = "1h", since;
        std::uint64_t min = 1;
        std::uint64_t max = 0;
    };
    auto o = std::make_shared<options>();
    o->target.add_to(*cmd);
    auto* within = cmd->add_option("--within", o->within, "window before the server's now()")
                       ->check(duration_validator())
                       ->capture_default_str();
    cmd->add_option("--since", o->since,
                    "instead of --within: the rows since this time (a duration ago, or an "
                    "ISO 8601 time), however long the check takes to connect")
        ->check(since_validator())
        ->excludes(within);
    cmd->add_option("--min", o->min, "at least this many rows in the window")
        ->capture_default_str();
    cmd->add_option("--max", o->max, "at most this many rows in the window (default: no limit)");
    add_check(*cmd, [o, cmd](const output_options&) {
        recent_writes_spec spec;
        spec.connection = o->target.connection.spec();
        spec.table = o->target.table.ref();
        spec.column = o->target.column;
        spec.within = parse_duration(o->within);
        if (!o->since.empty()) spec.since = parse_since(o->since);
        spec.min = o->min;
        if (cmd->count("--max") > 0) spec.max = o->max;
        return check_recent_writes(spec);
    });
    return cmd;
}

inline CLI::App* add_freshness_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "freshness", "Age of the newest row against --warn-after / --error-after (server clock)");
    struct options {
        timestamp_column_options target;
        std::string warn_after, error_after;
        bool allow_empty = false;
    };
    auto o = std::make_shared<options>();
    o->target.add_to(*cmd);
    cmd->add_option("--warn-after", o->warn_after, "warn when the newest row is older than this")
        ->check(duration_validator());
    cmd->add_option("--error-after", o->error_after, "fail when the newest row is older than this")
        ->check(duration_validator());
    cmd->add_flag("--allow-empty", o->allow_empty,
                  "pass on a table with no rows instead of reporting an error");
    add_check(*cmd, [o](const output_options&) {
        freshness_spec spec;
        spec.connection = o->target.connection.spec();
        spec.table = o->target.table.ref();
        spec.column = o->target.column;
        spec.warn_after = optional_duration(o->warn_after);
        spec.error_after = optional_duration(o->error_after);
        spec.allow_empty = o->allow_empty;
        return check_freshness(spec);
    });
    return cmd;
}

/// `text` as a table name, or a CLI11 error naming the option.
inline table_ref parse_table_option(const std::string& option, const std::string& text) {
    try {
        return table_ref::parse(text);
    } catch (const std::invalid_argument& e) {
        throw CLI::ValidationError(option, e.what());
    }
}

inline CLI::App* add_baseline_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "baseline", "Record a table's row count, newest timestamp and bucketed key fingerprint "
                    "(and its keys) for a later `db compare`");
    struct options {
        connection_options connection;
        table_options table;
        std::vector<std::string> key;
        std::string column, out;
        unsigned buckets = 4096;
        bool no_keys = false;
    };
    auto o = std::make_shared<options>();
    o->connection.add_to(*cmd);
    o->table.add_to(*cmd);
    cmd->add_option("--key", o->key, "key column(s): --key a,b or --key a --key b")
        ->required()
        ->delimiter(',');
    cmd->add_option("--column", o->column,
                    "timestamp column whose newest value must not go back (optional)");
    cmd->add_option("--out", o->out, "the baseline JSON file to write")->required();
    cmd->add_option("--buckets", o->buckets, "fingerprint buckets, a power of two")
        ->check(CLI::Range(1u, 65536u))
        ->capture_default_str();
    cmd->add_flag("--no-keys", o->no_keys,
                  "write no OUT.keys file: compare then counts lost rows but cannot name them");
    add_check(*cmd, [o](const output_options& out) {
        baseline_spec spec;
        spec.connection = o->connection.spec();
        spec.tables = {{o->table.ref(), o->key, o->column}};
        spec.out = o->out;
        spec.buckets = o->buckets;
        spec.keep_keys = !o->no_keys;
        spec.show = out.evidence_limit();
        return take_baseline(spec);
    });
    return cmd;
}

inline CLI::App* add_compare_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "compare", "Fail when rows recorded by `db baseline` are gone (naming the lost keys) or "
                   "the newest timestamp went back");
    struct options {
        connection_options connection;
        std::string baseline;
        bool warn_on_gained = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("baseline,--baseline", o->baseline, "the JSON file `db baseline` wrote")
        ->required();
    o->connection.add_to(*cmd);
    cmd->add_flag("--warn-on-gained", o->warn_on_gained,
                  "warn (not pass) when rows were gained and none lost");
    add_check(*cmd, [o](const output_options& out) {
        compare_spec spec;
        spec.connection = o->connection.spec();
        spec.baseline = o->baseline;
        spec.warn_on_gained = o->warn_on_gained;
        spec.show = out.evidence_limit();
        return compare_baseline(spec);
    });
    return cmd;
}

inline CLI::App* add_baseline_file_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "baseline-file", "Before a rollback: the baseline `db baseline` wrote is readable, holds "
                         "the tables and was taken before the rollback started (no database)");
    struct options {
        std::string baseline, taken_before;
        std::vector<std::string> tables;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("baseline,--baseline", o->baseline, "the JSON file `db baseline` wrote")
        ->required();
    cmd->add_option("--table", o->tables,
                    "a table it must hold: TABLE (any schema) or SCHEMA.TABLE; repeat for more");
    cmd->add_option("--taken-before", o->taken_before,
                    "it must be older than this time (when the rollback started)")
        ->check(since_validator());
    add_check(*cmd, [o](const output_options&) {
        baseline_file_spec spec;
        spec.baseline = o->baseline;
        for (const auto& table : o->tables)
            spec.tables.push_back(parse_table_option("--table", table));
        if (!o->taken_before.empty()) spec.taken_before = parse_since(o->taken_before);
        return check_baseline_file(spec);
    });
    return cmd;
}

inline CLI::App* add_backup_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "backup", "Verify a pg_dump custom-format archive: present, recent, readable by "
                  "pg_restore, holding TABLE DATA for the named tables; with --restore-check, "
                  "also restored into a scratch database, its tables counted and their keys "
                  "checked for duplicates");
    struct options {
        std::string archive, max_age = "26h", timeout = "10m", pg_restore = "pg_restore",
                             taken_before, scratch_dsn, bindir, restore_timeout = "30m";
        std::vector<std::string> tables, key;
        bool list_only = false, restore_check = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("archive,--archive", o->archive, "the archive (pg_dump -Fc)")->required();
    cmd->add_option("--table", o->tables,
                    "a table whose data it must hold: TABLE (schema public) or SCHEMA.TABLE; "
                    "repeat for more");
    cmd->add_option("--taken-before", o->taken_before,
                    "the archive must be older than this time (when the rollback started)")
        ->check(since_validator());
    cmd->add_option("--max-age", o->max_age, "oldest acceptable age of the file (0s: any)")
        ->check(duration_validator())
        ->capture_default_str();
    cmd->add_flag("--list-only", o->list_only,
                  "read only the table of contents, not every data block (faster; misses "
                  "truncated archives)");
    cmd->add_option("--pg-restore", o->pg_restore, "the pg_restore program")->capture_default_str();
    cmd->add_option("--timeout", o->timeout, "deadline of each pg_restore run")
        ->check(duration_validator())
        ->capture_default_str();
    auto* restore_check =
        cmd->add_flag("--restore-check", o->restore_check,
                      "once the archive passes, restore all of it into a scratch database (a "
                      "throwaway cluster unless --scratch-dsn) and fail when a --table is "
                      "missing there, has no rows or holds a duplicated --key");
    cmd->add_option("--key", o->key,
                    "with --restore-check: key column(s) of every --table: --key a,b or --key a "
                    "--key b")
        ->delimiter(',')
        ->needs(restore_check);
    cmd->add_option("--scratch-dsn", o->scratch_dsn,
                    "with --restore-check: an empty database to restore into instead of a "
                    "throwaway cluster (the restored copy stays there)")
        ->needs(restore_check);
    cmd->add_option("--bindir", o->bindir,
                    "with --restore-check: where initdb, postgres and pg_restore are (default: "
                    "pg_config --bindir, else /usr/lib/postgresql/15/bin)")
        ->needs(restore_check);
    cmd->add_option("--restore-timeout", o->restore_timeout,
                    "with --restore-check: deadline of the restore")
        ->check(duration_validator())
        ->capture_default_str()
        ->needs(restore_check);
    add_check(*cmd, [o](const output_options& out) {
        backup_spec spec;
        spec.archive = o->archive;
        for (const auto& table : o->tables)
            spec.tables.push_back(parse_table_option("--table", table));
        spec.max_age = parse_duration(o->max_age);
        if (!o->taken_before.empty()) spec.taken_before = parse_since(o->taken_before);
        spec.read_data = !o->list_only;
        spec.pg_restore = o->pg_restore;
        spec.timeout = parse_duration(o->timeout);
        spec.show = out.evidence_limit();
        if (!o->restore_check) return check_backup(spec);
        if (spec.tables.empty())
            throw CLI::ValidationError("--restore-check",
                                       "needs --table: the tables to look at in the restored copy");
        backup_restore_spec restore;
        restore.archive = spec.archive;
        for (const auto& table : spec.tables)
            restore.tables.push_back({table, o->key});
        restore.scratch_dsn = o->scratch_dsn;
        restore.bindir = o->bindir;
        restore.restore_timeout = parse_duration(o->restore_timeout);
        restore.show = spec.show;
        return check_backup_then_restore(spec, restore);
    });
    return cmd;
}

inline void add_db_commands(CLI::App& app) {
    auto* group = app.add_subcommand("db", cli::db_commands_summary);
    group->require_subcommand(1);
    add_duplicates_command(*group);
    add_recent_command(*group);
    add_freshness_command(*group);
    add_baseline_command(*group);
    add_compare_command(*group);
    add_baseline_file_command(*group);
    add_backup_command(*group);
}

} // namespace db
} // namespace rollcheck::detail::commands
