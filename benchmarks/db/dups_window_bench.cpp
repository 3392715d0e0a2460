// BENCHMARKS.md's "Duplicates of the last hour against 20,000,000 rows": the
// windowed duplicates check (each key of the window's rows looked up in the
// whole table) beside the full check, on opportunities_unified with an index
// on submission_id, in a throwaway cluster of its own. 10,000 rows are in
// the last hour, a handful of them repeating a key stored days before (a
// restarted job storing again what it had stored), and 1,000 older keys are
// duplicated outside the window. Alternating, median of the repetitions;
// then the keys of both checks compared, the plan, and the windowed check
// once more without the index.
//
//   benchmarks/db/db-bench BUILD_DIR dups_window_bench [--rows N] [--window N]
//       [--dups N] [--reps N] [--new-keys together|spread]
//
// --new-keys spread: the window's new keys spread over the whole index (like
// UUIDs) instead of sorting together (like increasing submission ids).
//
// (the script starts the cluster with scripts/lib/pg-fixture, runs the
// program with --state DIR against it, and removes it).
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <rollcheck/duplicates.hpp>

#include "bench_support.hpp"

namespace {

using bench::clock_type;
using bench::ms_since;

struct options {
    long rows = 20'000'000;
    long window = 10'000; ///< rows written in the last hour
    long dups = 5;        ///< of them, rows repeating an older key
    long old_dups = 1'000;
    int reps = 5;
    /// New keys spread over the whole index (like UUIDs) rather than sorting
    /// together after the old ones (like increasing submission ids).
    bool spread = false;
    std::string state;
};

options parse_args(int argc, char** argv) {
    options o;
    bench::parse_flags(argc, argv,
                       {{"--rows", [&](const std::string& v) { o.rows = std::stol(v); }},
                        {"--window", [&](const std::string& v) { o.window = std::stol(v); }},
                        {"--dups", [&](const std::string& v) { o.dups = std::stol(v); }},
                        {"--reps", [&](const std::string& v) { o.reps = std::stoi(v); }},
                        {"--new-keys",
                         [&](const std::string& v) {
                             if (v != "spread" && v != "together")
                                 throw std::invalid_argument("--new-keys spread|together");
                             o.spread = v == "spread";
                         }},
                        {"--state", [&](const std::string& v) { o.state = v; }}});
    if (o.rows < o.window + o.old_dups + 1'000'000 || o.window < 100 || o.dups < 1 || o.dups > 50)
        throw std::invalid_argument("--rows at least --window + 1,001,000, --window at least 100, "
                                    "--dups from 1 to 50");
    return o;
}

void execute(pqxx::connection& c, const std::string& sql) {
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

/// The table as the job leaves it: old rows one every 100 ms back from two
/// hours ago, some older keys stored twice, the indexes and statistics of a
/// table at rest, then the last hour's rows written after the last ANALYZE.
void load_table(const std::string& dsn, const options& o) {
    pqxx::connection c(dsn);
    const long old_rows = o.rows - o.window - o.old_dups;
    execute(c, "DROP TABLE IF EXISTS opportunities_unified");
    execute(c, "CREATE TABLE opportunities_unified (id bigint, submission_id text, score int, "
               "created_at timestamptz NOT NULL)");
    execute(c, fmt::format("INSERT INTO opportunities_unified "
                           "SELECT g, 't3_' || to_hex(g * 7919), (g % 1000)::int, "
                           "now() - interval '2 hours' - g * interval '100 milliseconds' "
                           "FROM generate_series(1, {}::bigint) g",
                           old_rows));
    // Keys spread over the table, stored again a day later than the first copy.
    execute(c, fmt::format("INSERT INTO opportunities_unified "
                           "SELECT {0} + g, 't3_' || to_hex(g * {1} * 7919), 0, "
                           "now() - interval '1 day' - g * interval '1 second' "
                           "FROM generate_series(1, {2}::bigint) g",
                           old_rows, old_rows / (o.old_dups + 1), o.old_dups));
    execute(c, "CREATE INDEX ON opportunities_unified (submission_id)");
    execute(c, "CREATE INDEX ON opportunities_unified (created_at)");
    execute(c, "VACUUM ANALYZE opportunities_unified");
    // The last hour: new keys, and `dups` keys of rows stored days before.
    execute(c, fmt::format("INSERT INTO opportunities_unified "
                           "SELECT {0} + g, {1}, 1, now() - g * interval '{2} ms' "
                           "FROM generate_series(1, {3}::bigint) g",
                           old_rows + o.old_dups,
                           o.spread ? "'t3_' || to_hex(g * 1999 * 7919) || 'n'" : "'t3_new_' || g",
                           3'000'000 / o.window, o.window - o.dups));
    execute(c, fmt::format("INSERT INTO opportunities_unified "
                           "SELECT {0} + g, 't3_' || to_hex(g * {1} * 7919), 2, "
                           "now() - g * interval '1 minute' FROM generate_series(1, {2}::bigint) g",
                           old_rows + o.old_dups + o.window, old_rows / (o.dups + 1), o.dups));
}

/// The keys a result's evidence lists.
std::set<std::string> listed_keys(const rollcheck::check_result& r) {
    std::set<std::string> keys;
    for (const auto& item : r.evidence.items())
        keys.insert(item.data.at("key").at(0).get<std::string>());
    return keys;
}

double timed_check(const rollcheck::duplicates_spec& spec, rollcheck::verdict expected,
                   std::string& shown) {
    const auto start = clock_type::now();
    const auto r = rollcheck::check_duplicates(spec);
    const double ms = ms_since(start);
    if (r.status != expected) throw std::runtime_error(fmt::format("unexpected: {}", r));
    shown = fmt::format("{}", r);
    return ms;
}

} // namespace

int main(int argc, char** argv) try {
    const auto o = parse_args(argc, argv);
    const std::string dsn = bench::fixture_dsn(o.state);
    const auto load_start = clock_type::now();
    load_table(dsn, o);
    fmt::print("loaded {} rows ({} in the last hour, {} of them repeating an older key; {} "
               "older keys stored twice) in {:.1f} s\n",
               o.rows, o.window, o.dups, o.old_dups, ms_since(load_start) / 1000);

    rollcheck::duplicates_spec full;
    full.connection.dsn = dsn;
    full.connection.statement_timeout = std::chrono::minutes(10);
    full.table = rollcheck::table_ref{"public", "opportunities_unified"};
    full.key = {"submission_id"};
    auto windowed = full;
    windowed.scope_column = "created_at";
    windowed.within = std::chrono::hours(1);
    auto window_only = windowed;
    window_only.only_within_window = true;
    const std::vector<std::string> cli{ROLLCHECK_CLI,
                                       "db",
                                       "duplicates",
                                       "--dsn",
                                       dsn,
                                       "--table",
                                       "public.opportunities_unified",
                                       "--key",
                                       "submission_id",
                                       "--column",
                                       "created_at",
                                       "--within",
                                       "1h"};

    std::vector<bench::figure> figures{
        {"windowed check, check_duplicates() (library call, with connect)", {}},
        {"windowed check, rollcheck db duplicates --within 1h (the program)", {}},
        {"full check, check_duplicates() (library call, with connect)", {}},
        {"window only (--only-within-window), check_duplicates()", {}}};
    std::string windowed_shown, full_shown, window_only_shown;
    // Alternating, so a change in the machine's load hits every contender alike.
    for (int rep = 0; rep < o.reps; ++rep) {
        figures[0].ms.push_back(timed_check(windowed, rollcheck::verdict::fail, windowed_shown));
        figures[1].ms.push_back(bench::timed_run(cli, 1));
        figures[2].ms.push_back(timed_check(full, rollcheck::verdict::fail, full_shown));
        figures[3].ms.push_back(
            timed_check(window_only, rollcheck::verdict::pass, window_only_shown));
    }
    fmt::print("\n{}\n\n{}\n\n{}\n", windowed_shown, full_shown, window_only_shown);
    bench::print_figures(figures);
    fmt::print("\nwindowed / full (library calls): {:.4f}\n",
               bench::median(figures[0].ms) / bench::median(figures[2].ms));

    // The same keys as the full check restricted to the window's keys.
    windowed.show = rollcheck::show_all;
    full.show = rollcheck::show_all;
    const auto found = listed_keys(rollcheck::check_duplicates(windowed));
    const auto all = listed_keys(rollcheck::check_duplicates(full));
    pqxx::connection c(dsn);
    std::set<std::string> recent, restricted;
    {
        pqxx::read_transaction tx(c);
        for (const auto& row : tx.exec("SELECT DISTINCT submission_id FROM opportunities_unified "
                                       "WHERE created_at > now() - interval '1 hour'"))
            recent.insert(row[0].c_str());
    }
    for (const auto& key : all)
        if (recent.count(key) != 0) restricted.insert(key);
    fmt::print("\nfull check: {} duplicated keys; of them keys of the last hour: {}; windowed "
               "check: {}; the same keys: {}\n",
               all.size(), restricted.size(), found.size(), found == restricted ? "yes" : "NO");

    {
        pqxx::read_transaction tx(c);
        const auto sql = rollcheck::duplicates_statement(windowed, tx);
        // As check_duplicates runs it through an index: without JIT.
        tx.exec("SET LOCAL jit = off");
        fmt::print("\nwindowed SQL: {}\n\nEXPLAIN (ANALYZE, COSTS OFF) of it:\n", sql);
        for (const auto& row : tx.exec("EXPLAIN (ANALYZE, COSTS OFF) " + sql))
            fmt::print("  {}\n", row[0].c_str());
    }

    // What the summary says, and what it costs, without the index on the key.
    execute(c, "DROP INDEX opportunities_unified_submission_id_idx");
    windowed.show = 10;
    std::string no_index_shown;
    const double no_index_ms = timed_check(windowed, rollcheck::verdict::fail, no_index_shown);
    fmt::print("\nwithout the index on submission_id: {:.1f} ms\n{}\n", no_index_ms,
               no_index_shown);
    return found == restricted ? 0 : 1;
} catch (const std::exception& e) {
    fmt::print(stderr, "dups_window_bench: {}\n", e.what());
    return 1;
}
