/// \file detail/db/freshness_impl.hpp
/// Definitions of freshness.hpp, included at its end.
#pragma once

#include "../../freshness.hpp"
#include "../../wording.hpp"

namespace rollcheck {

namespace detail {

/// The server's clock minus the host's, in seconds: the server's
/// clock_timestamp() against the midpoint of the host's clock around the query.
inline double server_clock_skew(pqxx::transaction_base& tx) {
    using clock = std::chrono::system_clock;
    const auto seconds = [](clock::time_point t) {
        return std::chrono::duration<double>(t.time_since_epoch()).count();
    };
    const double before = seconds(clock::now());
    const auto server =
        tx.exec1("SELECT extract(epoch FROM clock_timestamp())::float8")[0].as<double>();
    const double after = seconds(clock::now());
    return server - (before + after) / 2;
}

/// Records the skew in the totals, and as evidence when it exceeds `tolerance`.
inline void report_skew(check_result& r, double skew, std::chrono::milliseconds tolerance) {
    r.totals["clock_skew_s"] = std::round(skew * 1000) / 1000;
    if (std::fabs(skew) * 1000 <= static_cast<double>(tolerance.count())) return;
    r.evidence.add({fmt::format("the server's clock is {} {} this host's (ages use the server's)",
                                describe_span(skew), skew > 0 ? "ahead of" : "behind"),
                    {{"clock_skew_s", r.totals["clock_skew_s"]}}});
}

/// The newest value of `column` up to the server's now(), as the server
/// prints it, and its age in seconds; nullopt when no row has such a value.
/// Rows dated in the future are left out: one would hide a stalled writer.
struct newest_row {
    std::string timestamp;
    double age_s = 0;
};

/// The query of newest(): one range condition, so an index on the column serves it.
inline std::string newest_sql(const std::string& table, const std::string& column) {
    return fmt::format(
        "SELECT max({0})::text, extract(epoch FROM now() - max({0}))::float8 FROM {1}"
        " WHERE {0} <= now()",
        column, table);
}

inline std::optional<newest_row> newest(pqxx::transaction_base& tx, const std::string& table,
                                        const std::string& column) {
    const auto row = tx.exec1(newest_sql(table, column));
    if (row[0].is_null()) return std::nullopt;
    return newest_row{row[0].c_str(), row[1].as<double>()};
}

inline evidence_item newest_item(const std::string& column, const newest_row& n) {
    const std::string when =
        n.age_s >= 0 ? describe_span(n.age_s) + " ago" : describe_span(n.age_s) + " in the future";
    return {fmt::format("newest {} is {} ({})", column, n.timestamp, when),
            {{"newest", n.timestamp}, {"age_s", std::round(n.age_s * 1000) / 1000}}};
}

inline std::optional<std::string> invalid_table_column(const table_ref& table,
                                                       const std::string& column) {
    if (table.name.empty()) return "no table given";
    if (column.empty()) return "no timestamp column given";
    return std::nullopt;
}

struct window_counts {
    std::chrono::milliseconds within{0}; ///< the window counted
    std::uint64_t in_window = 0;
    std::uint64_t future = 0; ///< rows dated after the server's now()
    std::optional<newest_row> newest;
    double skew = 0;
    server_position at; ///< where the server stood in replication
};

/// The recent-writes query, `$1` the window as an interval: one range
/// condition on the column, so an index on it serves the count.
inline std::string recent_writes_sql(const recent_writes_spec& spec,
                                     const pqxx::transaction_base& tx) {
    return fmt::format("SELECT count(*) FILTER (WHERE {0} <= now()), count(*) FILTER (WHERE {0} > "
                       "now()), max({0}) FILTER (WHERE {0} <= now())::text,"
                       " extract(epoch FROM now() - max({0}) FILTER (WHERE {0} <= now()))::float8"
                       " FROM {1} WHERE {0} > now() - $1::interval",
                       tx.quote_name(spec.column), spec.table.sql(tx));
}

/// The window of `spec`: `within`, or the time from `since` to now (at
/// least 1 ms). Called inside the transaction, after the server's now() is
/// fixed, so that now() minus the window is no later than `since`.
inline std::chrono::milliseconds recent_window(const recent_writes_spec& spec) {
    if (!spec.since) return spec.within;
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::ceil<std::chrono::milliseconds>(std::chrono::system_clock::now() -
                                                                 *spec.since));
}

/// The counts in the window; the newest value outside it is looked up only
/// when the window is empty.
inline window_counts count_window(const recent_writes_spec& spec, pqxx::read_transaction& tx) {
    window_counts w;
    w.at = read_server_position(tx);
    w.within = recent_window(spec);
    const std::string what = fmt::format("the rows of {} written within {}", spec.table.display(),
                                         describe_span(w.within));
    guard_window(w.at, w.within, what);
    const auto sql = recent_writes_sql(spec, tx);
    guard_scan(tx, spec.connection, "counting " + what, sql, interval_parameter(w.within));
    const auto row = tx.exec_params1(sql, interval_parameter(w.within));
    w.in_window = row[0].as<std::uint64_t>();
    w.future = row[1].as<std::uint64_t>();
    if (!row[2].is_null())
        w.newest = newest_row{row[2].c_str(), row[3].as<double>()};
    else
        w.newest = newest(tx, spec.table.sql(tx), tx.quote_name(spec.column));
    w.skew = server_clock_skew(tx);
    confirm_position(tx, w.at, what);
    return w;
}

inline check_result recent_writes_result(const recent_writes_spec& spec, const window_counts& w) {
    const std::string expected = spec.max ? fmt::format("{} to {} expected", spec.min, *spec.max)
                                          : fmt::format("at least {} expected", spec.min);
    const std::string what =
        fmt::format("{} in {} with {} within {} of the server's now() ({})",
                    counted(static_cast<std::size_t>(w.in_window), "row"), spec.table.display(),
                    spec.column, describe_span(w.within), expected);
    const bool ok = w.in_window >= spec.min && (!spec.max || w.in_window <= *spec.max);
    check_result r =
        ok ? check_result::pass("db.recent", what) : check_result::fail("db.recent", what);
    if (!w.newest) r.summary += "; the table has no rows with a value in " + spec.column;
    r.evidence = bounded_evidence(show_all);
    if (w.newest) r.evidence.add(newest_item(spec.column, *w.newest));
    if (w.future > 0)
        r.evidence.add(
            {fmt::format("{} {} after the server's now() (not counted)",
                         counted(static_cast<std::size_t>(w.future), "row has", "rows have"),
                         spec.column),
             {{"future_rows", w.future}}});
    r.totals = {{"table", spec.table.display()},
                {"column", spec.column},
                {"count", w.in_window},
                {"within_s", w.within.count() / 1000.0},
                {"future_rows", w.future},
                {"newest", w.newest ? nlohmann::json(w.newest->timestamp) : nlohmann::json()}};
    report_skew(r, w.skew, spec.skew_tolerance);
    record_position(r, w.at);
    return r;
}

inline std::optional<std::string> invalid_freshness_spec(const freshness_spec& spec) {
    if (auto problem = invalid_table_column(spec.table, spec.column)) return problem;
    if (!spec.warn_after && !spec.error_after) return "give warn_after, error_after or both";
    if (spec.warn_after && spec.error_after && *spec.warn_after > *spec.error_after)
        return "warn_after is longer than error_after";
    return std::nullopt;
}

inline check_result freshness_result(const freshness_spec& spec, const newest_row& n) {
    const auto age_ms = n.age_s * 1000;
    const auto over = [&](const std::optional<std::chrono::milliseconds>& limit) {
        return limit && age_ms > static_cast<double>(limit->count());
    };
    verdict v = verdict::pass;
    std::string against;
    if (over(spec.error_after)) {
        v = verdict::fail;
        against = fmt::format("older than error_after {}", describe_span(*spec.error_after));
    } else if (over(spec.warn_after)) {
        v = verdict::warn;
        against = fmt::format("older than warn_after {}", describe_span(*spec.warn_after));
    } else {
        const auto& limit = spec.warn_after ? spec.warn_after : spec.error_after;
        against = fmt::format("within {} {}", spec.warn_after ? "warn_after" : "error_after",
                              describe_span(*limit));
    }
    const std::string age = n.age_s >= 0 ? describe_span(n.age_s) + " old" : "in the future";
    auto r = check_result::make("db.freshness", v,
                                fmt::format("newest {} in {} is {} ({}), {}", spec.column,
                                            spec.table.display(), age, n.timestamp, against));
    r.evidence = bounded_evidence(show_all);
    r.evidence.add(newest_item(spec.column, n));
    r.totals = {{"table", spec.table.display()},
                {"column", spec.column},
                {"newest", n.timestamp},
                {"age_s", std::round(n.age_s * 1000) / 1000}};
    return r;
}

inline check_result no_rows_result(const freshness_spec& spec, bool has_rows) {
    const std::string what =
        has_rows ? fmt::format("no row of {} has a value in {}", spec.table.display(), spec.column)
                 : fmt::format("{} has no rows", spec.table.display());
    auto r = spec.allow_empty
                 ? check_result::pass("db.freshness", what + " (the spec allows it)")
                 : check_result::error(
                       "db.freshness",
                       what + ": an empty table is not fresh (allow empty to accept it)");
    r.totals = {{"table", spec.table.display()}, {"column", spec.column}, {"newest", nullptr}};
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_recent_writes(const recent_writes_spec& spec) {
    if (auto problem = detail::invalid_table_column(spec.table, spec.column))
        return check_result::error("db.recent", "invalid recent-writes check: " + *problem);
    if (!spec.since && spec.within.count() <= 0)
        return check_result::error("db.recent",
                                   "invalid recent-writes check: the window must be positive");
    if (spec.max && *spec.max < spec.min)
        return check_result::error("db.recent", "invalid recent-writes check: max is below min");
    return db_check("db.recent", spec.connection, spec.table.display(), [&](pg_session& s) {
        const auto w =
            s.read([&](pqxx::read_transaction& tx) { return detail::count_window(spec, tx); });
        return detail::recent_writes_result(spec, w);
    });
}

ROLLCHECK_INLINE check_result check_freshness(const freshness_spec& spec) {
    if (auto problem = detail::invalid_freshness_spec(spec))
        return check_result::error("db.freshness", "invalid freshness check: " + *problem);
    return db_check("db.freshness", spec.connection, spec.table.display(), [&](pg_session& s) {
        return s.read([&](pqxx::read_transaction& tx) {
            const auto table = spec.table.sql(tx);
            const std::string what = fmt::format("the freshness of {}", spec.table.display());
            const auto at = read_server_position(tx);
            // The shortest limit must reach past the lag: a newer row may
            // stand on the primary that this standby has not replayed yet.
            detail::guard_window(at,
                                 spec.warn_after && spec.error_after
                                     ? std::min(*spec.warn_after, *spec.error_after)
                                     : spec.warn_after.value_or(
                                           spec.error_after.value_or(std::chrono::milliseconds(0))),
                                 what);
            detail::guard_scan(tx, spec.connection,
                               "finding the newest " + spec.column + " of " + spec.table.display(),
                               detail::newest_sql(table, tx.quote_name(spec.column)));
            const auto n = detail::newest(tx, table, tx.quote_name(spec.column));
            auto r = n ? detail::freshness_result(spec, *n)
                       : detail::no_rows_result(
                             spec,
                             tx.exec1("SELECT EXISTS (SELECT 1 FROM " + table + ")")[0].as<bool>());
            detail::report_skew(r, detail::server_clock_skew(tx), spec.skew_tolerance);
            detail::confirm_position(tx, at, what);
            detail::record_position(r, at);
            return r;
        });
    });
}

ROLLCHECK_INLINE std::string recent_writes_statement(const recent_writes_spec& spec,
                                                     const pqxx::transaction_base& tx) {
    return detail::with_interval(detail::recent_writes_sql(spec, tx), detail::recent_window(spec),
                                 tx);
}

} // namespace rollcheck
