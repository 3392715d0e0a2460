// The figures of BENCHMARKS.md's "PostgreSQL verifiers": on a table shaped
// like opportunities_unified (5,000,000 rows, about 0.1% duplicated
// submission_id) in a throwaway cluster of its own, duplicate detection and
// recent writes, each beside psql running the same SQL, alternating, median
// of the repetitions. Also prints the plans of both queries.
//
//   benchmarks/db/db-bench BUILD_DIR [--rows N] [--reps N]
//
// (the script starts the cluster with scripts/lib/pg-fixture, runs
// db_bench --state DIR against it, and removes it).
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rollcheck/command.hpp>
#include <rollcheck/duplicates.hpp>
#include <rollcheck/freshness.hpp>

#include "bench_support.hpp"

namespace {

using bench::clock_type;
using bench::median;
using bench::ms_since;
using bench::timed_run;

struct options {
    long rows = 5'000'000;
    int reps = 5;
    std::string state;
};

options parse_args(int argc, char** argv) {
    options o;
    bench::parse_flags(argc, argv,
                       {{"--rows", [&](const std::string& v) { o.rows = std::stol(v); }},
                        {"--reps", [&](const std::string& v) { o.reps = std::stoi(v); }},
                        {"--state", [&](const std::string& v) { o.state = v; }}});
    return o;
}

void load_table(const std::string& dsn, long rows) {
    const long duplicated = rows / 1000;
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    tx.exec("DROP TABLE IF EXISTS opportunities_unified");
    tx.exec("CREATE TABLE opportunities_unified (id bigserial PRIMARY KEY, submission_id text, "
            "subreddit text, title text, body text, score int, num_comments int, "
            "created_at timestamptz NOT NULL, collected_at timestamptz NOT NULL)");
    // One row every 0.5 s back from now (about 29 days for 5M rows), and
    // 0.1% of the rows a second copy of an existing submission_id.
    tx.exec_params(
        "INSERT INTO opportunities_unified (submission_id, subreddit, title, body, score, "
        "num_comments, created_at, collected_at) "
        "SELECT 't3_' || to_hex(g * 7919), 'sub' || (g % 500), 'title of post ' || g, "
        "repeat('x', (40 + g % 80)::int), (g % 1000)::int, (g % 70)::int, "
        "now() - g * interval '500 milliseconds', now() "
        "FROM generate_series(1, $1::bigint - $2::bigint) g",
        rows, duplicated);
    tx.exec_params(
        "INSERT INTO opportunities_unified (submission_id, subreddit, title, body, score, "
        "num_comments, created_at, collected_at) "
        "SELECT submission_id, subreddit, title, body, score, num_comments, "
        "now() - random() * interval '2 days', now() FROM opportunities_unified "
        "WHERE id % 997 = 0 LIMIT $1",
        duplicated);
    tx.exec("CREATE INDEX ON opportunities_unified (submission_id)");
    tx.exec("CREATE INDEX ON opportunities_unified (created_at)");
    tx.exec("VACUUM ANALYZE opportunities_unified");
}

} // namespace

int main(int argc, char** argv) try {
    const auto o = parse_args(argc, argv);
    const std::string dsn = bench::fixture_dsn(o.state);
    const auto load_start = clock_type::now();
    load_table(dsn, o.rows);
    fmt::print("loaded {} rows in {:.1f} s\n", o.rows, ms_since(load_start) / 1000);

    rollcheck::duplicates_spec dup;
    dup.connection.dsn = dsn;
    dup.connection.statement_timeout = std::chrono::minutes(5);
    dup.table = rollcheck::table_ref{"public", "opportunities_unified"};
    dup.key = {"submission_id"};
    rollcheck::recent_writes_spec recent;
    recent.connection = dup.connection;
    recent.table = dup.table;
    recent.column = "created_at";
    recent.within = std::chrono::hours(1);

    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    const std::string dup_sql = rollcheck::duplicates_statement(dup, tx);
    const std::string recent_literal = rollcheck::recent_writes_statement(recent, tx);
    const std::string runbook_sql = "SELECT submission_id, COUNT(*) FROM opportunities_unified "
                                    "GROUP BY submission_id HAVING COUNT(*) > 1";
    fmt::print("duplicates SQL: {}\nrecent SQL: {}\n", dup_sql, recent_literal);

    const std::vector<std::string> psql{"psql", "-X", "-q", "-d", dsn, "-o", "/dev/null", "-c"};
    const auto with = [](std::vector<std::string> argv, const std::string& last) {
        argv.push_back(last);
        return argv;
    };
    const std::vector<std::string> cli_dup{ROLLCHECK_CLI,
                                           "db",
                                           "duplicates",
                                           "--dsn",
                                           dsn,
                                           "--table",
                                           "public.opportunities_unified",
                                           "--key",
                                           "submission_id",
                                           "--statement-timeout",
                                           "5m"};
    const std::vector<std::string> cli_recent{
        ROLLCHECK_CLI,           "db",       "recent",     "--dsn",    dsn, "--table",
        "opportunities_unified", "--column", "created_at", "--within", "1h"};

    std::vector<bench::figure> figures{
        {"duplicates: psql, same SQL as rollcheck", {}},
        {"duplicates: rollcheck db duplicates (the program)", {}},
        {"duplicates: check_duplicates() (library call, with connect)", {}},
        {"duplicates: psql, the runbook's plain GROUP BY", {}},
        {"recent writes, 1h: psql, same SQL", {}},
        {"recent writes, 1h: rollcheck db recent (the program)", {}},
        {"recent writes, 1h: check_recent_writes() (library call, with connect)", {}}};
    std::string dup_summary, recent_summary;
    // Alternating, so a change in the machine's load hits every contender alike.
    for (int rep = 0; rep < o.reps; ++rep) {
        figures[0].ms.push_back(timed_run(with(psql, dup_sql), 0));
        figures[1].ms.push_back(timed_run(cli_dup, 1));
        auto start = clock_type::now();
        const auto d = rollcheck::check_duplicates(dup);
        figures[2].ms.push_back(ms_since(start));
        dup_summary = fmt::format("{}", d);
        figures[3].ms.push_back(timed_run(with(psql, runbook_sql), 0));
        figures[4].ms.push_back(timed_run(with(psql, recent_literal), 0));
        figures[5].ms.push_back(timed_run(cli_recent, 0));
        start = clock_type::now();
        const auto r = rollcheck::check_recent_writes(recent);
        figures[6].ms.push_back(ms_since(start));
        recent_summary = fmt::format("{}", r);
    }
    fmt::print("\n{}\n\n{}\n", dup_summary, recent_summary);
    bench::print_figures(figures);
    fmt::print("\nrollcheck / psql (duplicates, program vs program): {:.3f}\n",
               median(figures[1].ms) / median(figures[0].ms));

    fmt::print("\nEXPLAIN (ANALYZE) of the recent-writes query:\n");
    for (const auto& row : tx.exec("EXPLAIN (ANALYZE, COSTS OFF) " + recent_literal))
        fmt::print("  {}\n", row[0].c_str());
    fmt::print("\nEXPLAIN (ANALYZE) of the duplicates query:\n");
    for (const auto& row : tx.exec("EXPLAIN (ANALYZE, COSTS OFF) " + dup_sql))
        fmt::print("  {}\n", row[0].c_str());
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "db_bench: {}\n", e.what());
    return 1;
}
