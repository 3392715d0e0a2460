// Comparing the fixture's server with a baseline: lost keys named, gains,
// swapped keys, a newest timestamp gone back, and what a baseline without
// its key file can and cannot tell.
#include <set>

#include <catch2/catch.hpp>
#include <rollcheck/baseline.hpp>
#include <rollcheck/catch.hpp>

#include "baseline_support.hpp"

using namespace rollcheck;
using namespace rollcheck_test;

namespace {

/// A key not in 1..1000 that falls into the same bucket as id 1 among `buckets`.
int same_bucket_as_1(unsigned buckets) {
    pqxx::connection c(postgres().conninfo());
    pqxx::read_transaction tx(c);
    return tx
        .exec_params1("SELECT g FROM generate_series(1001, 100000) g WHERE "
                      "(hashtextextended(ROW(g)::text, 0) & $1) = "
                      "(hashtextextended(ROW(1)::text, 0) & $1) LIMIT 1",
                      static_cast<int>(buckets - 1))[0]
        .as<int>();
}

} // namespace

TEST_CASE("an unchanged table passes") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    REQUIRE_VERDICT(take_baseline(baseline_of(table, dir)), verdict::pass);
    const auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::StartsWith("no rows lost since the baseline taken 20") &&
                   Catch::EndsWith(fmt::format("/base.json): {}: unchanged (1000 rows)", table)));
    CHECK(r.totals["rows_lost"] == 0);
    CHECK(r.totals["tables"][0]["buckets_changed"] == 0);
}

TEST_CASE("deleted rows fail the compare, and it names them") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    baseline_then_change(table, dir, "DELETE FROM {} WHERE id IN (5, 500, 999)");
    auto spec = compare_to(dir);
    auto r = compare_baseline(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("rows lost since the baseline taken ") &&
                              Catch::EndsWith(fmt::format(
                                  "{}: 3 rows lost, 0 gained (1000 → 997 rows)", table)));
    CHECK(evidence_set(r) == std::set<std::string>{fmt::format("{}: lost key id=5", table),
                                                   fmt::format("{}: lost key id=500", table),
                                                   fmt::format("{}: lost key id=999", table)});
    CHECK(r.evidence.items()[0].data["change"] == "lost");
    CHECK(r.evidence.items()[0].data["key"].size() == 1);
    CHECK(r.totals["rows_lost"] == 3);

    spec.show = 1;
    r = compare_baseline(spec);
    CHECK(r.evidence.items().size() == 1);
    CHECK(r.evidence.total() == 3);
}

TEST_CASE("rows gained since the baseline pass, or warn when asked") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    baseline_then_change(table, dir, "INSERT INTO {} VALUES (1001, now()), (1002, now())");
    auto spec = compare_to(dir);
    auto r = compare_baseline(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::StartsWith("no rows lost since") &&
                              Catch::EndsWith(fmt::format(
                                  "{}: 0 rows lost, 2 gained (1000 → 1002 rows)", table)));
    CHECK(r.evidence.total() == 2);
    CHECK_THAT(evidence_text(r), Catch::Contains(fmt::format("{}: gained key id=1002", table)));
    spec.warn_on_gained = true;
    REQUIRE_VERDICT(compare_baseline(spec), verdict::warn);
}

TEST_CASE("a key swapped for another in the same bucket is a lost row and a gained one") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    auto base = baseline_of(table, dir);
    base.buckets = 16;
    REQUIRE_VERDICT(take_baseline(base), verdict::pass);
    const int other = same_bucket_as_1(16);
    admin_exec(fmt::format("UPDATE {} SET id = {} WHERE id = 1", table, other));
    const auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("1 row lost, 1 gained (1000 → 1000 rows)"));
    CHECK(evidence_text(r) ==
          fmt::format("{0}: lost key id=1\n{0}: gained key id={1}\n", table, other));
    CHECK(r.totals["tables"][0]["buckets_changed"] == 1);

    // The JSON alone sees it too: same count, other sum.
    base.keep_keys = false;
    REQUIRE_VERDICT(take_baseline(base), verdict::pass);
    admin_exec(fmt::format("UPDATE {} SET id = 1 WHERE id = {}", table, other));
    const auto bounded = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(bounded, verdict::fail);
    CHECK_THAT(bounded.summary,
               Catch::EndsWith("at least 1 row lost, 1 gained (1000 → 1000 rows)"));
    CHECK(bounded.evidence.total() == 0);
}

