// Faults against the real server: hostile names, statement timeouts, a
// server that is down or silent, wrong passwords, missing objects. Each is
// an error result, on time, naming where it happened and never a password.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/duplicates.hpp>

#include "db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::postgres;

// libpqxx 6.4 does not free the PGresult of a COMMIT whose connection broke
// (the in_doubt_error path); LeakSanitizer must not blame rollcheck for it.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:PQmakeEmptyPGresult\n";
}

namespace {

/// A TCP socket on 127.0.0.1 bound to a port the kernel chose; listening
/// (the kernel completes handshakes, nobody ever answers) or not.
class local_socket {
public:
    explicit local_socket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof addr;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
        port_ = ntohs(addr.sin_port);
        if (listening) REQUIRE(::listen(fd_, 16) == 0);
    }
    ~local_socket() { ::close(fd_); }
    local_socket(const local_socket&) = delete;
    local_socket& operator=(const local_socket&) = delete;

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] int fd() const { return fd_; }

private:
    int fd_;
    int port_ = 0;
};

/// A process stopped with SIGSTOP for the scope, then let go.
class stopped_process {
public:
    explicit stopped_process(int pid) : pid_(pid) { REQUIRE(::kill(pid_, SIGSTOP) == 0); }
    ~stopped_process() { ::kill(pid_, SIGCONT); }
    stopped_process(const stopped_process&) = delete;
    stopped_process& operator=(const stopped_process&) = delete;

private:
    int pid_;
};

/// Relays one client to the fixture's server and drops both connections
/// the moment the client sends COMMIT: a server lost during the commit.
class commit_cutter {
public:
    commit_cutter() : thread_([this] { relay(); }) {}
    ~commit_cutter() { thread_.join(); }
    commit_cutter(const commit_cutter&) = delete;
    commit_cutter& operator=(const commit_cutter&) = delete;

    [[nodiscard]] int port() const { return listener_.port(); }

private:
    void relay() {
        const int client = ::accept(listener_.fd(), nullptr, nullptr);
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(postgres().port));
        if (client >= 0 && ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            forward(client, server);
        ::close(server);
        if (client >= 0) ::close(client);
    }
    static void forward(int client, int server) {
        pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
        char buffer[8192];
        while (::poll(fds, 2, 10000) > 0) {
            for (int i = 0; i < 2; ++i) {
                if (fds[i].revents == 0) continue;
                const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
                if (n <= 0) return;
                if (i == 0 && std::string(buffer, static_cast<std::size_t>(n)).find("COMMIT") !=
                                  std::string::npos)
                    return;
                if (::write(fds[1 - i].fd, buffer, static_cast<std::size_t>(n)) != n) return;
            }
        }
    }

    local_socket listener_{true};
    std::thread thread_;
};

duplicates_spec duplicates_on(const connection_spec& connection, const table_ref& table,
                              std::vector<std::string> key = {"id"}) {
    duplicates_spec spec;
    spec.connection = connection;
    spec.table = table;
    spec.key = std::move(key);
    return spec;
}

/// No form of the result shows `secret`.
void require_no_secret(const check_result& r, const std::string& secret) {
    INFO("result: " << fmt::format("{}", r));
    CHECK_THAT(fmt::format("{}", r), !Catch::Contains(secret));
    CHECK_THAT(to_json(r).dump(), !Catch::Contains(secret));
}

} // namespace

