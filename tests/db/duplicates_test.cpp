// Duplicate detection against real tables, run as a role that may only read.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/duplicates.hpp>
#include <rollcheck/wording.hpp>

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

TEST_CASE("only_within_window groups the window's rows among themselves, by window or start") {
    const auto table = make_table(submissions_ddl);
    auto spec = spec_for(table, {"submission_id"});
    spec.scope_column = "created_at";
    spec.only_within_window = true;
    SECTION("within a window of the server's now()") {
        spec.within = 2h; // keys 1..119 (and the NULL rows)
        const auto r = check_duplicates(spec);
        CHECK(r.totals.at("duplicated_keys") == 17 + 2);
        CHECK_THAT(r.summary,
                   Catch::Contains(fmt::format(
                       "in public.{} among rows with created_at within 2h of the server's now(), "
                       "grouped among themselves only (older rows not compared)",
                       table)));
        // Every copy of these keys was written at once, so looking the
        // window's keys up in the whole table finds the same ones.
        spec.only_within_window = false;
        CHECK(evidence_keys(check_duplicates(spec)) == evidence_keys(r));
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
    spec.within.reset();
    spec.since.reset();
    spec.scope_column.clear();
    spec.only_within_window = true;
    CHECK(check_duplicates(spec).summary ==
          "invalid duplicates check: only_within_window needs a window (within or since)");
}

// The window's keys against the whole table: what a restarted writer that
// stores again what the table already holds leaves behind.

namespace {

/// 1,000 rows of November, then, from 2026-11-28 09:00 (the window's start),
/// 50 rows with new keys and one that repeats t3_17.
const char* const rescored_ddl =
    "CREATE TABLE {0} (id serial, submission_id text, created_at timestamptz);"
    "INSERT INTO {0} (submission_id, created_at) SELECT 't3_' || k,"
    " '2026-11-01 00:00:00+00'::timestamptz + k * interval '1 minute'"
    " FROM generate_series(1, 1000) k;"
    "INSERT INTO {0} (submission_id, created_at) SELECT 't3_new_' || k,"
    " '2026-11-28 09:00:00+00'::timestamptz + k * interval '1 second'"
    " FROM generate_series(1, 50) k;"
    "INSERT INTO {0} (submission_id, created_at) VALUES ('t3_17', '2026-11-28 09:30:00+00');";

const char* const window_start = "2026-11-28 09:00:00+00";

/// `created_at` and ctid of the row of `table` matching `where`, as the check prints them.
std::pair<std::string, std::string> copy_of(const std::string& table, const std::string& where) {
    pqxx::connection c(rollcheck_test::reader_spec(table).dsn);
    pqxx::read_transaction tx(c);
    const auto row =
        tx.exec1(fmt::format("SELECT created_at::text, ctid::text FROM {} WHERE {}", table, where));
    return {row[0].c_str(), row[1].c_str()};
}

duplicates_spec since_spec(const std::string& table, std::vector<std::string> key) {
    auto spec = spec_for(table, std::move(key));
    spec.scope_column = "created_at";
    spec.since = window_start;
    return spec;
}

/// The keys of rows at or after `since` that more than one row of the table
/// holds, with their counts: the question asked in plain SQL.
std::map<std::string, long long> recent_keys_held_twice(const std::string& table,
                                                        const std::string& since) {
    pqxx::connection c(rollcheck_test::postgres().conninfo());
    pqxx::read_transaction tx(c);
    std::map<std::string, long long> keys;
    for (const auto& row :
         tx.exec_params(fmt::format("SELECT submission_id, count(*) FROM {0} WHERE submission_id IN"
                                    " (SELECT submission_id FROM {0} WHERE created_at >= $1)"
                                    " GROUP BY submission_id HAVING count(*) > 1",
                                    table),
                        since))
        keys[nlohmann::json::array({row[0].c_str()}).dump()] = row[1].as<long long>();
    return keys;
}

/// Every line of `plan` that mentions `text`.
std::vector<std::string> plan_lines(const pqxx::result& plan, const std::string& text) {
    std::vector<std::string> lines;
    for (const auto& row : plan)
        if (std::string line = row[0].c_str(); line.find(text) != std::string::npos)
            lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("a row of the window whose key an older row holds fails, naming the old and new copy") {
    const auto table = make_table(std::string(rescored_ddl) +
                                  "CREATE INDEX ON {0} (submission_id); CREATE INDEX ON {0} "
                                  "(created_at);");
    auto spec = since_spec(table, {"submission_id"});
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          fmt::format("1 duplicated submission_id value (1 excess row) in public.{}: the keys of "
                      "51 rows with created_at >= 2026-11-28 09:00:00+00, each looked up in the "
                      "whole table",
                      table));
    const auto [old_at, old_ctid] = copy_of(table, "id = 17");
    const auto [new_at, new_ctid] = copy_of(table, "id = 1051");
    REQUIRE(r.evidence.items().size() == 1);
    CHECK(r.evidence.items()[0].text ==
          fmt::format("submission_id=t3_17: 2 rows, 1 old and 1 new; old copy: created_at {}, "
                      "ctid {}; new copy: created_at {}, ctid {}",
                      old_at, old_ctid, new_at, new_ctid));
    CHECK(r.evidence.items()[0].data ==
          nlohmann::json{{"key", {"t3_17"}},
                         {"count", 2},
                         {"old_rows", 1},
                         {"new_rows", 1},
                         {"old_copies", {{{"at", old_at}, {"ctid", old_ctid}}}},
                         {"new_copies", {{{"at", new_at}, {"ctid", new_ctid}}}}});
    CHECK(r.totals.at("compared") == "whole_table");
    CHECK(r.totals.at("recent_rows") == 51);
    CHECK(r.totals.at("recent_keys") == 51);
    CHECK(r.totals.at("key_index") == table + "_submission_id_idx");

    // The grouping of the window alone, under its own name, misses it.
    spec.only_within_window = true;
    const auto alone = check_duplicates(spec);
    CHECK_VERDICT(alone, verdict::pass);
    CHECK(alone.summary == fmt::format("no duplicated submission_id in public.{} among rows with "
                                       "created_at >= 2026-11-28 09:00:00+00, grouped among "
                                       "themselves only (older rows not compared)",
                                       table));
}

TEST_CASE("within an hour of now(): a restarted job's re-scored submission is a duplicate") {
    const auto table = make_table(
        "CREATE TABLE {0} (submission_id text, created_at timestamptz);"
        "INSERT INTO {0} SELECT 't3_' || k, now() - interval '2 days' + k * interval '1 second'"
        " FROM generate_series(1, 5000) k;"
        "INSERT INTO {0} SELECT 't3_fresh_' || k, now() - k * interval '1 second'"
        " FROM generate_series(1, 200) k;"
        "INSERT INTO {0} VALUES ('t3_4242', now() - interval '10 minutes');"
        "CREATE INDEX ON {0} (submission_id); CREATE INDEX ON {0} (created_at); ANALYZE {0}");
    auto spec = spec_for(table, {"submission_id"});
    spec.scope_column = "created_at";
    spec.within = 1h;
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::StartsWith(fmt::format(
                   "1 duplicated submission_id value (1 excess row) in public.{}: the keys of 201 "
                   "rows with created_at within 1h of the server's now(), each looked up in the "
                   "whole table",
                   table)));
    CHECK_THAT(r.evidence.items().at(0).text,
               Catch::StartsWith("submission_id=t3_4242: 2 rows, 1 old and 1 new; old copy: "));
    spec.only_within_window = true;
    CHECK_VERDICT(check_duplicates(spec), verdict::pass);
}

TEST_CASE("several keys of the window: exactly those a full check restricted to them finds") {
    // Old duplicates the window does not touch (t3_500) are not its business;
    // keys held twice within the window alone (t3_new_a) are.
    const std::string ddl =
        std::string(rescored_ddl) +
        "INSERT INTO {0} (submission_id, created_at) VALUES"
        " ('t3_500', '2026-11-02 00:00:00+00'), ('t3_20', '2026-11-03 00:00:00+00'),"
        " ('t3_20', '2026-11-04 00:00:00+00'), ('t3_20', '2026-11-05 00:00:00+00'),"
        " ('t3_9', '2026-11-28 10:00:00+00'), ('t3_9', '2026-11-28 10:01:00+00'),"
        " ('t3_new_a', '2026-11-28 10:02:00+00'), ('t3_new_a', '2026-11-28 10:03:00+00'),"
        " ('t3_20', '2026-11-28 10:04:00+00'), (NULL, '2026-11-28 10:05:00+00'),"
        " (NULL, '2026-11-28 10:06:00+00'), (NULL, '2026-11-01 00:00:00+00');"
        "ANALYZE {0};";
    const bool indexed = GENERATE(true, false);
    INFO((indexed ? "with" : "without") << " an index on the key");
    const auto table = make_table(ddl + (indexed ? "CREATE INDEX ON {0} (submission_id);" : ""));
    auto spec = since_spec(table, {"submission_id"});
    spec.show = show_all;
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);

    const auto expected = recent_keys_held_twice(table, window_start);
    CHECK(expected == std::map<std::string, long long>{{R"(["t3_17"])", 2},
                                                       {R"(["t3_20"])", 5},
                                                       {R"(["t3_9"])", 3},
                                                       {R"(["t3_new_a"])", 2}});
    CHECK(evidence_keys(r) == expected);

    // The full check finds these and the untouched old t3_500 besides.
    auto full = spec_for(table, {"submission_id"});
    full.show = show_all;
    auto in_full = evidence_keys(check_duplicates(full));
    CHECK(in_full.erase(R"(["t3_500"])") == 1);
    CHECK(in_full == expected);

    CHECK(r.totals.at("duplicated_keys") == 4);
    CHECK(r.totals.at("excess_rows") == 1 + 4 + 2 + 1);
    CHECK(r.totals.at("null_key_rows") == 2);
    CHECK(r.totals.at("recent_rows") == 51 + 7);
    CHECK_THAT(r.summary,
               Catch::Contains("; 2 rows of the window have a NULL in submission_id and were not "
                               "compared"));
    // Largest first, then by key; at most three copies of a side are listed.
    REQUIRE(r.evidence.items().size() == 4);
    const auto& most = r.evidence.items()[0];
    CHECK_THAT(most.text, Catch::StartsWith("submission_id=t3_20: 5 rows, 4 old and 1 new; old "
                                            "copies: created_at "));
    CHECK_THAT(most.text, Catch::Contains(" and 1 more; new copy: created_at "));
    CHECK(most.data.at("old_copies").size() == 3);
    CHECK(most.data.at("old_rows") == 4);
    CHECK_THAT(r.evidence.items()[1].text,
               Catch::StartsWith("submission_id=t3_9: 3 rows, 1 old and 2 new; old copy: "));
    CHECK_THAT(r.evidence.items()[1].text, Catch::Contains("; new copies: created_at "));
    CHECK(r.evidence.items()[2].data.at("key") == nlohmann::json{"t3_17"});
    CHECK_THAT(r.evidence.items()[3].text,
               Catch::StartsWith("submission_id=t3_new_a: 2 rows, 0 old and 2 new; new copies: "));
    CHECK(r.evidence.items()[3].data.at("old_copies").empty());

    if (indexed) {
        CHECK(r.totals.at("key_index") == table + "_submission_id_idx");
        CHECK_THAT(r.summary, !Catch::Contains("no index on submission_id"));
    } else {
        CHECK(r.totals.at("key_index").is_null());
        pqxx::connection c(rollcheck_test::postgres().conninfo());
        pqxx::read_transaction tx(c);
        const auto bytes = describe_bytes(
            tx.exec1("SELECT pg_relation_size(" + tx.quote(table) + ")")[0].as<std::uint64_t>());
        CHECK_THAT(r.summary,
                   Catch::EndsWith(fmt::format(
                       "; no index on submission_id: the recent keys were looked up by reading "
                       "all of public.{0} (about 1063 rows, {1}) once (an index on submission_id "
                       "makes it one probe per key); no index on created_at: finding the window's "
                       "rows read all of public.{0} (about 1063 rows, {1})",
                       table, bytes)));
    }
}

