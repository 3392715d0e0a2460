// `rollcheck db duplicates|recent|freshness` run as a program: its JSON
// agrees with plain SQL, exit statuses, --help, and no password in any output.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <rollcheck/command.hpp>

#include "db_test_support.hpp"
#include "run_program.hpp"

using namespace rollcheck;
using rollcheck_test::make_table;
using rollcheck_test::postgres;

namespace {

struct cli_run {
    int status = -1;
    std::string out;
    std::string err;
};

cli_run rollcheck_cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    const auto r = rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args),
                                               std::chrono::seconds(60), std::move(env));
    REQUIRE(r.status == command_status::exited);
    return {r.exit_code, r.out.text(), r.err.text()};
}

const char* const submissions_ddl =
    "CREATE TABLE {0} (submission_id text, created_at timestamptz DEFAULT now());"
    "INSERT INTO {0} (submission_id) SELECT 't3_' || (k % 900) FROM generate_series(1, 1000) k;"
    "INSERT INTO {0} (submission_id) VALUES (NULL), (NULL), ('t3_5')";

} // namespace

TEST_CASE("db duplicates --json lists exactly the keys GROUP BY key HAVING count(*) > 1 lists") {
    const auto table = make_table(submissions_ddl);
    const auto run = rollcheck_cli(
        {"db", "duplicates", "--dsn", rollcheck_test::reader_spec(table).dsn, "--table",
         "public." + table, "--key", "submission_id", "--json", "--show", "all"});
    CHECK(run.status == 1);
    const auto result = nlohmann::json::parse(run.out);
    CHECK(result.at("check") == "db.duplicates");
    CHECK(result.at("verdict") == "fail");

    std::map<std::string, long long> listed, expected;
    for (const auto& item : result.at("evidence"))
        listed[item.at("key").at(0).get<std::string>()] = item.at("count").get<long long>();
    pqxx::connection c(postgres().conninfo());
    pqxx::read_transaction tx(c);
    long long null_group = 0;
    for (const auto& row : tx.exec("SELECT submission_id, count(*) FROM " + table +
                                   " GROUP BY submission_id HAVING count(*) > 1"))
        (row[0].is_null() ? null_group : expected[row[0].c_str()]) = row[1].as<long long>();
    CHECK(listed == expected);
    CHECK(listed.size() == 100);
    CHECK(listed.at("t3_5") == 3);
    CHECK(result.at("evidence").at(0) == nlohmann::json{{"key", {"t3_5"}}, {"count", 3}});
    CHECK(result.at("totals").at("null_key_rows") == null_group);
    CHECK(result.at("evidence_total") == 100);
}

TEST_CASE("db duplicates --within looks the window's keys up in the whole table, "
          "--only-within-window does not") {
    // A restarted job scored again a submission stored two days ago.
    const auto table = make_table(
        "CREATE TABLE {0} (submission_id text, created_at timestamptz);"
        "INSERT INTO {0} SELECT 't3_' || k, now() - interval '2 days' FROM generate_series(1, 99) "
        "k;"
        "INSERT INTO {0} VALUES ('t3_42', now() - interval '5 minutes'), ('t3_new', now());"
        "CREATE INDEX ON {0} (submission_id); CREATE INDEX ON {0} (created_at)");
    const std::vector<std::string> args{
        "db",       "duplicates", "--dsn",    rollcheck_test::reader_spec(table).dsn,
        "--table",  table,        "--key",    "submission_id",
        "--column", "created_at", "--within", "1h"};
    const auto against_table = rollcheck_cli(args);
    CHECK(against_table.status == 1);
    CHECK_THAT(against_table.out,
               Catch::StartsWith(fmt::format(
                   "FAIL db.duplicates: 1 duplicated submission_id value (1 excess row) in {}: the "
                   "keys of 2 rows with created_at within 1h of the server's now(), each looked "
                   "up in the whole table (",
                   table)));
    CHECK_THAT(against_table.out,
               Catch::Contains("\n  - submission_id=t3_42: 2 rows, 1 old and 1 new; old copy: "
                               "created_at "));

    auto window_only = args;
    window_only.push_back("--only-within-window");
    const auto alone = rollcheck_cli(window_only);
    CHECK(alone.status == 0);
    CHECK_THAT(alone.out,
               Catch::StartsWith(fmt::format(
                   "PASS db.duplicates: no duplicated submission_id in {} among rows with "
                   "created_at within 1h of the server's now(), grouped among themselves only "
                   "(older rows not compared) (",
                   table)));

    const auto no_window =
        rollcheck_cli({"db", "duplicates", "--table", table, "--key", "k", "--only-within-window"});
    CHECK(no_window.status == 2);
    CHECK_THAT(no_window.err, Catch::Contains("--only-within-window requires --column"));
}

