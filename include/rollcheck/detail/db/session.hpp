/// \file detail/db/session.hpp
/// pg_session's templates and db_check, with what they use: every unit
/// that calls them compiles these, so postgres.hpp includes them always.
#pragma once

#include "../../postgres.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"

namespace rollcheck {

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

/// The value of an `$n::interval` parameter.
inline std::string interval_parameter(std::chrono::milliseconds span) {
    return fmt::format("{} milliseconds", span.count());
}

/// `sql` with its `$1` window replaced by the interval literal, for a person to run.
inline std::string with_interval(std::string sql, std::optional<std::chrono::milliseconds> window,
                                 const pqxx::transaction_base& tx) {
    const auto mark = sql.find("$1");
    if (window && mark != std::string::npos)
        sql.replace(mark, 2, tx.quote(interval_parameter(*window)) + "::interval");
    return sql;
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

namespace detail {

/// Watches a connection while it works: when a deadline passes before it
/// is disarmed, cuts the connection's socket, so whatever the connection
/// waits for fails at once; when the run is stopped (stop.hpp), cancels the
/// query on the server first, so that no backend goes on scanning for a
/// client that is gone, and cuts the socket should the server not answer.
/// It holds a duplicate of the socket, so the number it shuts down is never
/// one the connection has since closed and something else reused.
class connection_watchdog {
public:
    connection_watchdog(pqxx::connection_base& connection, std::chrono::milliseconds after) {
        socket_ = ::fcntl(connection.sock(), F_DUPFD_CLOEXEC, 0);
        if (socket_ < 0) return;
        const auto until =
            std::chrono::steady_clock::now() +
            (after.count() > 0 ? std::min<std::chrono::milliseconds>(after, longest) : longest);
        thread_ = std::thread([this, &connection, until] { watch(connection, until); });
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
    /// How often the stop is looked at, and how long a cancelled query has to end.
    static constexpr std::chrono::milliseconds glance{50}, cancel_grace{1000};

    void watch(pqxx::connection_base& connection, std::chrono::steady_clock::time_point until) {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!done_) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= until) {
                fired_ = true;
                ::shutdown(socket_, SHUT_RDWR);
                return;
            }
            if (stop_requested()) {
                try {
                    connection.cancel_query();
                } catch (const std::exception&) {
                    // The server could not be told: cutting the socket below still ends the wait.
                }
                if (!disarmed_.wait_for(lock, cancel_grace, [this] { return done_; }))
                    ::shutdown(socket_, SHUT_RDWR);
                return;
            }
            disarmed_.wait_for(lock,
                               std::min<std::chrono::steady_clock::duration>(glance, until - now));
        }
    }

    int socket_ = -1;
    std::mutex mutex_;
    std::condition_variable disarmed_;
    bool done_ = false;
    bool fired_ = false; ///< written by the thread, read after it is joined
    std::thread thread_;
};

} // namespace detail