TEST_CASE("the statement probes the key's index once per recent key, or reads the table once") {
    const std::string ddl =
        "CREATE TABLE {0} (submission_id text, created_at timestamptz);"
        "INSERT INTO {0} SELECT 't3_' || k, now() - interval '3 days' + k * interval '1 second'"
        " FROM generate_series(1, 50000) k;"
        "INSERT INTO {0} SELECT 't3_' || (k * 1000), now() - k * interval '1 second'"
        " FROM generate_series(1, 30) k;"
        "CREATE INDEX ON {0} (created_at);";
    const bool indexed = GENERATE(true, false);
    INFO((indexed ? "with" : "without") << " an index on the key");
    const auto table =
        make_table(ddl + (indexed ? "CREATE INDEX ON {0} (submission_id);" : "") + "ANALYZE {0}");
    auto spec = spec_for(table, {"submission_id"});
    spec.scope_column = "created_at";
    spec.within = 1h;
    const auto r = check_duplicates(spec);
    CHECK(r.totals.at("duplicated_keys") == 30);

    pqxx::connection c(rollcheck_test::reader_spec(table).dsn);
    pqxx::read_transaction tx(c);
    const auto plan = tx.exec("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " +
                              duplicates_statement(spec, tx));
    std::string text;
    for (const auto& row : plan)
        text += std::string(row[0].c_str()) + "\n";
    INFO(text);
    if (indexed) {
        // The count of each of the 30 recent keys: one probe of the key's index each.
        const auto probes = plan_lines(plan, "Index Cond: (submission_id = r.key_0)");
        CHECK(probes.size() == 1);
        const auto scans =
            plan_lines(plan, fmt::format("using {}_submission_id_idx on {} t", table, table));
        REQUIRE_FALSE(scans.empty());
        CHECK_THAT(scans[0], Catch::Contains("loops=30)"));
        CHECK(plan_lines(plan, "Seq Scan").empty());
    } else {
        // One pass over the table, whatever the planner expected of the window.
        const auto scans = plan_lines(plan, "Seq Scan on " + table);
        REQUIRE(scans.size() == 1);
        CHECK_THAT(scans[0], Catch::Contains("loops=1)"));
    }
}

