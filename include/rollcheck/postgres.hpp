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
#include <pqxx/pqxx>

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

/// `dsn` fit to show: the value of `password=` and the password of a URI's
/// `user:password@` and `?password=` become `***`.
[[nodiscard]] inline std::string mask_dsn(std::string_view dsn) {
    static const std::regex keyword(R"((password\s*=\s*)('(\\.|[^'\\])*'?|[^\s&]*))",
                                    std::regex::icase);
    static const std::regex userinfo(R"(((?:postgres|postgresql)://[^:/@\s]*:)[^@\s]*@)",
                                     std::regex::icase);
    std::string text = std::regex_replace(std::string(dsn), keyword, "$1***");
    return std::regex_replace(text, userinfo, "$1***@");
}

namespace detail {

/// The keywords libpq parsed from `dsn` (key=value or URI) that have a value.
inline std::vector<std::pair<std::string, std::string>> parse_conninfo(const std::string& dsn) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(dsn.c_str(), &error), &PQconninfoFree);
    if (!options) {
        // libpq quotes the offending token, which may be part of a password.
        std::string reason = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        static const std::regex quoted(R"("[^"]*")");
        reason = std::regex_replace(reason, quoted, "\"…\"");
        while (!reason.empty() && reason.back() == '\n')
            reason.pop_back();
        throw std::invalid_argument(fmt::format(
            "the connection string is not valid (key=value pairs or a postgresql:// URI): {}",
            reason));
    }
    std::vector<std::pair<std::string, std::string>> found;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o)
        if (o->val != nullptr) found.emplace_back(o->keyword, o->val);
    return found;
}

inline std::optional<std::string>
keyword_value(const std::vector<std::pair<std::string, std::string>>& options,
              std::string_view keyword) {
    for (const auto& [k, v] : options)
        if (k == keyword) return v;
    return std::nullopt;
}

inline std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

/// A conninfo value in single quotes, as libpq reads it.
inline std::string quote_conninfo_value(std::string_view value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

/// Durations as messages show them: "5 min", "30 s", "250 ms".
inline std::string format_duration(std::chrono::milliseconds d) {
    if (d.count() > 0 && d.count() % 60000 == 0) return fmt::format("{} min", d.count() / 60000);
    if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
    return fmt::format("{} ms", d.count());
}

/// libpq keywords rollcheck sets unless the DSN does (none has a PG* variable).
inline constexpr std::pair<const char*, const char*> tcp_keepalive_defaults[] = {
    {"keepalives", "1"},
    {"keepalives_idle", "10"},
    {"keepalives_interval", "5"},
    {"keepalives_count", "3"},
};

/// The string handed to libpq: the DSN's own keywords, then rollcheck's
/// defaults for what neither the DSN nor the environment sets.
inline std::string build_conninfo(const connection_spec& spec) {
    const auto options = parse_conninfo(spec.dsn);
    std::string conninfo;
    for (const auto& [k, v] : options)
        conninfo += fmt::format("{}={} ", k, quote_conninfo_value(v));
    if (!keyword_value(options, "connect_timeout") && env_or_empty("PGCONNECT_TIMEOUT").empty()) {
        const auto seconds = (spec.connect_timeout.count() + 999) / 1000;
        conninfo += fmt::format("connect_timeout={} ", seconds < 2 ? 2 : seconds);
    }
    // TCP keepalives find a server host that vanished (about 25 s of
    // silence) where the OS default would wait two hours.
    for (const auto& [keyword, value] : tcp_keepalive_defaults)
        if (!keyword_value(options, keyword)) conninfo += fmt::format("{}={} ", keyword, value);
    if (!keyword_value(options, "application_name") && env_or_empty("PGAPPNAME").empty())
        conninfo += "application_name=" + quote_conninfo_value(spec.application_name);
    return conninfo;
}

/// Where `spec` points before connecting: the DSN, then what libpq would
/// use otherwise (the PG* environment, the OS user name).
inline server_target resolve_target(const connection_spec& spec) {
    const auto options = parse_conninfo(spec.dsn);
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                          &PQconninfoFree);
    const auto pick = [&](std::string_view keyword) -> std::string {
        if (auto v = keyword_value(options, keyword)) return *v;
        for (const PQconninfoOption* o = defaults.get(); o && o->keyword != nullptr; ++o)
            if (o->keyword == keyword && o->val != nullptr) return o->val;
        return "";
    };
    server_target t{pick("host"), pick("port"), pick("dbname"), pick("user"), pick("service")};
    if (t.host.empty()) t.host = pick("hostaddr");
    return t;
}

/// `text` with every password `spec` may carry (DSN, PGPASSWORD) replaced by `***`.
inline std::string scrub(std::string text, const connection_spec& spec) {
    std::vector<std::string> secrets{env_or_empty("PGPASSWORD")};
    try {
        const auto options = parse_conninfo(spec.dsn);
        if (auto p = keyword_value(options, "password")) secrets.push_back(*p);
    } catch (const std::invalid_argument&) {
        // An unparsable DSN is only ever shown masked.
    }
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
            text.replace(at, secret.size(), "***");
    }
    return mask_dsn(text);
}

