// Every verifier's summary when it counts exactly one thing reads "1 row",
// "1 process matches", never "1 rows": real tables on the fixture's server,
// real files, logs, crontabs, processes and interpreters.
#include <chrono>
#include <string>

#include <rollcheck/baseline.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/cron.hpp>
#include <rollcheck/duplicates.hpp>
#include <rollcheck/files.hpp>
#include <rollcheck/freshness.hpp>
#include <rollcheck/imports.hpp>
#include <rollcheck/log_scan.hpp>
#include <rollcheck/processes.hpp>

#include "code/code_support.hpp"
#include "db/db_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::make_table;
using rollcheck_test::temp_dir;

TEST_CASE("db.duplicates: one duplicated key, one excess row, one NULL key") {
    const auto table =
        make_table("CREATE TABLE {0} (k text); INSERT INTO {0} VALUES ('a'), ('a'), ('b'), (NULL)");
    duplicates_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"public", table};
    spec.key = {"k"};
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("1 duplicated k value (1 excess row) in public.{}; 1 row has a "
                                   "NULL in k and was not compared",
                                   table));
}

TEST_CASE("db.duplicates with a window: one row in it, repeating one older row's key") {
    const auto table =
        make_table("CREATE TABLE {0} (k text, at timestamptz); INSERT INTO {0} "
                   "VALUES ('a', '2026-11-01 00:00+00'), ('a', '2026-11-28 10:00+00');"
                   "CREATE INDEX ON {0} (k); CREATE INDEX ON {0} (at)");
    duplicates_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"public", table};
    spec.key = {"k"};
    spec.scope_column = "at";
    spec.since = "2026-11-28 09:00:00+00";
    const auto r = check_duplicates(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("1 duplicated k value (1 excess row) in public.{}: the keys of "
                                   "1 row with at >= 2026-11-28 09:00:00+00, each looked up in the "
                                   "whole table",
                                   table));
    CHECK_THAT(r.evidence.items().at(0).text,
               Catch::StartsWith("k=a: 2 rows, 1 old and 1 new; old copy: at ") &&
                   Catch::Contains("; new copy: at "));
}

TEST_CASE("db.recent: one row in the window, one after the server's now()") {
    const auto table = make_table("CREATE TABLE {0} (created_at timestamptz); INSERT INTO {0} "
                                  "VALUES (now() - interval '5 minutes'), (now() + interval '1 "
                                  "day'), (now() - interval '2 days')");
    recent_writes_spec spec;
    spec.connection = rollcheck_test::reader_spec(table);
    spec.table = table_ref{"public", table};
    spec.column = "created_at";
    spec.within = 1h;
    const auto r = check_recent_writes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == fmt::format("1 row in public.{} with created_at within 1h of the server's "
                                   "now() (at least 1 expected)",
                                   table));
    CHECK_THAT(
        fmt::format("{}", r),
        Catch::Contains("\n  - 1 row has created_at after the server's now() (not counted)"));
}

TEST_CASE("db.baseline and db.compare: one table, one row, one bucket") {
    temp_dir dir;
    const auto table = make_table("CREATE TABLE {0} (id int); INSERT INTO {0} VALUES (1)");
    const auto name = "public." + table;
    baseline_spec take;
    take.connection = rollcheck_test::socket_spec();
    take.tables = {{table_ref{"public", table}, {"id"}, ""}};
    take.out = dir / "base.json";
    take.buckets = 1;
    auto r = take_baseline(take);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::StartsWith("wrote " + take.out.string() + " (") &&
                              Catch::Contains("): 1 table, 1 row, 1 bucket, taken at "));
    CHECK(r.evidence.items().at(0).text == name + ": 1 row, key (id)");

    compare_spec cmp;
    cmp.connection = take.connection;
    cmp.baseline = take.out;
    r = compare_baseline(cmp);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::EndsWith(name + ": unchanged (1 row)"));

    rollcheck_test::admin_exec(fmt::format("INSERT INTO {} VALUES (2)", table));
    REQUIRE_VERDICT(take_baseline(take), verdict::pass);
    rollcheck_test::admin_exec(fmt::format("DELETE FROM {} WHERE id = 1", table));
    r = compare_baseline(cmp);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith(name + ": 1 row lost, 0 gained (2 → 1 row)"));
    CHECK(r.evidence.items().at(0).text == name + ": lost key id=1");
}

TEST_CASE("logs.scan: one error event on one line, one required line, a one-byte log") {
    temp_dir dir;
    const std::string text = "2026-11-28 09:00:00,000 INFO started\n"
                             "2026-11-28 09:00:01,000 ERROR boom\n";
    const auto log = dir.write("app.log", text);
    log_scan_spec spec;
    spec.files = {log.string()};
    spec.rules.errors = {"ERROR"};
    spec.rules.required = {{"started"}};
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("1 error event (1 line) in {} ({} bytes, "
                                   "2026-11-28T09:00:00.000Z to 2026-11-28T09:00:01.000Z), at most "
                                   "0 allowed; required 'started' matched 1 line",
                                   log.string(), text.size()));
    spec.files = {dir.write("one.log", "E").string()};
    spec.rules.errors = {"E"};
    spec.rules.required.clear();
    spec.rules.max_errors = 1;
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary ==
          "1 error event (1 line) in " + spec.files[0] + " (1 byte), at most 1 allowed");
}

