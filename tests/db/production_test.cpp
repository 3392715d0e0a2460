// Checks pointed at production: a hot standby (tests/postgres/pg-replica, a
// pg_basebackup -R of the fixture's primary) with its replay paused to make
// its lag certain, and the guard that keeps a check from scanning more of a
// table than its row budget allows, its locks and its session settings.
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>
#include <rollcheck/baseline.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/duplicates.hpp>
#include <rollcheck/freshness.hpp>

#include "db_test_support.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::make_table;

namespace {

/// The standby's superuser over its unix socket, from the replica.env that
/// pg-replica writes beside the primary's pg.env.
connection_spec standby_spec() {
    static const std::string conninfo = [] {
        const char* env_file = std::getenv("ROLLCHECK_TEST_PG_ENV");
        REQUIRE(env_file != nullptr);
        std::ifstream in(std::filesystem::path(env_file).parent_path() / "replica.env");
        REQUIRE(in);
        std::map<std::string, std::string> vars;
        for (std::string line; std::getline(in, line);)
            if (const auto eq = line.find('='); eq != std::string::npos)
                vars[line.substr(0, eq)] = line.substr(eq + 1);
        return fmt::format("host={} port={} user=postgres dbname=postgres", vars.at("PGHOST"),
                           vars.at("PGPORT"));
    }();
    connection_spec spec;
    spec.dsn = conninfo;
    return spec;
}

std::string standby_value(const std::string& sql) {
    pqxx::connection c(standby_spec().dsn);
    pqxx::nontransaction tx(c);
    return tx.exec1(sql)[0].c_str();
}

/// Waits until the standby has replayed everything the primary wrote so far.
void wait_for_replay() {
    pqxx::connection primary(rollcheck_test::postgres().conninfo());
    const std::string lsn =
        pqxx::nontransaction(primary).exec1("SELECT pg_current_wal_lsn()::text")[0].c_str();
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (standby_value(fmt::format("SELECT pg_last_wal_replay_lsn() >= '{}'", lsn)) != "t") {
        REQUIRE(std::chrono::steady_clock::now() < until);
        std::this_thread::sleep_for(20ms);
    }
}

/// Replay paused for as long as it lives, resumed however the test ends.
struct paused_replay {
    paused_replay() { (void)standby_value("SELECT pg_wal_replay_pause()::text"); }
    ~paused_replay() {
        try {
            (void)standby_value("SELECT pg_wal_replay_resume()::text");
        } catch (...) {
        }
    }
    paused_replay(const paused_replay&) = delete;
    paused_replay& operator=(const paused_replay&) = delete;
};

/// A table of 20 rows written now, one key held twice.
const char* const recent_ddl = "CREATE TABLE {0} (submission_id text, created_at timestamptz);"
                               "INSERT INTO {0} SELECT 't3_' || k, now() - k * interval '1 second'"
                               " FROM generate_series(1, 20) k;"
                               "INSERT INTO {0} VALUES ('t3_7', now())";

/// The duplicates check of public.`table`'s submission_id, read through `connection`.
duplicates_spec submission_duplicates(const std::string& table, connection_spec connection = {}) {
    duplicates_spec spec;
    spec.connection = std::move(connection);
    spec.table = table_ref{"public", table};
    spec.key = {"submission_id"};
    return spec;
}

} // namespace

TEST_CASE("a standby is recognised, and duplicates and compare state the replay LSN they read") {
    const auto table = make_table(recent_ddl);
    const auto dir = rollcheck_test::temp_dir();
    baseline_spec base;
    base.connection = rollcheck_test::socket_spec();
    base.tables = {{{"public", table}, {"submission_id"}, "created_at"}};
    base.out = dir.path() / "base.json";
    REQUIRE_VERIFIED(take_baseline(base));
    wait_for_replay();
    const std::string lsn = standby_value("SELECT pg_last_wal_replay_lsn()::text");

    auto dups = submission_duplicates(table, standby_spec());
    const auto r = check_duplicates(dups);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::Contains("; read on a standby at replay LSN "));
    CHECK(r.totals.at("server").at("role") == "standby");
    CHECK(r.totals.at("server").at("replay_paused") == false);

    compare_spec cmp;
    cmp.connection = standby_spec();
    cmp.baseline = base.out;
    const auto c = compare_baseline(cmp);
    REQUIRE_VERIFIED(c);
    CHECK_THAT(c.summary, Catch::Contains("no rows lost since the baseline"));
    CHECK_THAT(c.summary, Catch::Contains("; read on a standby at replay LSN "));
    // Nothing was written meanwhile but by other tests: at least the LSN waited for.
    CHECK(c.totals.at("server").at("lsn").get<std::string>().size() >= 3);
    CHECK(standby_value(fmt::format("SELECT '{}'::pg_lsn >= '{}'::pg_lsn",
                                    c.totals.at("server").at("lsn").get<std::string>(), lsn)) ==
          "t");

    // On the primary the same checks say so in their totals and nothing in the summary.
    dups.connection = rollcheck_test::socket_spec();
    const auto on_primary = check_duplicates(dups);
    CHECK(on_primary.totals.at("server").at("role") == "primary");
    CHECK_THAT(on_primary.summary, !Catch::Contains("standby"));
}