namespace detail {

/// Thrown inside a check that must not go on (a scan over the row budget, a
/// window a standby cannot see, a standby promoted mid-check): db_check
/// turns it into an error result holding its message.
class check_refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One relation a statement would read whole, by the planner's estimate.
struct scan_estimate {
    std::string relation;    ///< schema.name as the plan names it
    std::uint64_t rows = 0;  ///< pg_class.reltuples, else the plan's rows
    std::uint64_t pages = 0; ///< pg_class.relpages
    std::uint64_t bytes = 0; ///< pg_relation_size
};

/// The Seq Scan nodes of an EXPLAIN (VERBOSE, FORMAT JSON) plan, with the
/// rows the plan expects of each (a parallel scan's per process, times the
/// processes of its Gather).
inline void collect_seq_scans(const nlohmann::json& node, double processes,
                              std::vector<std::pair<std::string, double>>& found) {
    const std::string type = node.value("Node Type", "");
    if (type == "Gather" || type == "Gather Merge")
        processes = node.value("Workers Planned", 0) + 1.0;
    if (type == "Seq Scan" && node.contains("Relation Name")) {
        const double rows = node.value("Plan Rows", 0.0);
        found.emplace_back(node.value("Schema", "") + "." + node.value("Relation Name", ""),
                           node.value("Parallel Aware", false) ? rows * processes : rows);
    }
    if (const auto plans = node.find("Plans"); plans != node.end())
        for (const auto& child : *plans)
            collect_seq_scans(child, processes, found);
}

/// What running `sql` (with `$1` = `parameter`, when given) would read in
/// whole tables: planned with EXPLAIN (no ANALYZE: nothing runs), each
/// scanned table's size from pg_class.
inline std::vector<scan_estimate> whole_table_scans(pqxx::transaction_base& tx,
                                                    const std::string& sql,
                                                    const std::optional<std::string>& parameter) {
    const std::string explain = "EXPLAIN (VERBOSE, FORMAT JSON) " + sql;
    const auto plan = nlohmann::json::parse(
        (parameter ? tx.exec_params1(explain, *parameter) : tx.exec1(explain))[0].c_str());
    std::vector<std::pair<std::string, double>> scans;
    collect_seq_scans(plan.at(0).at("Plan"), 1.0, scans);
    std::vector<scan_estimate> out;
    for (const auto& scan : scans) {
        const std::string& name = scan.first;
        const double plan_rows = scan.second;
        if (std::any_of(out.begin(), out.end(),
                        [&](const scan_estimate& e) { return e.relation == name; }))
            continue;
        const auto dot = name.find('.');
        const auto row = tx.exec_params1(
            "SELECT c.reltuples::float8, c.relpages::bigint, pg_relation_size(c.oid)"
            " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relname = $2",
            name.substr(0, dot), name.substr(dot + 1));
        scan_estimate e;
        e.relation = name;
        // reltuples is -1 before the first VACUUM or ANALYZE: the plan's guess then.
        const double tuples = row[0].as<double>();
        e.rows = static_cast<std::uint64_t>(tuples >= 0 ? tuples : plan_rows);
        e.pages = row[1].as<std::uint64_t>();
        e.bytes = row[2].as<std::uint64_t>();
        out.push_back(std::move(e));
    }
    return out;
}

/// "public.t: about 50,000,000 rows, 416,667 pages (3.3 GB)".
inline std::string describe_scans(const std::vector<scan_estimate>& scans) {
    std::vector<std::string> parts;
    for (const auto& e : scans)
        parts.push_back(fmt::format(
            "{}: about {}, {} ({})", e.relation, counted(static_cast<std::size_t>(e.rows), "row"),
            counted(static_cast<std::size_t>(e.pages), "page"), describe_bytes(e.bytes)));
    std::string text;
    for (const auto& p : parts)
        text += (text.empty() ? "" : "; ") + p;
    return text;
}

/// Refuses (throws check_refused) when `sql` would read more rows of whole
/// tables than the connection's max_scan_rows; does nothing without a budget.
inline void guard_scan(pqxx::transaction_base& tx, const connection_spec& spec,
                       const std::string& what, const std::string& sql,
                       const std::optional<std::string>& parameter = std::nullopt) {
    if (!spec.max_scan_rows) return;
    const auto scans = whole_table_scans(tx, sql, parameter);
    std::uint64_t rows = 0;
    for (const auto& e : scans)
        rows += e.rows;
    if (rows <= *spec.max_scan_rows) return;
    throw check_refused(fmt::format(
        "not started: {} would read whole tables, {} by the planner's estimate, over the "
        "budget of {} (max_scan_rows); to allow it, raise --max-scan-rows (a target file's "
        "[database] max_scan_rows) to at least {}, or run it where such a scan is affordable "
        "(a standby)",
        what, describe_scans(scans), counted(static_cast<std::size_t>(*spec.max_scan_rows), "row"),
        rows));
}

/// Refuses a window of `span` before the server's now() on a standby whose
/// replay lags by more than it: rows written in the window on the primary
/// may not have reached it, so neither "there are" nor "there are none" holds.
inline void guard_window(const server_position& at, std::chrono::milliseconds span,
                         const std::string& what) {
    if (!at.standby) return;
    if (!at.lag_s)
        throw check_refused(fmt::format(
            "cannot decide {} on this standby ({}): it has replayed no transaction since it "
            "started, so how far it lags is unknown; run it on the primary",
            what, at.describe()));
    if (*at.lag_s * 1000 < static_cast<double>(span.count())) return;
    throw check_refused(
        fmt::format("cannot decide {} on this standby: its replay lags {} behind the "
                    "primary, longer than the window of {} ({}); run it on the primary, or "
                    "with a window longer than the lag",
                    what, describe_span(*at.lag_s), describe_span(span), at.describe()));
}

/// Refuses a result read on a standby that was promoted while the check ran.
inline void confirm_position(pqxx::transaction_base& tx, const server_position& before,
                             const std::string& what) {
    if (!before.standby) return;
    if (tx.exec1("SELECT pg_is_in_recovery()")[0].as<bool>()) return;
    throw check_refused(
        fmt::format("{}: the standby was promoted to primary while the check ran (it began at {}); "
                    "what it read mixes the two, so run the check again",
                    what, before.describe()));
}

/// The server's position in the totals and, read on a standby, in the
/// summary: what was judged is the standby's data, that far behind.
inline void record_position(check_result& r, const server_position& at) {
    r.totals["server"] = at.to_json();
    if (at.standby) r.summary += "; read on a " + at.describe();
}

} // namespace detail

