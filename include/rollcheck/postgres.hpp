/// \file postgres.hpp
/// The connection every database verifier uses: libpq's conventions for
/// finding the server, rollcheck's defaults for timeouts, READ ONLY
/// transactions, quoted identifiers, and faults turned into error results
/// that name host, port, database and object but never a password.
///
/// ```cpp
/// rollcheck::connection_spec conn;            // empty DSN: PG* environment, .pgpass
/// conn.dsn = "service=reporting";             // or "host=db port=5432 dbname=app"
/// auto r = rollcheck::db_check("db.example", conn, "public.t", [](rollcheck::pg_session& s) {
///     return s.read([](pqxx::read_transaction& tx) {
///         const auto n = tx.exec1("SELECT count(*) FROM public.t")[0].as<long>();
///         return rollcheck::check_result::pass("db.example", fmt::format("{} rows", n));
///     });
/// });
/// ```
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "detail/inline.hpp"
#include "result.hpp"

namespace rollcheck {
/// How to reach the server. Everything libpq reads works as it does for
/// psql: a `key=value` string or a `postgresql://` URI in `dsn`, or an empty
/// `dsn` and the PG* environment; `.pgpass` and `service=` too.
struct connection_spec {
    std::string dsn; ///< libpq connection string or URI; empty: the environment
    /// Used when neither the DSN nor PGCONNECT_TIMEOUT sets `connect_timeout`.
    /// libpq counts whole seconds (at least 2) and applies it to each address it tries.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    /// Set with SET LOCAL in every transaction; 0 disables it.
    std::chrono::milliseconds statement_timeout{std::chrono::seconds(30)};
    /// Set with SET LOCAL in every transaction: how long a query waits for a
    /// table lock another session holds (an ALTER TABLE, a TRUNCATE) before
    /// the check gives up instead of queueing every later reader behind it;
    /// 0 disables it.
    std::chrono::milliseconds lock_timeout{std::chrono::seconds(5)};
    /// The most rows a check may read in a scan of a whole table, by the
    /// planner's estimate (EXPLAIN and pg_class.reltuples) read before it
    /// runs; over it the check is an error saying what the scan would cost.
    /// None: no limit.
    std::optional<std::uint64_t> max_scan_rows;
    /// The longest one transaction of a check may take, kept by rollcheck
    /// itself: the statement timeout is the server's, and a server that
    /// stops answering (a stopped backend, a frozen proxy or network) never
    /// sends it. When reached, the connection is cut and the check is an
    /// error. 0 disables it.
    std::chrono::milliseconds deadline{std::chrono::minutes(5)};
    /// Used when neither the DSN nor PGAPPNAME sets `application_name`.
    std::string application_name = "rollcheck";
};

/// A table, optionally schema-qualified. Names are exact (case and all),
/// never folded or parsed as SQL: they are always quoted when sent.
struct table_ref {
    std::string schema; ///< empty: the first match on the search_path
    std::string name;

    /// "table", "schema.table", or parts in double quotes when a name holds a
    /// dot (`"my.schema"."t"`, `""` for a quote inside). Throws
    /// std::invalid_argument naming the text when it cannot be split safely.
    static table_ref parse(std::string_view text);

    /// The name for messages: parts holding a dot, a quote or a space are double-quoted.
    [[nodiscard]] std::string display() const;
    /// The name for SQL, each part quoted with quote_name.
    [[nodiscard]] std::string sql(const pqxx::transaction_base& tx) const {
        const std::string table = tx.quote_name(name);
        return schema.empty() ? table : tx.quote_name(schema) + "." + table;
    }
};

/// Where a connection goes, as messages name it ("host db1 port 5432 database app").
struct server_target {
    std::string host;
    std::string port;
    std::string dbname;
    std::string user;
    std::string service;