TEST_CASE("on a standby whose replay is paused, a window shorter than its lag is an error naming "
          "the lag, and a longer one is judged with the lag in the summary") {
    const auto table = make_table(recent_ddl);
    wait_for_replay();
    const paused_replay paused;
    // The lag is the age of the last replayed commit: with replay paused it
    // only grows, whatever other tests write to the primary meanwhile.
    std::this_thread::sleep_for(2100ms);

    recent_writes_spec recent;
    recent.connection = standby_spec();
    recent.table = table_ref{"public", table};
    recent.column = "created_at";
    recent.within = 1s;
    const auto refused = check_recent_writes(recent);
    REQUIRE_VERDICT(refused, verdict::error);
    CHECK_THAT(refused.summary,
               Catch::StartsWith(fmt::format("cannot decide the rows of public.{} written within "
                                             "1 s on this standby: its replay lags ",
                                             table)));
    CHECK_THAT(refused.summary,
               Catch::Contains(" behind the primary, longer than the window of 1 s (standby at "
                               "replay LSN "));
    CHECK_THAT(refused.summary, Catch::Contains("replay paused (nothing replayed for "));
    CHECK_THAT(refused.summary, Catch::EndsWith("run it on the primary, or with a window longer "
                                                "than the lag"));

    freshness_spec fresh;
    fresh.connection = standby_spec();
    fresh.table = table_ref{"public", table};
    fresh.column = "created_at";
    fresh.warn_after = 1s;
    fresh.error_after = 1h;
    const auto stale = check_freshness(fresh);
    REQUIRE_VERDICT(stale, verdict::error);
    CHECK_THAT(stale.summary, Catch::StartsWith(fmt::format(
                                  "cannot decide the freshness of public.{} on this standby: "
                                  "its replay lags ",
                                  table)));

    auto dups = submission_duplicates(table, standby_spec());
    dups.scope_column = "created_at";
    dups.within = 1s;
    const auto windowed = check_duplicates(dups);
    REQUIRE_VERDICT(windowed, verdict::error);
    CHECK_THAT(windowed.summary,
               Catch::StartsWith(fmt::format(
                   "cannot decide the duplicates check of public.{} for the rows with created_at "
                   "within 1 s of the server's now() on this standby: its replay lags ",
                   table)));

    // Windows longer than the lag are judged, the lag stated.
    recent.within = 1h;
    const auto judged = check_recent_writes(recent);
    REQUIRE_VERIFIED(judged);
    CHECK_THAT(judged.summary, Catch::Contains("; read on a standby at replay LSN "));
    CHECK_THAT(judged.summary, Catch::Contains(", replay paused (nothing replayed for "));
    CHECK(judged.totals.at("server").at("replay_paused") == true);
    CHECK(judged.totals.at("server").at("lag_s").get<double>() >= 2.0);
    fresh.warn_after = 1h;
    REQUIRE_VERIFIED(check_freshness(fresh));
    dups.within = 1h;
    const auto found = check_duplicates(dups);
    REQUIRE_VERDICT(found, verdict::fail);
    CHECK_THAT(found.summary, Catch::Contains("; read on a standby at replay LSN "));
}

