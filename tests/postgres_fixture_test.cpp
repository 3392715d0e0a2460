// The throwaway cluster that every database test uses answers real queries.
#include <catch2/catch.hpp>

#include "pg_admin.hpp"

using rollcheck_test::postgres;

TEST_CASE("the fixture's server answers a real query over its unix socket") {
    pqxx::connection c(postgres().conninfo());
    pqxx::read_transaction tx(c);
    const auto version = tx.exec1("SHOW server_version_num")[0].as<int>();
    CHECK(version >= 150000);
    CHECK(version < 160000);
    CHECK(tx.exec1("SELECT 6 * 7")[0].as<int>() == 42);
}

TEST_CASE("the fixture's server checks passwords over TCP") {
    const auto& pg = postgres();
    pqxx::connection ok(pg.tcp_conninfo("postgres", pg.password));
    CHECK(ok.is_open());
    CHECK_THROWS_WITH(pqxx::connection(pg.tcp_conninfo("postgres", "wrong-password")),
                      Catch::Contains("password authentication failed"));
}

TEST_CASE("tests can create and read their own tables") {
    const auto table = rollcheck_test::unique_name("fixture_probe");
    rollcheck_test::admin_exec(fmt::format(
        "CREATE TABLE {0} (id int); INSERT INTO {0} SELECT generate_series(1, 1000)", table));
    pqxx::connection c(postgres().conninfo());
    pqxx::read_transaction tx(c);
    CHECK(tx.exec1("SELECT count(*) FROM " + tx.quote_name(table))[0].as<int>() == 1000);
}