TEST_CASE("a composite key is looked up through the index that covers it") {
    const auto table = make_table(
        "CREATE TABLE {0} (source text, external_id int, created_at timestamptz);"
        "INSERT INTO {0} SELECT CASE WHEN k % 2 = 0 THEN 'hn' ELSE 'reddit' END, k,"
        " '2026-11-01 00:00:00+00' FROM generate_series(1, 500) k;"
        "INSERT INTO {0} VALUES ('hn', 40, '2026-11-28 09:10:00+00'),"
        " ('reddit', 40, '2026-11-28 09:11:00+00'), ('hn', NULL, '2026-11-28 09:12:00+00');"
        "CREATE INDEX {0}_a_source ON {0} (source);"
        "CREATE INDEX {0}_b_pair ON {0} (source, external_id);");
    auto spec = since_spec(table, {"source", "external_id"});
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.totals.at("key_index") == table + "_b_pair");
    CHECK_THAT(r.summary,
               Catch::StartsWith(fmt::format(
                   "1 duplicated (source, external_id) value (1 excess row) in public.{}: the keys "
                   "of 3 rows with created_at >= 2026-11-28 09:00:00+00",
                   table)));
    CHECK_THAT(r.summary, Catch::Contains("; 1 row of the window has a NULL in (source, "
                                          "external_id) and was not compared"));
    REQUIRE(r.evidence.items().size() == 1);
    CHECK_THAT(r.evidence.items()[0].text,
               Catch::StartsWith("source=hn, external_id=40: 2 rows, 1 old and 1 new; old copy: "
                                 "created_at "));
}

