// Duplicate detection against real tables, run as a role that may only read.
#include <map>
#include <vector>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/duplicates.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::make_table;

namespace {

const char* const submissions_ddl =
    "CREATE TABLE {0} (id serial, submission_id text, created_at timestamptz NOT NULL);"
    // 300 keys; every 7th appears twice, every 50th four times; 5 NULL keys.
    "INSERT INTO {0} (submission_id, created_at)"
    " SELECT 't3_' || k, now() - k * interval '1 minute'"
    " FROM generate_series(1, 300) k,"
    "      generate_series(1, CASE WHEN k % 50 = 0 THEN 4 WHEN k % 7 = 0 THEN 2 ELSE 1 END);"
    "INSERT INTO {0} (submission_id, created_at) SELECT NULL, now() FROM generate_series(1, 5)";

duplicates_spec spec_for(const std::string& table, std::vector<std::string> key) {
    duplicates_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"public", table};
    spec.key = std::move(key);
    return spec;
}

/// key -> count, as the evidence lists them.
std::map<std::string, long long> evidence_keys(const check_result& r) {
    std::map<std::string, long long> keys;
    for (const auto& item : r.evidence.items())
        keys[item.data.at("key").dump()] = item.data.at("count").get<long long>();
    return keys;
}

} // namespace

TEST_CASE(
    "the duplicated keys are exactly those GROUP BY key HAVING count(*) > 1 lists, NULL apart") {
    const auto table = make_table(submissions_ddl);
    auto spec = spec_for(table, {"submission_id"});
    spec.show = show_all;
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);

    std::map<std::string, long long> expected;
    long long null_group = 0;
    pqxx::connection c(rollcheck_test::postgres().conninfo());
    pqxx::read_transaction tx(c);
    for (const auto& row : tx.exec("SELECT submission_id, count(*) FROM " + table +
                                   " GROUP BY submission_id HAVING count(*) > 1")) {
        if (row[0].is_null())
            null_group = row[1].as<long long>();
        else
            expected[nlohmann::json::array({row[0].c_str()}).dump()] = row[1].as<long long>();
    }
    CHECK(evidence_keys(r) == expected);
    CHECK(expected.size() == 48);
    CHECK(r.totals.at("duplicated_keys") == 48);
    CHECK(r.totals.at("excess_rows") == 42 * 1 + 6 * 3);
    CHECK(r.totals.at("null_key_rows") == null_group);
    CHECK(r.summary ==
          fmt::format("48 duplicated submission_id values (60 excess rows) in public.{}; "
                      "5 rows have a NULL in submission_id and were not compared",
                      table));
}

TEST_CASE("evidence lists the largest duplicates first, then by key, and counts the rest") {
    const auto table = make_table(submissions_ddl);
    auto spec = spec_for(table, {"submission_id"});
    spec.show = 8;
    const auto r = check_duplicates(spec);
    REQUIRE(r.evidence.items().size() == 8);
    CHECK(r.evidence.total() == 48);
    CHECK(r.evidence.items()[0].text == "submission_id=t3_100: 4 rows");
    CHECK(r.evidence.items()[0].data == nlohmann::json{{"key", {"t3_100"}}, {"count", 4}});
    CHECK(r.evidence.items()[5].text == "submission_id=t3_50: 4 rows");
    CHECK(r.evidence.items()[6].text == "submission_id=t3_105: 2 rows");
    CHECK_THAT(fmt::format("{}", r), Catch::EndsWith("… 40 more not shown"));
}