TEST_CASE("with 65,536 buckets every lost key is named, whatever byte its bucket spills as") {
    const auto table = make_keyed_table(1000);
    // A spilled key starts with its bucket within a file of 256 buckets as one
    // byte: lose the keys whose byte is 0 or 10, a newline.
    const std::string spilled_as_0_or_10 = "(hashtextextended(ROW(id)::text, 0) & 255) IN (0, 10)";
    std::set<std::string> expected;
    {
        pqxx::connection c(postgres().conninfo());
        pqxx::read_transaction tx(c);
        for (const auto& row :
             tx.exec(fmt::format("SELECT id FROM {} WHERE {}", table, spilled_as_0_or_10)))
            expected.insert(fmt::format("{}: lost key id={}", table, row[0].as<int>()));
    }
    REQUIRE(expected.size() >= 2);
    temp_dir dir;
    baseline_then_change(table, dir, "DELETE FROM {} WHERE " + spilled_as_0_or_10, 65536);
    auto spec = compare_to(dir);
    spec.show = show_all;
    const auto r = compare_baseline(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_set(r) == expected);
}

TEST_CASE("a newest timestamp older than the baseline's fails") {
    const auto table = make_keyed_table(100);
    temp_dir dir;
    baseline_then_change(table, dir,
                         "UPDATE {} SET created_at = created_at - interval '1 day' WHERE id = "
                         "100");
    const auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::StartsWith("newest timestamp went back since") &&
                   Catch::EndsWith(fmt::format("{}: unchanged (100 rows), newest created_at went "
                                               "back from 2026-01-01 00:01:40+00 to 2026-01-01 "
                                               "00:01:39+00",
                                               table)));
}

TEST_CASE("without the key file, losses are counted and gains cannot be told from hidden losses") {
    const auto table = make_keyed_table(1000);
    temp_dir dir;
    auto base = baseline_of(table, dir);
    base.keep_keys = false;
    REQUIRE_VERDICT(take_baseline(base), verdict::pass);
    admin_exec(fmt::format("INSERT INTO {} VALUES (5000, now())", table));
    auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::StartsWith("could not rule out lost rows since") &&
                   Catch::EndsWith("at least 0 rows lost, 1 gained (1000 → 1001 rows), 1 "
                                   "bucket grew where lost rows would hide (no key file)"));

    admin_exec(fmt::format("DELETE FROM {} WHERE id IN (5000, 3, 4)", table));
    r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::Contains("at least 2 rows lost, 0 gained (1000 → 998 rows)"));
    CHECK(r.totals["tables"][0]["exact"] == false);
}

TEST_CASE("multi-column keys with NULLs, tabs and newlines are named exactly") {
    const auto table = make_table("CREATE TABLE {0} (a text, b int); INSERT INTO {0} SELECT "
                                  "'k' || g, g FROM generate_series(1, 300) g; INSERT INTO {0} "
                                  "VALUES (E'x\\ty\\nz\\\\', NULL), (NULL, 7)");
    temp_dir dir;
    baseline_spec base;
    base.connection = socket_spec();
    base.tables = {{table_ref::parse(table), {"a", "b"}, ""}};
    base.out = dir / "base.json";
    REQUIRE_VERDICT(take_baseline(base), verdict::pass);
    admin_exec(fmt::format("DELETE FROM {} WHERE b IS NULL OR a IS NULL", table));
    const auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::fail);
    std::set<std::string> named;
    for (const auto& item : r.evidence.items())
        named.insert(item.data["key"].dump());
    CHECK(named == std::set<std::string>{R"(["x\ty\nz\\",null])", R"([null,"7"])"});
    CHECK_THAT(evidence_text(r), Catch::Contains(fmt::format("{}: lost key (a=NULL, b=7)", table)));
}

TEST_CASE("a dropped table, or a key file that does not match, is an error") {
    const auto table = make_keyed_table(100);
    temp_dir dir;
    baseline_then_change(table, dir, "DELETE FROM {} WHERE id = 1");
    std::filesystem::resize_file(dir / "base.json.keys", 100);
    auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains(fmt::format(
                              "key file {}: does not belong to this baseline (100 bytes, the "
                              "baseline recorded ",
                              (dir / "base.json.keys").string())));

    admin_exec(fmt::format("DROP TABLE {}", table));
    r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("could not compare every table since") &&
                              Catch::EndsWith(fmt::format("table {} not found", table)));
}

TEST_CASE("tables of one baseline share its key file and are judged apart") {
    const auto first = make_keyed_table(300);
    const auto second = make_keyed_table(700);
    temp_dir dir;
    auto base = baseline_of(first, dir);
    base.tables.push_back({table_ref::parse(second), {"id"}, ""});
    REQUIRE_VERDICT(take_baseline(base), verdict::pass);
    admin_exec(fmt::format("DELETE FROM {} WHERE id = 650; INSERT INTO {} VALUES (301, now())",
                           second, first));
    const auto r = compare_baseline(compare_to(dir));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::EndsWith(fmt::format("{}: 0 rows lost, 1 gained (300 → 301 rows); {}: 1 "
                                           "row lost, 0 gained (700 → 699 rows)",
                                           first, second)));
    CHECK(evidence_text(r) ==
          fmt::format("{}: gained key id=301\n{}: lost key id=650\n", first, second));
}