TEST_CASE("hostile identifiers are names: they find no table, say so, and run nothing") {
    const auto victim =
        rollcheck_test::make_table("CREATE TABLE {0} (id int); INSERT INTO {0} VALUES (1)");
    const std::vector<std::string> hostile{"MixedCase",
                                           "with space",
                                           "quo\"te",
                                           "dotted.name",
                                           victim + "; DROP TABLE " + victim,
                                           victim + "\" ; DROP TABLE " + victim + "; --"};
    for (const auto& name : hostile) {
        const auto r =
            check_duplicates(duplicates_on(rollcheck_test::socket_spec(), {"public", name}));
        REQUIRE_VERDICT(r, verdict::error);
        CHECK_THAT(r.summary, Catch::StartsWith("table " + table_ref{"public", name}.display() +
                                                " not found in host "));
        CHECK_THAT(r.summary, Catch::Contains("does not exist"));
    }
    // A hostile key column is a missing column, not SQL.
    const auto r = check_duplicates(duplicates_on(rollcheck_test::socket_spec(), {"", victim},
                                                  {"id) FROM x; DROP TABLE y; --"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("column not found in table " + victim));
    // The table is still there, untouched.
    pqxx::connection c(postgres().conninfo());
    pqxx::read_transaction tx(c);
    CHECK(tx.exec1("SELECT count(*) FROM " + victim)[0].as<int>() == 1);
}

TEST_CASE("a table whose name holds capitals, spaces, quotes and dots is found when it exists") {
    const std::string name = "Odd \"Name\".v2";
    rollcheck_test::admin_exec("CREATE TABLE IF NOT EXISTS \"Odd \"\"Name\"\".v2\" (id int); "
                               "TRUNCATE \"Odd \"\"Name\"\".v2\"; "
                               "INSERT INTO \"Odd \"\"Name\"\".v2\" VALUES (1), (2), (2)");
    const auto r = check_duplicates(duplicates_on(rollcheck_test::socket_spec(), {"public", name}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 duplicated id value (1 excess row) in public.\"Odd \"\"Name\"\".v2\"");
    CHECK(table_ref::parse(R"(public."Odd ""Name"".v2")").name == name);
}

TEST_CASE("a query beyond the statement timeout is an error naming the timeout, on time") {
    const auto slow =
        rollcheck_test::make_table("CREATE VIEW {0} AS SELECT 1 AS id FROM pg_sleep(20)");
    auto connection = rollcheck_test::socket_spec();
    connection.statement_timeout = 1s;
    const auto started = std::chrono::steady_clock::now();
    const auto r = check_duplicates(duplicates_on(connection, {"", slow}));
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("statement timeout of 1 s reached while checking " +
                                            slow + " on host "));
    CHECK(took < 2s);
}

TEST_CASE("a server that stops answering is cut off at the deadline, and the error says so") {
    const auto table = rollcheck_test::make_table("CREATE TABLE {0} (id int)");
    auto connection = rollcheck_test::tcp_spec();
    connection.deadline = 2s;
    std::optional<stopped_process> backend;
    const auto started = std::chrono::steady_clock::now();
    const auto r = db_check("db.probe", connection, table, [&](pg_session& s) {
        const int pid = s.read([](pqxx::read_transaction& tx) {
            return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
        });
        backend.emplace(pid); // the server process hangs: no statement timeout will come
        return s.read([&](pqxx::read_transaction& tx) {
            tx.exec("SELECT count(*) FROM " + table);
            return check_result::pass("db.probe", "answered");
        });
    });
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("no answer from host 127.0.0.1 port {} database postgres "
                                   "within the deadline of 2 s while checking {}: the "
                                   "connection was cut",
                                   postgres().port, table));
    CHECK(took >= 2s);
    CHECK(took < 4s);
    require_no_secret(r, postgres().password);
}

TEST_CASE("the deadline bounds each transaction, not the whole check") {
    auto connection = rollcheck_test::socket_spec();
    connection.deadline = 1500ms;
    const auto r = db_check("db.probe", connection, "pg_sleep", [](pg_session& s) {
        for (int i = 0; i < 3; ++i)
            (void)s.read(
                [](pqxx::read_transaction& tx) { return tx.exec("SELECT pg_sleep(0.6)"); });
        return check_result::pass("db.probe", "three transactions of 0.6 s");
    });
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.elapsed >= 1800ms);
}