    [[nodiscard]] std::string describe() const {
        std::string text =
            fmt::format("host {} port {} database {}", host.empty() ? "(local socket)" : host,
                        port.empty() ? "5432" : port, dbname.empty() ? user : dbname);
        if (!service.empty()) text += fmt::format(" (service {})", service);
        return text;
    }
};

/// Where the server a check read stands in replication: a primary, or a hot
/// standby with its replay position and how far it is behind.
struct server_position {
    bool standby = false;    ///< pg_is_in_recovery()
    std::string lsn;         ///< primary: pg_current_wal_lsn(); standby: pg_last_wal_replay_lsn()
    std::string receive_lsn; ///< standby: pg_last_wal_receive_lsn(); empty when not streaming
    /// standby: now() - pg_last_xact_replay_timestamp(), in seconds; none
    /// before the first transaction is replayed. On a standby that replayed
    /// all it received this is also how long the primary has been idle.
    std::optional<double> lag_s;
    std::string last_replayed;  ///< pg_last_xact_replay_timestamp() as text
    bool replay_paused = false; ///< pg_get_wal_replay_pause_state() is not 'not paused'

    /// "standby at replay LSN 0/3000148, 2.1 s behind (its last replayed
    /// commit 2026-11-30 02:00:00+00), replay paused" or "primary at LSN 0/3000148".
    [[nodiscard]] std::string describe() const;
    /// The same as JSON, for a result's totals.
    [[nodiscard]] nlohmann::json to_json() const;
};

/// Reads where the server stands, inside any transaction of `tx`'s connection.
[[nodiscard]] ROLLCHECK_INLINE server_position read_server_position(pqxx::transaction_base& tx);

/// `dsn` fit to show: the value of `password=` and the password of a URI's
/// `user:password@` and `?password=` become `***`.
[[nodiscard]] ROLLCHECK_INLINE std::string mask_dsn(std::string_view dsn);

/// An open connection whose every query runs in a READ ONLY transaction
/// with the spec's statement timeout, and whose every transaction is cut
/// when it outlasts the spec's deadline.
class pg_session {
public:
    /// Connects; throws what libpqxx throws (db_check turns it into a result).
    explicit pg_session(const connection_spec& spec);

    /// Runs `body(pqxx::read_transaction&)` in a READ ONLY transaction with
    /// `SET LOCAL statement_timeout`, commits, and returns what `body` returned.
    template <typename Body>
    auto read(Body&& body);

    /// As read(), in a READ ONLY REPEATABLE READ transaction: all of `body`'s
    /// queries see one snapshot (for checks that read a table more than once).
    template <typename Body>
    auto read_snapshot(Body&& body);

    [[nodiscard]] const server_target& target() const noexcept { return target_; }
    [[nodiscard]] const connection_spec& spec() const noexcept { return spec_; }
    [[nodiscard]] pqxx::connection& connection() noexcept { return connection_; }
    /// True once the deadline cut the connection.
    [[nodiscard]] bool deadline_passed() const noexcept { return deadline_passed_; }

private:
    template <typename Transaction, typename Body>
    auto run(Body&& body);

    static std::string value_or_empty(const char* text) { return text != nullptr ? text : ""; }

    connection_spec spec_;
    pqxx::connection connection_;
    server_target target_;
    bool deadline_passed_ = false;
};

/// Runs `body(pg_session&)` as the check `check` on `object` (what messages
/// name, e.g. a table): connects, times the check, and turns every fault —
/// unreachable server, wrong password, missing table or column, statement
/// timeout, lost connection — into an `error` result that names host, port,
/// database and object and holds no password. `body` returns a check_result.
template <typename Body>
[[nodiscard]] check_result db_check(std::string check, const connection_spec& spec,
                                    const std::string& object, Body&& body);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp), but
// for the templates, which every unit that calls them compiles.
#ifdef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/db/session.hpp"
#else
#include "detail/db/names_impl.hpp"
#include "detail/db/postgres_impl.hpp"
#endif