TEST_CASE("exit status: 0 pass, 1 fail, 2 error and bad arguments, each with a message") {
    const auto table = make_table(submissions_ddl);
    const std::string dsn = postgres().conninfo();
    const auto pass = rollcheck_cli({"db", "recent", "--dsn", dsn, "--table", table, "--column",
                                     "created_at", "--within", "1h"});
    CHECK(pass.status == 0);
    CHECK(pass.out.rfind("PASS db.recent: 1003 rows in " + table, 0) == 0);
    const auto since = rollcheck_cli({"db", "recent", "--dsn", dsn, "--table", table, "--column",
                                      "created_at", "--since", "1h", "--json"});
    CHECK(since.status == 0);
    CHECK(nlohmann::json::parse(since.out).at("totals").at("count") == 1003);
    const auto both = rollcheck_cli({"db", "recent", "--table", table, "--column", "created_at",
                                     "--since", "1h", "--within", "1h"});
    CHECK(both.status == 2);
    CHECK_THAT(both.err, Catch::Contains("--within excludes --since"));
    const auto fail = rollcheck_cli({"db", "freshness", "--dsn", dsn, "--table", table, "--column",
                                     "created_at", "--error-after", "0s"});
    CHECK(fail.status == 1);
    CHECK_THAT(fail.out, Catch::StartsWith("FAIL db.freshness: newest created_at in " + table));
    const auto missing =
        rollcheck_cli({"db", "duplicates", "--dsn", dsn, "--table", "no_such_table", "--key", "k"});
    CHECK(missing.status == 2);
    CHECK_THAT(missing.out,
               Catch::StartsWith("ERROR db.duplicates: table no_such_table not found in host "));
    const auto bad_duration =
        rollcheck_cli({"db", "recent", "--table", table, "--column", "c", "--within", "5x"});
    CHECK(bad_duration.status == 2);
    CHECK_THAT(bad_duration.err, Catch::Contains("'5x': unknown unit 'x'"));
    const auto no_key = rollcheck_cli({"db", "duplicates", "--table", table});
    CHECK(no_key.status == 2);
    CHECK_THAT(no_key.err, Catch::Contains("--key is required"));
    const auto dots = rollcheck_cli({"db", "duplicates", "--table", "a.b.c", "--key", "k"});
    CHECK(dots.status == 2);
    CHECK_THAT(dots.err, Catch::Contains("table name 'a.b.c' has 2 dots"));
}

TEST_CASE("each db subcommand has --help") {
    for (const std::string command : {"duplicates", "recent", "freshness"}) {
        const auto help = rollcheck_cli({"db", command, "--help"});
        CHECK(help.status == 0);
        CHECK_THAT(help.out, Catch::Contains("--dsn") && Catch::Contains("--table") &&
                                 Catch::Contains("--json") &&
                                 Catch::Contains("--statement-timeout"));
    }
}