TEST_CASE("a composite key groups on every column, and a NULL in any column is not a key") {
    const auto table = make_table(
        "CREATE TABLE {0} (source text, external_id int);"
        "INSERT INTO {0} VALUES ('reddit', 1), ('reddit', 1), ('reddit', 2), ('hn', 1), ('hn', 1),"
        " ('hn', 1), (NULL, 1), (NULL, 1), ('hn', NULL), ('hn', NULL)");
    const auto r = check_duplicates(spec_for(table, {"source", "external_id"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          fmt::format("2 duplicated (source, external_id) values (3 excess rows) in "
                      "public.{}; 4 rows have a NULL in (source, external_id) and were "
                      "not compared",
                      table));
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text == "source=hn, external_id=1: 3 rows");
    CHECK(r.evidence.items()[1].data == nlohmann::json{{"key", {"reddit", "1"}}, {"count", 2}});
}

TEST_CASE("NULL keys are counted and the policy says whether they pass, warn or fail") {
    const auto table =
        make_table("CREATE TABLE {0} (k text); INSERT INTO {0} VALUES ('a'), (NULL), (NULL)");
    auto spec = spec_for(table, {"k"});
    spec.null_keys = null_key_policy::allow;
    CHECK_VERDICT(check_duplicates(spec), verdict::pass);
    spec.null_keys = null_key_policy::fail;
    const auto r = check_duplicates(spec);
    CHECK_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("no duplicated k in public.{}; 2 rows have a NULL in k and were "
                                   "not compared",
                                   table));
    CHECK(r.totals.at("null_key_rows") == 2);
    CHECK(r.evidence.total() == 0);
}

TEST_CASE("key columns named like the query's own aliases are grouped as columns") {
    const auto table = make_table(
        "CREATE TABLE {0} (key_0 int, n int, has_null bool);"
        "INSERT INTO {0} VALUES (1, 7, true), (1, 8, false), (2, 7, false), (3, 7, NULL)");
    auto r = check_duplicates(spec_for(table, {"n"}));
    CHECK(r.evidence.items().at(0).text == "n=7: 3 rows");
    r = check_duplicates(spec_for(table, {"has_null", "key_0"}));
    CHECK(r.summary == fmt::format("no duplicated (has_null, key_0) in public.{}; 1 row has a NULL "
                                   "in (has_null, key_0) and was not compared",
                                   table));
    r = check_duplicates(spec_for(table, {"key_0"}));
    CHECK(r.evidence.items().at(0).data == nlohmann::json{{"key", {"1"}}, {"count", 2}});
}

TEST_CASE("a clean table passes and says what it checked") {
    const auto table =
        make_table("CREATE TABLE {0} (k int); INSERT INTO {0} SELECT generate_series(1, 1000)");
    const auto r = check_duplicates(spec_for(table, {"k"}));
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == fmt::format("no duplicated k in public.{}", table));
    CHECK(r.totals.at("duplicated_keys") == 0);
}

TEST_CASE("a scope limits the check to recent rows, by window or by start time") {
    const auto table = make_table(submissions_ddl);
    auto spec = spec_for(table, {"submission_id"});
    spec.scope_column = "created_at";
    SECTION("within a window of the server's now()") {
        spec.within = 2h; // keys 1..119 (and the NULL rows)
        const auto r = check_duplicates(spec);
        CHECK(r.totals.at("duplicated_keys") == 17 + 2);
        CHECK_THAT(
            r.summary,
            Catch::Contains(fmt::format(
                "in public.{} among rows with created_at within 2h of the server's now()", table)));
    }
    SECTION("since a time") {
        pqxx::connection c(rollcheck_test::postgres().conninfo());
        pqxx::read_transaction tx(c);
        spec.since = tx.exec1("SELECT (now() - interval '30 minutes 30 seconds')::text")[0].c_str();
        const auto r = check_duplicates(spec);
        CHECK(evidence_keys(r).size() == 4); // 7, 14, 21, 28
        CHECK(r.totals.at("null_key_rows") == 5);
        CHECK_THAT(r.summary, Catch::Contains("among rows with created_at >= " + *spec.since));
    }
}

TEST_CASE("a spec that cannot describe a check is an error saying what is wrong") {
    duplicates_spec spec;
    spec.table = table_ref{"", "t"};
    CHECK(check_duplicates(spec).summary == "invalid duplicates check: no key column given");
    spec.key = {"k"};
    spec.within = 1h;
    CHECK(check_duplicates(spec).summary == "invalid duplicates check: a scope (within or since) "
                                            "needs the timestamp column it applies to");
    spec.scope_column = "created_at";
    spec.since = "2026-01-01";
    CHECK_VERDICT(check_duplicates(spec), verdict::error);
}