TEST_CASE("a server that is down is an error at once, naming host, port and database") {
    const local_socket bound(false); // bound, not listening: refused, and no one else takes it
    const int port = bound.port();
    connection_spec connection;
    connection.dsn =
        fmt::format("host=127.0.0.1 port={} dbname=app user=app password=hunter2x", port);
    const auto started = std::chrono::steady_clock::now();
    const auto r = check_duplicates(duplicates_on(connection, {"public", "t"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(std::chrono::steady_clock::now() - started < connection.connect_timeout + 1s);
    CHECK_THAT(r.summary,
               Catch::StartsWith(fmt::format(
                   "cannot connect to host 127.0.0.1 port {} database app as user app: ", port)));
    CHECK_THAT(r.summary, Catch::Contains("Connection refused"));
    require_no_secret(r, "hunter2x");
}

TEST_CASE("a listener that accepts but never answers is an error within connect_timeout + 1 s") {
    local_socket silent(true);
    connection_spec connection;
    connection.dsn = fmt::format("postgresql://app:hunter2x@127.0.0.1:{}/app", silent.port());
    // libpq counts it in whole seconds of the wall clock: it waits (N - 1, N] s.
    connection.connect_timeout = 3s;
    const auto started = std::chrono::steady_clock::now();
    const auto r = check_duplicates(duplicates_on(connection, {"public", "t"}));
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(took >= 2s);
    CHECK(took < 4s);
    CHECK_THAT(r.summary, Catch::StartsWith(fmt::format(
                              "cannot connect to host 127.0.0.1 port {} database app as user app: ",
                              silent.port())));
    CHECK_THAT(r.summary, Catch::Contains("timeout expired"));
    require_no_secret(r, "hunter2x");
}

TEST_CASE("a connection lost during the commit is an error saying the commit broke") {
    const auto table = rollcheck_test::make_table("CREATE TABLE {0} (id int)");
    commit_cutter cutter;
    connection_spec connection;
    connection.dsn = fmt::format("host=127.0.0.1 port={} user=postgres password={} dbname=postgres "
                                 "sslmode=disable",
                                 cutter.port(), postgres().password);
    const auto r = check_duplicates(duplicates_on(connection, {"", table}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(fmt::format(
                              "the connection to host 127.0.0.1 port {} database postgres broke "
                              "while committing the read-only check of {}: ",
                              cutter.port(), table)));
    require_no_secret(r, postgres().password);
}

TEST_CASE("a wrong password is an error that names the user and not the password") {
    connection_spec connection;
    connection.dsn = postgres().tcp_conninfo("postgres", "Wr0ng-Passw0rd");
    const auto r = check_duplicates(duplicates_on(connection, {"public", "t"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          fmt::format("cannot connect to host 127.0.0.1 port {} database postgres as user "
                      "postgres: password authentication failed (the password is not shown)",
                      postgres().port));
    require_no_secret(r, "Wr0ng-Passw0rd");
}

TEST_CASE("a role without SELECT on the table is an error naming the user and the table") {
    const auto granted = rollcheck_test::make_table("CREATE TABLE {0} (id int)");
    const auto hidden = rollcheck_test::make_table("CREATE TABLE {0} (id int)");
    const auto reader = rollcheck_test::reader_spec(granted);
    const auto r = check_duplicates(duplicates_on(reader, {"", hidden}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("user reader_"));
    CHECK_THAT(r.summary, Catch::Contains("may not read " + hidden + " on host 127.0.0.1"));
    CHECK_THAT(r.summary, Catch::Contains("permission denied"));
}

TEST_CASE("the read-only role the verifier tests use cannot write") {
    const auto table = rollcheck_test::make_table("CREATE TABLE {0} (id int)");
    pqxx::connection c(rollcheck_test::reader_spec(table).dsn);
    pqxx::work w(c);
    CHECK_THROWS_WITH(w.exec("INSERT INTO " + table + " VALUES (1)"),
                      Catch::Contains("read-only transaction"));
}
