// Recent writes and freshness against real tables, on the server's clock,
// run as a role that may only read.
#include <thread>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/freshness.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::make_table;

namespace {

/// 100 rows, one every 5 minutes back from the server's now() (the newest
/// 1 minute old), and 2 rows dated tomorrow.
const char* const events_ddl =
    "CREATE TABLE {0} (id serial, created_at timestamptz);"
    "INSERT INTO {0} (created_at) SELECT now() - interval '1 minute' - k * interval '5 minutes'"
    " FROM generate_series(0, 99) k;"
    "INSERT INTO {0} (created_at) VALUES (now() + interval '1 day'), (now() + interval '1 day')";

recent_writes_spec recent_on(const std::string& table) {
    recent_writes_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"", table};
    spec.column = "created_at";
    return spec;
}

freshness_spec freshness_on(const std::string& table) {
    freshness_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"", table};
    spec.column = "created_at";
    return spec;
}

} // namespace

TEST_CASE(
    "recent writes count the rows within the window, and say the newest and the future ones") {
    const auto table = make_table(events_ddl);
    auto spec = recent_on(table);
    spec.within = 1h; // 1, 6, …, 56 minutes old: 12 rows
    const auto r = check_recent_writes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == fmt::format("12 rows in {} with created_at within 1h of the server's now() "
                                   "(at least 1 expected)",
                                   table));
    CHECK(r.totals.at("count") == 12);
    CHECK(r.totals.at("future_rows") == 2);
    REQUIRE(r.evidence.items().size() == 2);
    CHECK_THAT(r.evidence.items()[0].text, Catch::Matches("newest created_at is .* \\(1m ago\\)"));
    CHECK(r.evidence.items()[1].text ==
          "2 rows have created_at after the server's now() (not counted)");
    CHECK(r.totals.at("newest") == r.evidence.items()[0].data.at("newest"));
    CHECK(std::abs(r.totals.at("clock_skew_s").get<double>()) < 5);
}

TEST_CASE("recent writes fail below min or above max") {
    const auto table = make_table(events_ddl);
    auto spec = recent_on(table);
    spec.within = 1h;
    spec.min = 13;
    auto r = check_recent_writes(spec);
    CHECK_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::StartsWith("12 rows in ") && Catch::EndsWith("(at least 13 expected)"));
    spec.min = 1;
    spec.max = 11;
    r = check_recent_writes(spec);
    CHECK_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("(1 to 11 expected)"));
    spec.max = 12;
    CHECK_VERDICT(check_recent_writes(spec), verdict::pass);
}

TEST_CASE("recent writes since an instant count back to it, measured when the check runs") {
    // Rows 2 s and 20 s old on the server's clock; the window opens 10 s
    // back on the host's (the same clock here: one machine).
    const auto table = make_table("CREATE TABLE {0} (created_at timestamptz);"
                                  "INSERT INTO {0} VALUES (now() - interval '2 seconds'),"
                                  " (now() - interval '20 seconds')");
    auto spec = recent_on(table);
    spec.within = 1s; // ignored once since is given
    spec.since = std::chrono::system_clock::now() - 10s;
    auto r = check_recent_writes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.totals.at("count") == 1);
    CHECK(r.totals.at("within_s").get<double>() >= 10);

    // The same instant 1.5 s later still reaches back to it: the window
    // grows with the wait, its start does not move.
    std::this_thread::sleep_for(1500ms);
    r = check_recent_writes(spec);
    CHECK(r.totals.at("count") == 1);
    CHECK(r.totals.at("within_s").get<double>() >= 11.5);

    spec.since = std::chrono::system_clock::now() + 1h; // in the future: a 1 ms window
    r = check_recent_writes(spec);
    CHECK_VERDICT(r, verdict::fail);
    CHECK(r.totals.at("within_s").get<double>() == 0.001);
}

TEST_CASE("an empty window names the newest row outside it, and an empty table says so") {
    const auto stale =
        make_table("CREATE TABLE {0} (created_at timestamp);"
                   "INSERT INTO {0} VALUES (localtimestamp - interval '3 hours 10 minutes')");
    auto r = check_recent_writes(recent_on(stale));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("0 rows in " + stale));
    REQUIRE(r.evidence.items().size() == 1);
    CHECK_THAT(r.evidence.items()[0].text, Catch::EndsWith("(3h 10m ago)"));

    const auto empty = make_table("CREATE TABLE {0} (created_at timestamptz)");
    r = check_recent_writes(recent_on(empty));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("; the table has no rows with a value in created_at"));
    CHECK(r.totals.at("newest").is_null());
}

TEST_CASE("freshness compares the newest row's age with warn_after and error_after") {
    const auto table = make_table("CREATE TABLE {0} (created_at timestamptz);"
                                  "INSERT INTO {0} VALUES (now() - interval '40 minutes'),"
                                  " (now() - interval '2 days')");
    auto spec = freshness_on(table);
    spec.warn_after = 1h;
    spec.error_after = 2h;
    auto r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::Matches("newest created_at in " + table +
                                         " is 40m old \\(.*\\), within warn_after 1h"));
    spec.warn_after = 30min;
    r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::warn);
    CHECK_THAT(r.summary, Catch::EndsWith("older than warn_after 30m"));
    spec.error_after = 35min;
    r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("older than error_after 35m"));
    CHECK(r.totals.at("age_s").get<double>() == Approx(2400).margin(30));
    CHECK_THAT(r.evidence.items()[0].text, Catch::EndsWith("(40m ago)"));
}

TEST_CASE("freshness on no rows is an error unless the spec allows empty") {
    const auto empty = make_table("CREATE TABLE {0} (created_at timestamptz)");
    auto spec = freshness_on(empty);
    spec.error_after = 1h;
    auto r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          empty + " has no rows: an empty table is not fresh (allow empty to accept it)");
    spec.allow_empty = true;
    r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == empty + " has no rows (the spec allows it)");

    const auto nulls =
        make_table("CREATE TABLE {0} (created_at timestamptz); INSERT INTO {0} VALUES (NULL)");
    spec = freshness_on(nulls);
    spec.error_after = 1h;
    r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("no row of " + nulls + " has a value in created_at"));
}

TEST_CASE("a missing timestamp column and a bad spec are errors that say so") {
    const auto table = make_table("CREATE TABLE {0} (created_at timestamptz)");
    auto spec = freshness_on(table);
    spec.column = "updated_at";
    spec.warn_after = 1h;
    auto r = check_freshness(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::StartsWith("column not found in table " + table + " on host 127.0.0.1") &&
                   Catch::Contains("updated_at"));
    spec.warn_after.reset();
    CHECK(check_freshness(spec).summary ==
          "invalid freshness check: give warn_after, error_after or both");
    auto recent = recent_on(table);
    recent.max = 0;
    CHECK(check_recent_writes(recent).summary == "invalid recent-writes check: max is below min");
}
