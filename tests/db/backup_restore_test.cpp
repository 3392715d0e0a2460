// A backup proven by restoring it: real pg_dump archives of the fixture's
// server restored into throwaway clusters (initdb and a server of their own)
// and into scratch databases of the fixture's server.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <rollcheck/backup.hpp>
#include <rollcheck/catch.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::temp_dir;

namespace {

/// A database holding orders (5000 rows, unique id, a sequence and an index),
/// events (id 3 and 7 held twice), drafts (no rows) and "Odd Schema"."a b",
/// dumped once with pg_dump -Fc; each test gets its own copy in `dir`.
std::filesystem::path shop_archive(const temp_dir& dir) {
    static const std::string db = rollcheck_test::make_database(
        "shop", "CREATE TABLE orders (id serial PRIMARY KEY, note text);"
                "INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 5000) g;"
                "CREATE TABLE events (id int, kind text);"
                "INSERT INTO events SELECT g, 'seen' FROM generate_series(1, 10) g;"
                "INSERT INTO events VALUES (3, 'again'), (7, 'again');"
                "CREATE TABLE drafts (id int);"
                "CREATE SCHEMA \"Odd Schema\"; CREATE TABLE \"Odd Schema\".\"a b\" (x text);"
                "INSERT INTO \"Odd Schema\".\"a b\" VALUES ('y')");
    const auto file = dir / "shop.dump";
    REQUIRE(rollcheck_test::pg_dump(db, file));
    return file;
}

backup_restore_spec restore_of(const std::filesystem::path& archive,
                               std::vector<restored_table> tables) {
    backup_restore_spec spec;
    spec.archive = archive;
    spec.tables = std::move(tables);
    return spec;
}

restored_table keyed(const std::string& table, std::vector<std::string> key = {"id"}) {
    return {table_ref::parse(table), std::move(key)};
}

/// The throwaway cluster the check made is gone.
void require_cluster_removed(const check_result& r) {
    REQUIRE(r.totals.contains("cluster_dir"));
    const std::filesystem::path dir = r.totals["cluster_dir"].get<std::string>();
    CHECK_THAT(dir.filename().string(), Catch::StartsWith("rollcheck-restore."));
    CHECK_FALSE(std::filesystem::exists(dir));
    CHECK(r.totals["cluster_removed"] == true);
}

long long row_count(const std::string& db, const std::string& table) {
    pqxx::connection c(rollcheck_test::postgres().conninfo(db));
    pqxx::read_transaction tx(c);
    return tx.exec1("SELECT count(*) FROM " + table)[0].as<long long>();
}

} // namespace

TEST_CASE("a good archive restores into a throwaway cluster with every row and no duplicated "
          "key, in the time it reports, and the cluster is removed") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    const auto r = check_backup_restore(
        restore_of(archive, {keyed("orders"), keyed("\"Odd Schema\".\"a b\"", {"x"})}));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::StartsWith(archive.string() + " (") &&
                              Catch::Matches(".* old\\): restored into a throwaway cluster in "
                                             "[0-9]+\\.[0-9]{2} s; public\\.orders 5000 rows, no "
                                             "duplicated id; \"Odd Schema\"\\.\"a b\" 1 row, no "
                                             "duplicated x"));
    CHECK(r.check == "db.backup-restore");
    CHECK(r.totals["rows"] == 5001);
    CHECK(r.totals["tables"][0]["rows"] == 5000);
    CHECK(r.totals["tables"][0]["duplicated_keys"] == 0);
    const double seconds = r.totals["restore_s"].get<double>();
    CHECK(seconds > 0);
    CHECK(seconds * 1000 <= static_cast<double>(r.elapsed.count()));
    CHECK_THAT(r.summary, Catch::Contains(fmt::format(" in {:.2f} s; ", seconds)));
    require_cluster_removed(r);
}