TEST_CASE("hostile table and column names are quoted in every part of the windowed check") {
    const std::string name = "dup \"win\"; DROP TABLE x; --";
    const std::string key = "id) FROM x; --";
    const std::string at = "at\"; DROP TABLE y; --";
    pqxx::connection c(rollcheck_test::postgres().conninfo());
    const auto create = [&](bool indexed) {
        pqxx::work w(c);
        const auto t = w.quote_name(name);
        w.exec(fmt::format("DROP TABLE IF EXISTS {0}; CREATE TABLE {0} ({1} text, {2} timestamptz);"
                           "INSERT INTO {0} VALUES ('a', '2026-11-01'), ('b', '2026-11-01'),"
                           " ('a', '2026-11-28 10:00+00'), ('c', '2026-11-28 10:00+00');{3}",
                           t, w.quote_name(key), w.quote_name(at),
                           indexed ? fmt::format("CREATE INDEX ON {} ({});", t, w.quote_name(key))
                                   : ""));
        w.commit();
    };
    for (const bool indexed : {true, false}) {
        INFO((indexed ? "with" : "without") << " an index on the key");
        create(indexed);
        duplicates_spec spec;
        spec.connection = rollcheck_test::socket_spec();
        spec.table = table_ref{"public", name};
        spec.key = {key};
        spec.scope_column = at;
        spec.since = window_start;
        const auto r = check_duplicates(spec);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK_THAT(r.summary, Catch::StartsWith("1 duplicated id) FROM x; -- value (1 excess row) "
                                                "in public.\"dup \"\"win\"\"; DROP TABLE x; --\""));
        CHECK_THAT(r.evidence.items().at(0).text,
                   Catch::StartsWith("id) FROM x; --=a: 2 rows, 1 old and 1 new; old copy: at\"; "
                                     "DROP TABLE y; -- 2026-11-01 "));
        CHECK(r.totals.at("key_index").is_null() == !indexed);
    }
    pqxx::work w(c);
    w.exec("DROP TABLE " + w.quote_name(name));
    w.commit();
}