TEST_CASE("rollcheck runs its db commands as rollcheck-db, and names it when it is missing") {
    // LD_DEBUG=files: the loader names each library it loads, on stderr.
    const auto help = rollcheck_cli({"db", "--help"}, {{"LD_DEBUG", "files"}});
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("Usage: rollcheck db") && Catch::Contains("duplicates") &&
                             Catch::Contains("backup"));
    // Two programs ran: rollcheck, which loaded no libpq, then rollcheck-db.
    const auto second = help.err.find("transferring control");
    REQUIRE(second != std::string::npos);
    CHECK_THAT(help.err.substr(0, second), !Catch::Contains("libpq.so"));
    CHECK_THAT(help.err.substr(second), Catch::Contains("libpq.so"));
    // Options before `db` go with it.
    const auto quiet = rollcheck_cli({"-q", "db", "duplicates", "--help"});
    CHECK(quiet.status == 0);
    CHECK_THAT(quiet.out, Catch::Contains("Usage: rollcheck db duplicates"));

    // A copy of `rollcheck` alone, without the program beside it.
    rollcheck_test::temp_dir dir;
    const auto lone = dir.path() / "bin" / "rollcheck";
    std::filesystem::create_directories(lone.parent_path());
    std::filesystem::copy_file(ROLLCHECK_CLI, lone);
    const auto run = rollcheck_test::run_program(
        lone.string(), {"db", "duplicates", "--table", "t", "--key", "k"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(),
               Catch::Contains(
                   "the db commands are run by " +
                   (dir.path() / "libexec/rollcheck/rollcheck-db").lexically_normal().string()) &&
                   Catch::Contains("No such file or directory"));
    // Everything else still works.
    CHECK(rollcheck_test::run_program(lone.string(), {"--version"}).exit_code == 0);
}

TEST_CASE("a password in the DSN or PGPASSWORD appears in no output, in no mode") {
    const auto table = make_table(submissions_ddl);
    const auto& pg = postgres();
    const std::string wrong = "Wrong-Pass-7f3a";
    struct way {
        std::string dsn;
        std::map<std::string, std::string> env;
        std::string secret;
    };
    const std::vector<way> ways{
        {pg.tcp_conninfo("postgres", pg.password), {}, pg.password},
        {fmt::format("postgresql://postgres:{}@127.0.0.1:{}/postgres", pg.password, pg.port),
         {},
         pg.password},
        {fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", pg.port),
         {{"PGPASSWORD", pg.password}},
         pg.password},
        {pg.tcp_conninfo("postgres", wrong), {}, wrong},
        {fmt::format("postgresql://postgres:{}@127.0.0.1:{}/postgres", wrong, pg.port), {}, wrong},
        {fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", pg.port),
         {{"PGPASSWORD", wrong}},
         wrong}};
    const std::vector<std::vector<std::string>> checks{
        {"db", "duplicates", "--table", table, "--key", "submission_id"},
        {"db", "duplicates", "--table", "missing_" + table, "--key", "submission_id"},
        {"db", "recent", "--table", table, "--column", "created_at"},
        {"db", "freshness", "--table", table, "--column", "nope", "--warn-after", "1h"}};
    int errors = 0;
    for (const auto& w : ways)
        for (const auto& check : checks)
            for (const bool json : {false, true}) {
                auto args = check;
                args.insert(args.end(), {"--dsn", w.dsn});
                if (json) args.push_back("--json");
                const auto run = rollcheck_cli(args, w.env);
                INFO(fmt::format("{} {}", fmt::join(args, " "), json ? "(json)" : ""));
                CHECK_THAT(run.out + run.err, !Catch::Contains(w.secret));
                CHECK_FALSE(run.out.empty());
                errors += run.status == 2 ? 1 : 0;
            }
    // Every failing mode ran: wrong passwords (3 ways x 4 checks x 2 forms), and a missing
    // table and a missing column with the right password (3 ways x 2 x 2).
    CHECK(errors == 24 + 12);
}
