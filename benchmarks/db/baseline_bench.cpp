// Baseline and compare of a table shaped like opportunities_unified, side by
// side with psql running the same bucket aggregate. Prints the figures that
// BENCHMARKS.md quotes.
//
//   baseline_bench [DSN] [ROWS]    (DSN empty: the PG* environment; ROWS: 5000000)
//
// or one step alone, for benchmarks/db/baseline-at-scale to time with
// /usr/bin/time -v (the PG* environment names the server):
//
//   baseline_bench --take TABLE OUT [--no-keys]
//   baseline_bench --compare OUT
//
// It creates (once) and then changes the table bench_baseline_opportunities
// in the database the DSN names: run it against a scratch server.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <rollcheck/baseline.hpp>
#include <rollcheck/command.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
const std::string table = "bench_baseline_opportunities";

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

void execute(const std::string& dsn, const std::string& sql) {
    pqxx::connection c(dsn);
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
}

/// The table with `rows` rows, a text key like submission_id and a created_at index.
void prepare(const std::string& dsn, long rows) {
    pqxx::connection c(dsn);
    {
        pqxx::work w(c);
        const auto have =
            w.exec1("SELECT count(*) FROM pg_class WHERE relname = " + w.quote(table));
        if (have[0].as<int>() == 1 &&
            w.exec1("SELECT count(*) FROM " + table)[0].as<long>() == rows)
            return;
        w.exec("DROP TABLE IF EXISTS " + table);
        w.exec(fmt::format(
            "CREATE TABLE {} AS SELECT 't3_' || to_hex(g::bigint * 7919) AS submission_id, "
            "now() - g * interval '1 second' AS created_at, md5(g::text) AS title "
            "FROM generate_series(1, {}) g",
            table, rows));
        w.exec(fmt::format("CREATE INDEX ON {} (created_at)", table));
        w.commit();
    }
    pqxx::nontransaction(c).exec("VACUUM ANALYZE " + table);
}

void timed(const char* what, const rollcheck::check_result& r) {
    fmt::print("{:<44} {:>8.2f} s  {}\n  {}\n", what, r.elapsed.count() / 1000.0,
               rollcheck::to_string(r.status), r.summary);
}

} // namespace

/// One take or compare, its result printed as the command line prints it.
int step(int argc, char** argv) {
    rollcheck::connection_spec conn;
    conn.statement_timeout = std::chrono::minutes(10);
    conn.deadline = std::chrono::minutes(15);
    rollcheck::check_result r;
    if (std::string(argv[1]) == "--take" && argc >= 4) {
        rollcheck::baseline_spec base;
        base.connection = conn;
        base.tables = {{{"public", argv[2]}, {"submission_id"}, "created_at"}};
        base.out = argv[3];
        base.keep_keys = !(argc > 4 && std::string(argv[4]) == "--no-keys");
        r = rollcheck::take_baseline(base);
    } else if (std::string(argv[1]) == "--compare" && argc >= 3) {
        rollcheck::compare_spec cmp;
        cmp.connection = conn;
        cmp.baseline = argv[2];
        r = rollcheck::compare_baseline(cmp);
    } else {
        fmt::print(stderr, "usage: baseline_bench --take TABLE OUT [--no-keys] | --compare OUT\n");
        return 2;
    }
    fmt::print("{} {}: {} ({} ms)\n", rollcheck::to_string(r.status), r.check, r.summary,
               r.elapsed.count());
    return r.status == rollcheck::verdict::error ? 2 : 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]).rfind("--", 0) == 0) return step(argc, argv);
    const std::string dsn = argc > 1 ? argv[1] : "";
    const long rows = argc > 2 ? std::atol(argv[2]) : 5000000;
    const auto dir = std::filesystem::temp_directory_path() / "rollcheck-baseline-bench";
    std::filesystem::create_directories(dir);

    auto start = clock_type::now();
    prepare(dsn, rows);
    fmt::print("table {} with {} rows ready ({:.1f} s)\n\n", table, rows, seconds_since(start));

    rollcheck::baseline_spec base;
    base.connection.dsn = dsn;
    base.connection.statement_timeout = std::chrono::minutes(5);
    base.tables = {{{"public", table}, {"submission_id"}, "created_at"}};
    base.out = dir / "no-keys.json";
    base.keep_keys = false;
    timed("baseline, JSON only", rollcheck::take_baseline(base));
    const auto json_only = std::filesystem::file_size(base.out);

    // The peer: psql running the same aggregate, its output thrown away.
    rollcheck::command_spec psql;
    psql.argv = {"psql",
                 "-X",
                 "-q",
                 "-d",
                 dsn.empty() ? "" : dsn,
                 "-o",
                 "/dev/null",
                 "-c",
                 fmt::format("SELECT (hashtextextended(ROW(submission_id)::text, 0) & 4095)::int, "
                             "count(*), sum(hashtextextended(ROW(submission_id)::text, 0))::text "
                             "FROM {} GROUP BY 1",
                             table)};
    const auto peer = rollcheck::run_command(psql);
    fmt::print("{:<44} {:>8.2f} s  {}\n", "psql, the same GROUP BY", peer.elapsed.count() / 1000.0,
               peer.describe());

    base.out = dir / "base.json";
    base.keep_keys = true;
    timed("baseline with key file", rollcheck::take_baseline(base));
    fmt::print("\nJSON only: {} bytes; with keys: JSON {} bytes, key file {} bytes\n\n", json_only,
               std::filesystem::file_size(base.out),
               std::filesystem::file_size(dir / "base.json.keys"));

    rollcheck::compare_spec cmp;
    cmp.connection = base.connection;
    cmp.baseline = base.out;
    timed("compare, unchanged", rollcheck::compare_baseline(cmp));
    execute(dsn, fmt::format("DELETE FROM {} WHERE ctid IN (SELECT ctid FROM {} TABLESAMPLE "
                             "SYSTEM (1) LIMIT 100)",
                             table, table));
    timed("compare, 100 rows deleted", rollcheck::compare_baseline(cmp));
    execute(dsn, fmt::format("INSERT INTO {} SELECT 'new_' || g, now(), 'x' FROM "
                             "generate_series(1, 10000) g",
                             table));
    timed("compare, 100 deleted + 10000 inserted", rollcheck::compare_baseline(cmp));

    // The table is changed now: the next run starts from a fresh one.
    execute(dsn, fmt::format("DROP TABLE {}", table));
    std::filesystem::remove_all(dir);
    return 0;
}