TEST_CASE("a scan over the row budget is refused before it starts, saying what it would cost and "
          "how to allow it") {
    const auto table = make_table("CREATE TABLE {0} (submission_id text, created_at timestamptz,"
                                  " spot point);"
                                  "INSERT INTO {0} SELECT 't3_' || k, now() - k * interval '1 s',"
                                  " point(k, k) FROM generate_series(1, 20000) k;"
                                  "CREATE INDEX ON {0} (created_at); ANALYZE {0}");
    auto dups = submission_duplicates(table, rollcheck_test::socket_spec());
    dups.connection.max_scan_rows = 5000;
    const auto refused = check_duplicates(dups);
    REQUIRE_VERDICT(refused, verdict::error);
    CHECK_THAT(refused.summary,
               Catch::StartsWith(fmt::format(
                   "not started: the duplicates check of public.{0} would read whole tables, "
                   "public.{0}: about 20000 rows, ",
                   table)));
    CHECK_THAT(refused.summary,
               Catch::EndsWith(" by the planner's estimate, over the budget of 5000 rows "
                               "(max_scan_rows); to allow it, raise --max-scan-rows (a target "
                               "file's [database] max_scan_rows) to at least 20000, or run it "
                               "where such a scan is affordable (a standby)"));
    dups.connection.max_scan_rows = 20000;
    REQUIRE_VERIFIED(check_duplicates(dups));

    // The window's keys without an index on the key: a scan, so the guard applies.
    dups.connection.max_scan_rows = 5000;
    dups.scope_column = "created_at";
    dups.within = 1h;
    CHECK_THAT(check_duplicates(dups).summary,
               Catch::StartsWith("not started: the duplicates check of public." + table));
    dups.connection.max_scan_rows.reset();
    const auto scanned = check_duplicates(dups);
    REQUIRE_VERIFIED(scanned);
    CHECK_THAT(scanned.summary, Catch::Contains("; no index on submission_id: the recent keys were "
                                                "looked up by reading all of public." +
                                                table + " (about 20000 rows, "));

    // A baseline reads the whole table; a freshness check through the index does not.
    baseline_spec base;
    base.connection = rollcheck_test::socket_spec();
    base.connection.max_scan_rows = 5000;
    base.tables = {{{"public", table}, {"submission_id"}, "created_at"}};
    const auto dir = rollcheck_test::temp_dir();
    base.out = dir.path() / "base.json";
    const auto taken = take_baseline(base);
    REQUIRE_VERDICT(taken, verdict::error);
    CHECK_THAT(taken.summary, Catch::StartsWith("not started: the baseline of public." + table));
    CHECK_FALSE(std::filesystem::exists(base.out));
    freshness_spec fresh;
    fresh.connection = base.connection;
    fresh.table = table_ref{"public", table};
    fresh.column = "created_at";
    fresh.warn_after = 1h;
    REQUIRE_VERIFIED(check_freshness(fresh));

    // A key without equality, guarded or not: an error that says so.
    dups = duplicates_spec{};
    dups.connection = rollcheck_test::socket_spec();
    dups.connection.max_scan_rows = 100000;
    dups.table = table_ref{"public", table};
    dups.key = {"spot"};
    const auto point = check_duplicates(dups);
    REQUIRE_VERDICT(point, verdict::error);
    CHECK_THAT(point.summary,
               Catch::StartsWith(fmt::format("the spot values of public.{} cannot be compared, so "
                                             "no duplicate can be found: could not identify an "
                                             "equality operator for type point",
                                             table)));
}

TEST_CASE("a check names itself, keeps its timeouts, takes ACCESS SHARE locks only, and gives up "
          "on a lock held by another session after lock_timeout") {
    const auto table = make_table(recent_ddl);
    auto spec = rollcheck_test::socket_spec();
    spec.lock_timeout = 300ms;
    spec.statement_timeout = 7s;
    pg_session session(spec);
    session.read([&](pqxx::read_transaction& tx) {
        CHECK(std::string(tx.exec1("SHOW application_name")[0].c_str()) == "rollcheck");
        CHECK(std::string(tx.exec1("SHOW lock_timeout")[0].c_str()) == "300ms");
        CHECK(std::string(tx.exec1("SHOW statement_timeout")[0].c_str()) == "7s");
        tx.exec(duplicates_statement(submission_duplicates(table), tx));
        const auto modes = tx.exec("SELECT DISTINCT mode FROM pg_locks WHERE pid = "
                                   "pg_backend_pid() AND locktype = 'relation'");
        REQUIRE(modes.size() == 1);
        CHECK(std::string(modes[0][0].c_str()) == "AccessShareLock");
        return 0;
    });

    pqxx::connection holder(rollcheck_test::postgres().conninfo());
    pqxx::work lock(holder);
    lock.exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    const auto blocked = check_duplicates(submission_duplicates(table, spec));
    REQUIRE_VERDICT(blocked, verdict::error);
    CHECK_THAT(blocked.summary,
               Catch::StartsWith(fmt::format(
                   "lock timeout of 300 ms reached while checking public.{} on host ", table)));
    CHECK_THAT(blocked.summary,
               Catch::Contains(": another session holds a lock that conflicts with reading it"));
    CHECK(blocked.elapsed < 5s);
}