TEST_CASE("check_backup_then_restore restores only an archive that passed the archive check, "
          "and reports both") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    backup_spec checked;
    checked.archive = archive;
    checked.tables = {table_ref::parse("orders")};
    const auto r = check_backup_then_restore(checked, restore_of(archive, {keyed("orders")}));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "db.backup-restore");
    CHECK_THAT(r.summary, Catch::EndsWith("; db.backup passed before it"));
    CHECK(r.totals["archive_check"]["verdict"] == "pass");
    CHECK_THAT(r.totals["archive_check"]["summary"].get<std::string>(),
               Catch::StartsWith(archive.string()));

    checked.tables = {table_ref::parse("nowhere")};
    const auto refused = check_backup_then_restore(checked, restore_of(archive, {keyed("orders")}));
    REQUIRE_VERDICT(refused, verdict::fail);
    CHECK(refused.check == "db.backup");
    CHECK_THAT(refused.summary, Catch::EndsWith("; the restore was not attempted"));
    CHECK_FALSE(refused.totals.contains("restore_s"));
}

TEST_CASE("an archive whose table holds duplicated keys fails, naming each key and its rows") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    const auto r = check_backup_restore(restore_of(archive, {keyed("orders"), keyed("events")}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith(" s; public.events holds 2 duplicated id values (2 "
                                          "excess rows)"));
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text == "public.events: id=3: 2 rows");
    CHECK(r.evidence.items()[1].text == "public.events: id=7: 2 rows");
    CHECK(r.evidence.items()[0].data == nlohmann::json{{"key", {"3"}},
                                                       {"count", 2},
                                                       {"table", "public.events"},
                                                       {"problem", "duplicated_key"}});
    CHECK(r.totals["tables"][1]["duplicated_keys"] == 2);
    require_cluster_removed(r);

    // Bounded: the first key only, and the count of the others.
    auto spec = restore_of(archive, {keyed("events")});
    spec.show = 1;
    const auto one = check_backup_restore(spec);
    REQUIRE(one.evidence.items().size() == 1);
    CHECK(one.evidence.total() == 2);
}

TEST_CASE("an archive of an empty table, or without the table, fails by name") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    const auto r = check_backup_restore(restore_of(
        archive, {keyed("drafts"), keyed("audit.orders"), {table_ref::parse("orders"), {}}}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith(" s; public.drafts restored with 0 rows; audit.orders is "
                                          "not in the restored copy"));
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].data ==
          nlohmann::json{{"table", "public.drafts"}, {"problem", "no_rows"}});
    CHECK(r.evidence.items()[1].data ==
          nlohmann::json{{"table", "audit.orders"}, {"problem", "missing"}});
    require_cluster_removed(r);

    // A table without a key is counted only, and says so.
    const auto counted =
        check_backup_restore(restore_of(archive, {{table_ref::parse("events"), {}}}));
    REQUIRE_VERDICT(counted, verdict::pass);
    CHECK_THAT(counted.summary,
               Catch::EndsWith(" s; public.events 12 rows (no key given: not looked at)"));
}