template <typename Body>
auto pg_session::read(Body&& body) {
    return run<pqxx::read_transaction>(std::forward<Body>(body));
}

template <typename Body>
auto pg_session::read_snapshot(Body&& body) {
    return run<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(std::forward<Body>(body));
}

template <typename Transaction, typename Body>
auto pg_session::run(Body&& body) {
    detail::connection_watchdog watchdog(connection_, spec_.deadline);
    try {
        Transaction tx(connection_);
        tx.exec_params("SELECT set_config('statement_timeout', $1, true), "
                       "set_config('lock_timeout', $2, true)",
                       std::to_string(spec_.statement_timeout.count()),
                       std::to_string(spec_.lock_timeout.count()));
        auto value = std::forward<Body>(body)(tx);
        tx.commit();
        return value;
    } catch (...) {
        deadline_passed_ = watchdog.disarm();
        throw;
    }
}

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
        if (state == "55P03")
            text = fmt::format("lock timeout of {} reached while checking {} on {}: another "
                               "session holds a lock that conflicts with reading it ({})",
                               describe_span(spec.lock_timeout), object, at, reason);
        else if (state == "57014")
            text = fmt::format("statement timeout of {} reached while checking {} on {}",
                               describe_span(spec.statement_timeout), object, at);
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

template <typename Body>
check_result db_check(std::string check, const connection_spec& spec, const std::string& object,
                      Body&& body) {
    return timed_check(check, [&]() -> check_result {
        if (stop_requested())
            return check_result::error(check,
                                       "not run: the run was interrupted by " + stop_reason());
        std::optional<pg_session> session;
        try {
            session.emplace(spec);
            check_result r = std::forward<Body>(body)(*session);
            r.summary = detail::scrub(std::move(r.summary), spec);
            return r;
        } catch (const std::invalid_argument& e) {
            return check_result::error(check, detail::scrub(e.what(), spec));
        } catch (const detail::check_refused& e) {
            return check_result::error(check, detail::scrub(e.what(), spec));
        } catch (const std::exception& e) {
            const bool connection_fault =
                dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
            if (session && stop_requested())
                return check_result::error(
                    check, fmt::format("interrupted by {} while checking {} on {}: its query was "
                                       "cancelled on the server",
                                       stop_reason(), object, session->target().describe()));
            if (session && session->deadline_passed() && connection_fault)
                return check_result::error(
                    check, fmt::format("no answer from {} within the deadline of {} while "
                                       "checking {}: the connection was cut",
                                       session->target().describe(), describe_span(spec.deadline),
                                       object));
            const server_target where = session ? session->target() : detail::resolve_target(spec);
            return check_result::error(
                check, detail::describe_db_fault(e, spec, where, session.has_value(), object));
        }
    });
}

} // namespace rollcheck
