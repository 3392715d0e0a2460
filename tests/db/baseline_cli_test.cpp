// `rollcheck db baseline|compare|backup` run as a program: exit statuses,
// --json, bad arguments, and no password in any output.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/command.hpp>

#include "baseline_support.hpp"
#include "run_program.hpp"

using namespace rollcheck;
using namespace rollcheck_test;

namespace {

/// Runs the rollcheck program with `args`; returns the finished run.
command_outcome run_rollcheck(const std::vector<std::string>& args) {
    auto run = rollcheck_test::run_program(ROLLCHECK_CLI, args, std::chrono::seconds(60));
    REQUIRE(run.status == command_status::exited);
    return run;
}

} // namespace

TEST_CASE("db baseline then db compare: exit 0 unchanged, 1 with lost rows named in JSON") {
    const auto table = make_keyed_table(2000);
    temp_dir dir;
    const auto dsn = tcp_spec().dsn;
    const auto file = (dir / "base.json").string();
    auto run = run_rollcheck({"db", "baseline", "--dsn", dsn, "--table", "public." + table, "--key",
                              "id", "--column", "created_at", "--out", file});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::StartsWith("PASS db.baseline: wrote " + file));

    run = run_rollcheck({"db", "compare", file, "--dsn", dsn});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::StartsWith("PASS db.compare: no rows lost since"));

    admin_exec(fmt::format("DELETE FROM {} WHERE id = 1234", table));
    run = run_rollcheck({"db", "compare", file, "--dsn", dsn, "--json"});
    CHECK(run.exit_code == 1);
    const auto j = nlohmann::json::parse(run.out.text());
    CHECK(j["check"] == "db.compare");
    CHECK(j["verdict"] == "fail");
    CHECK(j["totals"]["rows_lost"] == 1);
    CHECK(j["evidence"] ==
          nlohmann::json::parse(fmt::format(
              R"([{{"table": "public.{}", "change": "lost", "key": ["1234"]}}])", table)));
    for (const auto& text : {run.out.text(), run.err.text()})
        CHECK_THAT(text, !Catch::Contains(postgres().password));
}

TEST_CASE("db compare of a malformed file and db baseline of a missing table exit 2") {
    temp_dir dir;
    const auto file = dir.write("base.json", "{\"format\": \"something else\"}").string();
    auto run = run_rollcheck({"db", "compare", file, "--dsn", tcp_spec().dsn});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(),
               Catch::StartsWith(fmt::format("ERROR db.compare: baseline {}: format: not a "
                                             "rollcheck baseline (no \"format\": "
                                             "\"rollcheck-baseline\") (",
                                             file)));

    run = run_rollcheck({"db", "baseline", "--dsn", tcp_spec().dsn, "--table", "no_such_table",
                         "--key", "id", "--out", (dir / "b.json").string()});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(), Catch::StartsWith("ERROR db.baseline: table no_such_table not "
                                                 "found on host 127.0.0.1 port "));
    CHECK_THAT(run.out.text(), !Catch::Contains(postgres().password));

    run = run_rollcheck({"db", "baseline", "--table", "t", "--out", "x.json"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("--key is required"));
}

TEST_CASE("db backup: exit 0 for a good archive, 1 for a missing table, 2 for a bad name") {
    temp_dir dir;
    const auto table = make_keyed_table(10);
    const auto file = (dir / "t.dump").string();
    REQUIRE(pg_dump("postgres", file, "custom", {"--table=public." + table}));

    auto run = run_rollcheck({"db", "backup", file, "--table", table, "--max-age", "1h"});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::StartsWith("PASS db.backup: " + file));

    run = run_rollcheck({"db", "backup", file, "--table", table, "--table", "orders", "--json"});
    CHECK(run.exit_code == 1);
    const auto j = nlohmann::json::parse(run.out.text());
    CHECK(j["evidence"][0] == nlohmann::json{{"file", file},
                                             {"problem", "missing_table_data"},
                                             {"table", "public.orders"}});

    run = run_rollcheck({"db", "backup", file, "--table", "a.b.c"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("table name 'a.b.c' has 2 dots"));

    run = run_rollcheck({"db", "backup", file, "--max-age", "soon"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("'soon' is not a duration"));
}

TEST_CASE("db backup --restore-check: the archive check first, then the restore, one result") {
    temp_dir dir;
    const auto table = make_keyed_table(10);
    const auto file = (dir / "t.dump").string();
    REQUIRE(pg_dump("postgres", file, "custom", {"--table=public." + table}));

    auto run = run_rollcheck(
        {"db", "backup", file, "--table", table, "--restore-check", "--key", "id", "--json"});
    CHECK(run.exit_code == 0);
    auto j = nlohmann::json::parse(run.out.text());
    CHECK(j["check"] == "db.backup-restore");
    CHECK_THAT(j["summary"].get<std::string>(),
               Catch::Contains(fmt::format("public.{} 10 rows, no duplicated id", table)) &&
                   Catch::EndsWith("; db.backup passed before it"));
    CHECK(j["totals"]["archive_check"]["verdict"] == "pass");
    CHECK(j["totals"]["restore_s"].get<double>() > 0);

    // An archive the archive check fails is not restored.
    run = run_rollcheck({"db", "backup", file, "--table", "orders", "--restore-check"});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out.text(),
               Catch::StartsWith("FAIL db.backup: ") &&
                   Catch::Contains("holds no TABLE DATA for public.orders; the restore was not "
                                   "attempted"));

    run = run_rollcheck({"db", "backup", file, "--restore-check"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("--restore-check: needs --table"));
    run = run_rollcheck({"db", "backup", file, "--table", table, "--key", "id"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("--key requires --restore-check"));

    // A scratch DSN's password appears nowhere.
    run = run_rollcheck({"db", "backup", file, "--table", table, "--restore-check", "--scratch-dsn",
                         postgres().tcp_conninfo("postgres", postgres().password)});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(), Catch::Contains("is not empty") || Catch::Contains("already holds"));
    CHECK_THAT(run.out.text() + run.err.text(), !Catch::Contains(postgres().password));
}