TEST_CASE("cron.lint and cron.expect: one error, one warning, one entry of each kind") {
    cron_lint_spec lint;
    lint.sources = {cron_source::text("tab", "0 60 * * * /bin/true\n0 2 * * * /nonexistent/job\n")};
    const auto linted = check_cron_lint(lint);
    REQUIRE_VERDICT(linted, verdict::fail);
    CHECK(linted.summary == "1 error, 1 warning in tab (1 entry)");

    cron_expect_spec spec;
    spec.sources = {cron_source::text("tab", "0 2 * * * /bin/true\n")};
    spec.present = {{"0 2 * * *", "/bin/true", ""}};
    spec.absent = {"unified"};
    auto r = check_cron_expect(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 expected entry present, none matches 1 forbidden pattern, no duplicates "
                       "among 1 entry in 1 crontab");
    spec.sources = {cron_source::text("tab", "5 * * * * job\n5 * * * * job\n0 2 * * * unified\n")};
    r = check_cron_expect(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 expected entry missing, 1 forbidden entry scheduled, 1 duplicated entry "
                       "among 3 entries in 1 crontab");
}

TEST_CASE("cron.snapshot and cron.diff: one entry, one environment line, one crontab") {
    temp_dir dir;
    const auto tab = dir.write("crontab", "MAILTO=ops\n0 2 * * * /bin/true\n");
    cron_snapshot_spec take;
    take.sources = {cron_source::file(tab)};
    take.output = dir / "cron.snapshot";
    auto r = check_cron_snapshot(take);
    REQUIRE_VERDICT(r, verdict::pass);
    const auto saved = fmt::format("saved 1 entry and 1 environment line from 1 crontab to {}",
                                   take.output.string());
    CHECK(r.summary == saved);

    cron_diff_spec diff;
    diff.snapshot = take.output;
    r = check_cron_diff(diff);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == fmt::format("live crontabs match snapshot '{}' (1 entry in 1 crontab)",
                                   take.output.string()));
    dir.write("crontab", "MAILTO=dev\n0 3 * * * /bin/true\n0 60 * * * /bin/false\n");
    r = check_cron_diff(diff);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("entries: 1 changed; 1 environment variable differs against "
                                   "snapshot '{}'",
                                   take.output.string()));

    r = check_cron_snapshot(take);
    REQUIRE_VERDICT(r, verdict::warn);
    CHECK(r.summary == saved + "; 1 line with errors left out (cron does not run them; see "
                               "rollcheck cron lint)");
}

TEST_CASE("proc.running and proc.absent: one process matches") {
    temp_dir dir;
    const auto token = rollcheck_test::unique_name("wording");
    rollcheck_test::worker one(dir, token);
    process_spec spec;
    spec.pattern = token + "$";
    spec.wait = 5s; // until the process has started
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 process matches '" + token + "$' (at least 1 expected)");
    spec.expect = process_expectation::none;
    spec.wait = 0ms;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 process matches '" + token + "$' (none expected)");
}

TEST_CASE("py.imports: one module imports and one removed module is gone") {
    temp_dir dir;
    dir.write("kept.py", "VALUE = 1\n");
    import_spec spec;
    spec.interpreter = rollcheck_test::python;
    spec.working_directory = dir.path();
    spec.must_import = {"kept"};
    spec.must_not_import = {"removed_pipeline"};
    auto r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 module imports and 1 removed module is gone (/usr/bin/python3)");
    dir.write("removed_pipeline.py", "");
    r = check_imports(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 of 2 modules not as expected: 1 failed (1 still importable); 0 could "
                       "not be verified (/usr/bin/python3)");
}

TEST_CASE("files.absent and files.restored: one path, one file, one byte") {
    temp_dir dir;
    absent_spec absent;
    absent.root = dir.path();
    absent.paths = {"core/pipeline.py"};
    auto r = check_absent(absent);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 path absent under " + dir.path().string());
    dir.write("core/pipeline.py", "x");
    r = check_absent(absent);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 of 1 path still present under " + dir.path().string() + ": 1 entry left");
    CHECK(r.evidence.items().at(0).text == "core/pipeline.py: still there (file of 1 byte)");

    dir.write("archive/model.bin", std::string("\0\1", 2));
    const auto live = dir.write("live/model.bin", std::string("\0", 1));
    restored_spec restored;
    restored.root = dir / "live";
    restored.archive = dir / "archive";
    restored.paths = {"model.bin"};
    r = check_restored(restored);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 of 1 file differs from archive " + restored.archive.string());
    CHECK(r.evidence.items().at(0).text ==
          live.string() + ": binary content differs (1 byte here, 2 in the reference)");
    dir.write("live/model.bin", std::string("\0\1", 2));
    r = check_restored(restored);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 file identical to archive " + restored.archive.string());
}

TEST_CASE("command.run: one line of output, and pytest's one error and one warning") {
    command_check_spec spec;
    spec.command = command_spec::shell("echo done");
    auto r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "`/bin/sh -c 'echo done'` exited with status 0");
    CHECK(r.evidence.items().at(0).text == "stdout (last 1 line):\n      done");

    temp_dir dir;
    dir.write("test_one_each.py", "import warnings\nimport pytest\n\n@pytest.fixture\n"
                                  "def broken():\n    raise RuntimeError('setup')\n\n"
                                  "def test_passes():\n    warnings.warn('old API')\n\n"
                                  "def test_fails():\n    assert 1 == 2\n\n"
                                  "def test_errors(broken):\n    pass\n");
    spec.command.argv = {rollcheck_test::python, "-m", "pytest", "-p", "no:cacheprovider"};
    spec.command.working_directory = dir.path();
    r = check_command(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("exited with status 1 (pytest: tests failed); tests: 2 "
                                          "ran, 1 failed, 1 errored, 0 skipped"));
    CHECK(r.totals["pytest"] ==
          nlohmann::json{{"error", 1}, {"failed", 1}, {"passed", 1}, {"warning", 1}});
}