TEST_CASE("a view is checked too, though its rows have no ctid and its indexes are its tables'") {
    const auto base =
        make_table(std::string(rescored_ddl) + "CREATE INDEX ON {0} (submission_id);");
    const auto view = make_table(fmt::format("CREATE VIEW {{0}} AS SELECT * FROM {}", base));
    const auto r = check_duplicates(since_spec(view, {"submission_id"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          fmt::format("1 duplicated submission_id value (1 excess row) in public.{}: the keys of "
                      "51 rows with created_at >= 2026-11-28 09:00:00+00, each looked up in the "
                      "whole table",
                      view));
    const auto& item = r.evidence.items().at(0);
    CHECK_THAT(item.text, !Catch::Contains("ctid"));
    CHECK_FALSE(item.data.at("old_copies").at(0).contains("ctid"));
}

TEST_CASE("a key of a type without equality is an error that says so, never a pass") {
    const auto table =
        make_table("CREATE TABLE {0} (doc json, created_at timestamptz DEFAULT now());"
                   "INSERT INTO {0} (doc) VALUES ('{{\"a\": 1}}'), ('{{\"a\": 1}}')");
    auto spec = spec_for(table, {"doc"});
    const auto expected =
        fmt::format("the doc values of public.{} cannot be compared, so no duplicate can be "
                    "found: could not identify an equality operator for type json (a key needs "
                    "a type with equality; check a view that casts the column, e.g. to text or "
                    "jsonb)",
                    table);
    CHECK(check_duplicates(spec).summary == expected);
    spec.scope_column = "created_at";
    spec.within = 1h;
    const auto windowed = check_duplicates(spec);
    CHECK_VERDICT(windowed, verdict::error);
    CHECK(windowed.summary == expected);
    spec.only_within_window = true;
    CHECK(check_duplicates(spec).summary == expected);
}