/// The first line of a libpq or server message without its "ERROR:  " prefix.
inline std::string first_line(std::string_view message) {
    std::string text(message.substr(0, message.find('\n')));
    for (const std::string_view prefix : {"ERROR:  ", "FATAL:  "})
        if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
    return text;
}

} // namespace detail

inline table_ref table_ref::parse(std::string_view text) {
    std::vector<std::string> parts(1);
    bool quoted = false;
    bool part_was_quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c != '"')
                parts.back() += c;
            else if (i + 1 < text.size() && text[i + 1] == '"')
                parts.back() += text[++i];
            else
                quoted = false;
        } else if (c == '"' && parts.back().empty() && !part_was_quoted) {
            quoted = part_was_quoted = true;
        } else if (c == '.') {
            parts.emplace_back();
            part_was_quoted = false;
        } else if (part_was_quoted) {
            throw std::invalid_argument(fmt::format(
                "table name '{}': text after a closing double quote (at offset {})", text, i));
        } else {
            parts.back() += c;
        }
    }
    if (quoted)
        throw std::invalid_argument(
            fmt::format("table name '{}': unterminated double quote", text));
    if (parts.size() > 2)
        throw std::invalid_argument(fmt::format(
            "table name '{}' has {} dots: give the schema separately, or double-quote a name "
            "that holds a dot (\"my.schema\".\"t\")",
            text, parts.size() - 1));
    for (const auto& p : parts)
        if (p.empty())
            throw std::invalid_argument(fmt::format("table name '{}': an empty part", text));
    if (parts.size() == 1) return table_ref{"", parts[0]};
    return table_ref{parts[0], parts[1]};
}

inline std::string table_ref::display() const {
    const auto show = [](const std::string& part) {
        if (part.find_first_of(". \"") == std::string::npos) return part;
        std::string out = "\"";
        for (const char c : part)
            out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    return schema.empty() ? show(name) : show(schema) + "." + show(name);
}

namespace detail {

/// Cuts a connection's socket when a deadline passes before it is
/// disarmed: whatever the connection waits for then fails at once. It
/// holds a duplicate of the socket, so the number it shuts down is never
/// one the connection has since closed and something else reused.
class connection_watchdog {
public:
    connection_watchdog(int socket, std::chrono::milliseconds after) {
        if (after.count() <= 0 || socket < 0) return;
        socket_ = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
        if (socket_ < 0) return;
        const auto until =
            std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(after, longest);
        thread_ = std::thread([this, until] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!disarmed_.wait_until(lock, until, [this] { return done_; })) {
                fired_ = true;
                ::shutdown(socket_, SHUT_RDWR);
            }
        });
    }
    ~connection_watchdog() {
        (void)disarm();
        if (socket_ >= 0) ::close(socket_);
    }
    connection_watchdog(const connection_watchdog&) = delete;
    connection_watchdog& operator=(const connection_watchdog&) = delete;

    /// Stops watching; true when the deadline had already cut the connection.
    bool disarm() {
        if (thread_.joinable()) {
            {
                const std::lock_guard<std::mutex> lock(mutex_);
                done_ = true;
            }
            disarmed_.notify_one();
            thread_.join();
        }
        return fired_;
    }

private:
    static constexpr std::chrono::hours longest{24 * 365 * 100}; // no steady_clock overflow

    int socket_ = -1;
    std::mutex mutex_;
    std::condition_variable disarmed_;
    bool done_ = false;
    bool fired_ = false; ///< written by the thread, read after it is joined
    std::thread thread_;
};

} // namespace detail

/// An open connection whose every query runs in a READ ONLY transaction
/// with the spec's statement timeout, and whose every transaction is cut
/// when it outlasts the spec's deadline.
class pg_session {
public:
    /// Connects; throws what libpqxx throws (db_check turns it into a result).
    explicit pg_session(const connection_spec& spec)
        : spec_(spec), connection_(detail::build_conninfo(spec)) {
        // A broken connection stays broken: libpqxx would otherwise
        // reconnect behind the deadline's back.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        connection_.inhibit_reactivation(true);
#pragma GCC diagnostic pop
        target_.host = value_or_empty(connection_.hostname());
        target_.port = value_or_empty(connection_.port());
        target_.dbname = value_or_empty(connection_.dbname());
        target_.user = value_or_empty(connection_.username());
    }

    /// Runs `body(pqxx::read_transaction&)` in a READ ONLY transaction with
    /// `SET LOCAL statement_timeout`, commits, and returns what `body` returned.
    template <typename Body>
    auto read(Body&& body) {
        return run<pqxx::read_transaction>(std::forward<Body>(body));
    }