TEST_CASE("a truncated archive fails with pg_restore's message, and a file that is no archive "
          "fails before any cluster is made") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    std::filesystem::resize_file(archive, std::filesystem::file_size(archive) / 2);
    auto r = check_backup_restore(restore_of(archive, {keyed("orders")}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::Contains(" old): pg_restore cannot restore it into a throwaway cluster "
                               "(exited with status 1): pg_restore: error: "));
    CHECK(r.evidence.items().at(0).data["problem"] == "restore_failed");
    require_cluster_removed(r);

    const auto plain = dir.write("plain.sql", "-- PostgreSQL database dump\nSET x = 1;\n");
    r = check_backup_restore(restore_of(plain, {keyed("orders")}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith(" old): is a plain SQL dump, not a pg_dump "
                                          "custom-format archive (pg_dump -Fc)"));
    CHECK_FALSE(r.totals.contains("cluster_dir"));

    r = check_backup_restore(restore_of(dir / "nowhere.dump", {keyed("orders")}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == (dir / "nowhere.dump").string() + ": does not exist");
}

TEST_CASE(
    "a scratch database that holds the table, or anything, is refused and left as it was, and "
    "an empty one takes the restore") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    const auto holding = rollcheck_test::make_database(
        "scratch", "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)");
    auto spec = restore_of(archive, {keyed("orders")});
    spec.scratch_dsn = rollcheck_test::postgres().conninfo(holding);
    auto r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(
        r.summary,
        Catch::EndsWith(fmt::format(
            " old): the scratch database (host {} port {} database {}) already holds "
            "public.orders: a restore check restores only into a database without it, and "
            "never drops a table; give an empty scratch database",
            rollcheck_test::postgres().socket_dir, rollcheck_test::postgres().port, holding)));
    CHECK(row_count(holding, "orders") == 1);

    const auto other =
        rollcheck_test::make_database("scratch", "CREATE SCHEMA audit; CREATE TABLE kept (id int)");
    spec.scratch_dsn = rollcheck_test::postgres().conninfo(other);
    r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains(" is not empty: it holds schema audit, public.kept, "
                                          "which a restore could collide with"));

    const auto empty = rollcheck_test::make_database("scratch");
    spec.scratch_dsn = rollcheck_test::postgres().conninfo(empty);
    r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::Contains(fmt::format(
                   "restored into the scratch database (host {} port {} database {}) in ",
                   rollcheck_test::postgres().socket_dir, rollcheck_test::postgres().port, empty)));
    CHECK(row_count(empty, "orders") == 5000); // the copy stays
    CHECK_FALSE(r.totals.contains("cluster_dir"));
    // The next check refuses it: nothing is dropped to make room.
    REQUIRE_VERDICT(check_backup_restore(spec), verdict::error);
}

TEST_CASE("a restore that fails in a scratch database leaves it as it was, and no password "
          "shows") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    std::filesystem::resize_file(archive, std::filesystem::file_size(archive) - 100);
    const auto empty = rollcheck_test::make_database("scratch");
    const auto& pg = rollcheck_test::postgres();
    auto spec = restore_of(archive, {keyed("orders")});
    spec.scratch_dsn = pg.tcp_conninfo("postgres", pg.password, empty);
    const auto r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::Contains("pg_restore cannot restore it into the scratch database "
                                          "(host 127.0.0.1 port "));
    pqxx::connection c(pg.conninfo(empty));
    pqxx::read_transaction tx(c);
    CHECK(tx.exec1("SELECT count(*) FROM pg_class WHERE relname = 'orders'")[0].as<int>() == 0);
    CHECK_THAT(to_json(r).dump(), !Catch::Contains(pg.password));

    spec.scratch_dsn = pg.tcp_conninfo("postgres", "wrong-" + pg.password, empty);
    const auto refused = check_backup_restore(spec);
    REQUIRE_VERDICT(refused, verdict::error);
    CHECK_THAT(refused.summary, Catch::Contains("password authentication failed (the password is "
                                                "not shown)"));
    CHECK_THAT(to_json(refused).dump(), !Catch::Contains(pg.password));
}

TEST_CASE("every step has a deadline, and the cluster is removed whichever step ends the check") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    auto spec = restore_of(archive, {keyed("orders")});
    spec.cluster_timeout = 50ms;
    auto r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::Contains(" old): cannot make a throwaway cluster to restore into: ") &&
                   Catch::Contains("timed out after"));
    require_cluster_removed(r);

    spec.cluster_timeout = 1min;
    spec.restore_timeout = 1ms;
    r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains("pg_restore --single-transaction") &&
                              Catch::Contains("timed out after"));
    require_cluster_removed(r);
}

TEST_CASE("PostgreSQL programs that are not there are an error naming where they were looked for") {
    temp_dir dir;
    const auto archive = shop_archive(dir);
    auto spec = restore_of(archive, {keyed("orders")});
    spec.bindir = dir / "no-bin";
    const auto r = check_backup_restore(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::EndsWith(fmt::format(" old): cannot make a throwaway cluster to restore "
                                           "into: {}: No such file or directory",
                                           (dir / "no-bin" / "initdb").string())));
    CHECK_FALSE(r.totals.contains("cluster_dir"));

    spec.tables.clear();
    REQUIRE_VERDICT(check_backup_restore(spec), verdict::error);
    CHECK(check_backup_restore(spec).summary ==
          "invalid restore check: no table given to look at in the restored copy");
}
