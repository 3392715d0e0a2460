// The connection every db verifier uses: libpq's ways of naming a server,
// rollcheck's defaults, read-only transactions, names kept as names and
// DSNs shown masked.
#include <cstdlib>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/postgres.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using rollcheck_test::postgres;

namespace {

/// Sets an environment variable for the scope of a test.
class scoped_env {
public:
    scoped_env(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~scoped_env() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

/// A check that reads one setting through the connection `spec` describes.
check_result show_setting(const connection_spec& spec, const std::string& setting) {
    return db_check("db.probe", spec, "settings", [&](pg_session& s) {
        return s.read([&](pqxx::read_transaction& tx) {
            const auto value = tx.exec_params1("SELECT current_setting($1)", setting)[0];
            return check_result::pass("db.probe", value.as<std::string>());
        });
    });
}

} // namespace

TEST_CASE("a DSN, a URI, the PG* environment, .pgpass and service= all reach the server") {
    const auto& pg = postgres();
    connection_spec spec;
    SECTION("key=value DSN") {
        spec.dsn = pg.tcp_conninfo("postgres", pg.password);
        REQUIRE_VERIFIED(show_setting(spec, "server_version_num"));
    }
    SECTION("URI") {
        spec.dsn =
            fmt::format("postgresql://postgres:{}@127.0.0.1:{}/postgres", pg.password, pg.port);
        REQUIRE_VERIFIED(show_setting(spec, "server_version_num"));
    }
    SECTION("empty DSN and the PG* environment") {
        const scoped_env host("PGHOST", "127.0.0.1"), port("PGPORT", std::to_string(pg.port)),
            user("PGUSER", "postgres"), password("PGPASSWORD", pg.password);
        REQUIRE_VERIFIED(show_setting(spec, "server_version_num"));
    }
    SECTION(".pgpass supplies the password") {
        rollcheck_test::temp_dir dir;
        const auto file =
            dir.write("pgpass", fmt::format("127.0.0.1:{}:*:postgres:{}\n", pg.port, pg.password));
        std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_write);
        const scoped_env passfile("PGPASSFILE", file.string());
        spec.dsn = fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", pg.port);
        REQUIRE_VERIFIED(show_setting(spec, "server_version_num"));
    }
    SECTION("service= from a service file") {
        rollcheck_test::temp_dir dir;
        const auto file =
            dir.write("pg_service.conf",
                      fmt::format("[rollcheck_test]\nhost=127.0.0.1\nport={}\nuser=postgres\n"
                                  "password={}\ndbname=postgres\n",
                                  pg.port, pg.password));
        const scoped_env services("PGSERVICEFILE", file.string());
        spec.dsn = "service=rollcheck_test";
        REQUIRE_VERIFIED(show_setting(spec, "server_version_num"));
    }
}

TEST_CASE("application_name is rollcheck unless the DSN or PGAPPNAME says otherwise") {
    auto spec = rollcheck_test::socket_spec();
    CHECK(show_setting(spec, "application_name").summary == "rollcheck");
    {
        const scoped_env app("PGAPPNAME", "from-env");
        CHECK(show_setting(spec, "application_name").summary == "from-env");
    }
    spec.dsn += " application_name=nightly-gate";
    CHECK(show_setting(spec, "application_name").summary == "nightly-gate");
}

TEST_CASE("every query runs in a READ ONLY transaction with the statement timeout set locally") {
    auto spec = rollcheck_test::socket_spec();
    spec.statement_timeout = std::chrono::milliseconds(1500);
    CHECK(show_setting(spec, "transaction_read_only").summary == "on");
    CHECK(show_setting(spec, "statement_timeout").summary == "1500ms");

    const auto after = db_check("db.probe", spec, "settings", [](pg_session& s) {
        (void)s.read([](pqxx::read_transaction&) { return 0; });
        pqxx::nontransaction tx(s.connection());
        return check_result::pass("db.probe", tx.exec1("SHOW statement_timeout")[0].c_str());
    });
    CHECK(after.summary == "0");
}

TEST_CASE("the connect timeout defaults to 5 s and yields to the DSN's connect_timeout") {
    connection_spec spec;
    spec.dsn = "host=db.example port=6543";
    CHECK_THAT(detail::build_conninfo(spec), Catch::Contains("connect_timeout=5 "));
    spec.connect_timeout = std::chrono::milliseconds(500);
    CHECK_THAT(detail::build_conninfo(spec), Catch::Contains("connect_timeout=2 "));
    spec.dsn += " connect_timeout=11";
    CHECK_THAT(detail::build_conninfo(spec), Catch::Contains("connect_timeout='11'"));
    CHECK_THAT(detail::build_conninfo(spec), !Catch::Contains("connect_timeout=2"));
}

TEST_CASE("TCP connections keep alive (10 s idle, 5 s apart, 3 probes) unless the DSN says") {
    const auto socket_option = [](pg_session& s, int level, int name) {
        int value = -1;
        socklen_t length = sizeof value;
        REQUIRE(::getsockopt(s.connection().sock(), level, name, &value, &length) == 0);
        return value;
    };
    auto spec = rollcheck_test::tcp_spec();
    {
        pg_session s(spec);
        CHECK(socket_option(s, SOL_SOCKET, SO_KEEPALIVE) == 1);
        CHECK(socket_option(s, IPPROTO_TCP, TCP_KEEPIDLE) == 10);
        CHECK(socket_option(s, IPPROTO_TCP, TCP_KEEPINTVL) == 5);
        CHECK(socket_option(s, IPPROTO_TCP, TCP_KEEPCNT) == 3);
    }
    spec.dsn += " keepalives_idle=42";
    pg_session s(spec);
    CHECK(socket_option(s, IPPROTO_TCP, TCP_KEEPIDLE) == 42);
    CHECK(socket_option(s, IPPROTO_TCP, TCP_KEEPCNT) == 3);
}

TEST_CASE("DSNs are shown with their passwords masked, in every form libpq accepts") {
    CHECK(mask_dsn("host=db password=s3cret user=app") == "host=db password=*** user=app");
    CHECK(mask_dsn("host=db password = 's3 cr\\'et' user=app") ==
          "host=db password = *** user=app");
    CHECK(mask_dsn("postgresql://app:s3cret@db:5432/app") == "postgresql://app:***@db:5432/app");
    CHECK(mask_dsn("postgres://app:s3cret@db/app?password=other&sslmode=require") ==
          "postgres://app:***@db/app?password=***&sslmode=require");
    CHECK(mask_dsn("postgresql://app@db/app") == "postgresql://app@db/app");
}

TEST_CASE("messages are scrubbed of the DSN's password and PGPASSWORD wherever they appear") {
    connection_spec spec;
    spec.dsn = "host=db user=app password=Tr0ub4dor";
    const scoped_env env("PGPASSWORD", "correct-horse");
    CHECK(detail::scrub("said Tr0ub4dor and correct-horse twice: Tr0ub4dor", spec) ==
          "said *** and *** twice: ***");
}

TEST_CASE("an unparsable DSN is an error that does not echo its tokens") {
    connection_spec spec;
    spec.dsn = "host=db password=two words";
    const auto r = show_setting(spec, "server_version_num");
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("the connection string is not valid"));
    CHECK_THAT(r.summary, !Catch::Contains("words"));
}

TEST_CASE("table names split at one dot, keep case and accept double-quoted parts") {
    CHECK(table_ref::parse("opportunities").schema.empty());
    CHECK(table_ref::parse("Public.MixedCase").schema == "Public");
    CHECK(table_ref::parse("Public.MixedCase").name == "MixedCase");
    const auto dotted = table_ref::parse(R"("my.schema"."a ""b"".c")");
    CHECK(dotted.schema == "my.schema");
    CHECK(dotted.name == R"(a "b".c)");
    CHECK(dotted.display() == R"("my.schema"."a ""b"".c")");
    CHECK_THROWS_WITH(table_ref::parse("a.b.c"),
                      Catch::StartsWith("table name 'a.b.c' has 2 dots: give the schema"));
    CHECK_THROWS_WITH(table_ref::parse("\"open"), Catch::Contains("unterminated double quote"));
    CHECK_THROWS_WITH(table_ref::parse("s."), Catch::Contains("an empty part"));
}