    /// As read(), in a READ ONLY REPEATABLE READ transaction: all of `body`'s
    /// queries see one snapshot (for checks that read a table more than once).
    template <typename Body>
    auto read_snapshot(Body&& body) {
        return run<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
            std::forward<Body>(body));
    }

    [[nodiscard]] const server_target& target() const noexcept {
        return target_;
    }
    [[nodiscard]] const connection_spec& spec() const noexcept {
        return spec_;
    }
    [[nodiscard]] pqxx::connection& connection() noexcept {
        return connection_;
    }
    /// True once the deadline cut the connection.
    [[nodiscard]] bool deadline_passed() const noexcept {
        return deadline_passed_;
    }

private:
    template <typename Transaction, typename Body>
    auto run(Body&& body) {
        detail::connection_watchdog watchdog(connection_.sock(), spec_.deadline);
        try {
            Transaction tx(connection_);
            tx.exec_params("SELECT set_config('statement_timeout', $1, true)",
                           std::to_string(spec_.statement_timeout.count()));
            auto value = std::forward<Body>(body)(tx);
            tx.commit();
            return value;
        } catch (...) {
            deadline_passed_ = watchdog.disarm();
            throw;
        }
    }

    static std::string value_or_empty(const char* text) {
        return text != nullptr ? text : "";
    }

    connection_spec spec_;
    pqxx::connection connection_;
    server_target target_;
    bool deadline_passed_ = false;
};

namespace detail {

/// The SQLSTATE of `e`; libpqxx 6.4 leaves it empty on some of its
/// subclasses, whose class then says it.
inline std::string sqlstate_of(const pqxx::sql_error& e) {
    if (!e.sqlstate().empty()) return e.sqlstate();
    if (dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr) return "42P01";
    if (dynamic_cast<const pqxx::undefined_column*>(&e) != nullptr) return "42703";
    if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return "42501";
    return "";
}

/// The message for a database fault while checking `object`: what
/// happened, where (host, port, database) and on what, scrubbed of secrets.
inline std::string describe_db_fault(const std::exception& e, const connection_spec& spec,
                                     const server_target& where, bool connected,
                                     const std::string& object) {
    const std::string at = where.describe();
    const std::string reason = first_line(e.what());
    std::string text;
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        const std::string state = sqlstate_of(*sql);
        if (state == "57014")
            text = fmt::format("statement timeout of {} reached while checking {} on {}",
                               format_duration(spec.statement_timeout), object, at);
        else if (state == "42P01" || state == "3F000")
            text = fmt::format("table {} not found in {} ({})", object, at, reason);
        else if (state == "42703")
            text = fmt::format("column not found in table {} on {} ({})", object, at, reason);
        else if (state == "42501")
            text =
                fmt::format("user {} may not read {} on {} ({})", where.user, object, at, reason);
        else
            text = fmt::format("query on {} failed on {}: {} (SQLSTATE {})", object, at, reason,
                               state);
    } else if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
        text = fmt::format("the connection to {} broke while committing the read-only check of "
                           "{}: {}",
                           at, object, reason);
    } else if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
        if (connected)
            text =
                fmt::format("lost the connection to {} while checking {}: {}", at, object, reason);
        else if (reason.find("password authentication failed") != std::string::npos)
            text = fmt::format("cannot connect to {} as user {}: password authentication failed "
                               "(the password is not shown)",
                               at, where.user);
        else
            text = fmt::format("cannot connect to {} as user {}: {}", at, where.user, reason);
    } else {
        text = fmt::format("could not check {} on {}: {}", object, at, reason);
    }
    return scrub(std::move(text), spec);
}

} // namespace detail

/// Runs `body(pg_session&)` as the check `check` on `object` (what messages
/// name, e.g. a table): connects, times the check, and turns every fault —
/// unreachable server, wrong password, missing table or column, statement
/// timeout, lost connection — into an `error` result that names host, port,
/// database and object and holds no password. `body` returns a check_result.
template <typename Body>
[[nodiscard]] check_result db_check(std::string check, const connection_spec& spec,
                                    const std::string& object, Body&& body) {
    return timed_check(check, [&]() -> check_result {
        std::optional<pg_session> session;
        try {
            session.emplace(spec);
            check_result r = std::forward<Body>(body)(*session);
            r.summary = detail::scrub(std::move(r.summary), spec);
            return r;
        } catch (const std::invalid_argument& e) {
            return check_result::error(check, detail::scrub(e.what(), spec));
        } catch (const std::exception& e) {
            const bool connection_fault =
                dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
            if (session && session->deadline_passed() && connection_fault)
                return check_result::error(
                    check, fmt::format("no answer from {} within the deadline of {} while "
                                       "checking {}: the connection was cut",
                                       session->target().describe(),
                                       detail::format_duration(spec.deadline), object));
            const server_target where = session ? session->target() : detail::resolve_target(spec);
            return check_result::error(
                check, detail::describe_db_fault(e, spec, where, session.has_value(), object));
        }
    });
}

} // namespace rollcheck
