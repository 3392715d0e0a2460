// The target file (target.hpp): the plan's defaults, where relative paths
// lead, [[check]] as command-line words, and the exact text of every fault,
// located as toml++ locates it. ctest runs this with TZ=UTC.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <rollcheck/detail/target/trust.hpp>
#include <rollcheck/plan.hpp>
#include <rollcheck/target.hpp>
#include <rollcheck/waiver.hpp>

#include "test_support.hpp"

using namespace rollcheck;
namespace fs = std::filesystem;

namespace {

/// What the plan file `path` tells a target; throws when the plan has a fault.
target_plan_facts facts_of(const fs::path& path) {
    const auto reading = load_plan(path);
    if (!reading.ok())
        throw std::runtime_error(reading.errors.empty() ? path.string()
                                                        : reading.errors.front().text());
    return reading.value->facts();
}

/// What the shipped plan, plans/reddit_harbor.toml, tells a target.
const target_plan_facts& shipped_plan() {
    static const auto facts = facts_of(ROLLCHECK_SOURCE_DIR "/plans/reddit_harbor.toml");
    return facts;
}

/// The texts of the faults of `text`, read as "target.toml" for `plan`.
std::vector<std::string> faults(const std::string& text,
                                const target_plan_facts& plan = shipped_plan()) {
    std::vector<std::string> texts;
    for (const auto& e : parse_target(text, "target.toml", plan).errors)
        texts.push_back(e.text());
    return texts;
}

/// `text` as the target file target.toml in `dir`, read for `plan`; fails
/// the test on a fault.
target read_ok(const rollcheck_test::temp_dir& dir, const std::string& text,
               const target_plan_facts& plan = shipped_plan()) {
    const auto reading = load_target(dir.write("target.toml", text), plan);
    for (const auto& e : reading.errors)
        UNSCOPED_INFO(e.text());
    REQUIRE(reading.ok());
    return *reading.value;
}

struct bad_input {
    std::string text;
    std::vector<std::string> errors;
};

} // namespace

TEST_CASE("an empty target is the plan's system, in the target file's directory") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, "# nothing but the defaults\n");
    CHECK(t.file == dir / "target.toml");
    CHECK(t.project_root == dir.path());
    CHECK(t.python == "python3");
    CHECK(t.connection.dsn.empty());
    CHECK(t.table.display() == "opportunities_unified");
    CHECK(t.key == "submission_id");
    CHECK(t.timestamp_column == "created_at");
    CHECK(t.backup.empty());
    CHECK(t.baseline.empty());
    CHECK_FALSE(t.restore_check);
    CHECK(t.restore_scratch_dsn.empty());
    CHECK(t.postgres_bindir.empty());
    CHECK(t.crontab_file.empty());
    CHECK(t.crontab_user.empty());
    CHECK(t.crontab_snapshot.empty());
    CHECK(t.job_schedule == "0 2 * * *");
    CHECK(t.job_command == "python scripts/core/batch_opportunity_scoring.py");
    CHECK(t.log_files ==
          std::vector<std::string>{(dir / "logs/batch_opportunity_scoring.log").string()});
    CHECK(t.error_patterns == std::vector<std::string>{"ERROR|CRITICAL|Traceback"});
    CHECK(t.progress_patterns == std::vector<std::string>{"processed [0-9]+ submissions"});
    CHECK(t.api_url == "http://127.0.0.1:8000/");
    CHECK(t.api_host == "127.0.0.1");
    CHECK(t.api_port == 8000);
    CHECK(t.entry_points == std::vector<std::string>{"scripts/core/batch_opportunity_scoring.py",
                                                     "scripts/dlt/dlt_trust_pipeline.py"});
    CHECK(t.pipeline.at("unified") == std::vector<std::string>{"run_unified_pipeline"});
    // The runbook leaves the archive's date to the operator: an empty value.
    CHECK(t.pipeline.at("archive") == std::vector<std::string>{""});
    // A system without containers, until its target names their projects.
    for (const char* key : {"api_compose_project", "compose_project", "docker_host"})
        CHECK(t.pipeline.at(key) == std::vector<std::string>{""});
    CHECK(t.pipeline.at("api_compose_file") == std::vector<std::string>{"docker-compose.yml"});
    CHECK(t.pipeline.at("compose_file") == std::vector<std::string>{"docker-compose.prod.yml"});
    CHECK(t.pipeline.size() == 7);
    CHECK(t.recovery_targets == shipped_plan().recovery_targets);
    CHECK_FALSE(t.since.has_value());
    CHECK(t.plan.empty());
    CHECK(t.checks.empty());
}

TEST_CASE("without a plan a target holds no runbook value, only what it gives") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, "# nothing\n", {});
    CHECK(t.project_root == dir.path());
    // The target format's own defaults, which no runbook chooses.
    CHECK(t.python == "python3");
    CHECK(t.revision == "HEAD");
    CHECK(t.table.name.empty());
    CHECK(t.table.display().empty());
    CHECK(t.key.empty());
    CHECK(t.timestamp_column.empty());
    CHECK(t.job_schedule.empty());
    CHECK(t.job_command.empty());
    CHECK(t.log_files.empty());
    CHECK(t.error_patterns.empty());
    CHECK(t.progress_patterns.empty());
    CHECK(t.api_url.empty());
    CHECK(t.api_host.empty());
    CHECK(t.api_port == 0);
    CHECK(t.entry_points.empty());
    CHECK(t.pipeline.empty());
    CHECK(t.recovery_targets.empty());
    CHECK(t.checks.empty());
    // Any phase goes: no plan says which exist.
    const auto reading = parse_target("[recovery]\ndrill = \"3m\"\n[[check]]\nphase = \"drill\"\n"
                                      "severity = \"P2\"\nname = \"n\"\nkind = \"run\"\n",
                                      "target.toml");
    REQUIRE(reading.ok());
    CHECK(reading.value->recovery_targets ==
          std::map<std::string, std::chrono::milliseconds>{{"drill", std::chrono::minutes(3)}});
    CHECK(reading.value->checks.at(0).phase == "drill");
}

TEST_CASE("project paths resolve against the root, the target's own against its directory") {
    rollcheck_test::temp_dir dir;
    fs::create_directories(dir / "srv/app");
    const auto t = read_ok(dir, R"(
[project]
root = "srv/app/"
python = "/usr/bin/python3"
[database]
backup = "backups/backup_20261128.dump"
baseline = "/var/lib/rollcheck/baseline.json"
[cron]
crontab = "../spool/app"
snapshot = "crontab.snapshot"
syslog = ["/var/log/syslog", "logs/cron.log"]
journal = true
[logs]
files = ["logs/a.log", "/var/log/b.log", "logs/../logs/c-*.log"]
[pipeline]
archive = "scripts/archive/monoliths_20261128"
)");
    const auto root = dir / "srv/app";
    CHECK(t.project_root == root);
    CHECK(t.python == "/usr/bin/python3");
    CHECK(t.backup == dir / "backups/backup_20261128.dump");
    CHECK(t.baseline == "/var/lib/rollcheck/baseline.json");
    CHECK(t.crontab_file == dir.path().parent_path() / "spool/app");
    CHECK(t.crontab_snapshot == dir / "crontab.snapshot");
    CHECK(t.cron_logs ==
          std::vector<std::string>{"/var/log/syslog", (dir / "logs/cron.log").string()});
    CHECK(t.cron_journal);
    CHECK(t.log_files == std::vector<std::string>{(root / "logs/a.log").string(), "/var/log/b.log",
                                                  (root / "logs/c-*.log").string()});
    // [pipeline] values are the plan's to read: kept as written.
    CHECK(t.pipeline.at("archive") ==
          std::vector<std::string>{"scripts/archive/monoliths_20261128"});
}

TEST_CASE("[pipeline] holds any key, a string or an array of strings, as written") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, R"(
[pipeline]
unified = "unified_v2"
workers = ["../bin/worker-a", "worker b", ""]
archive = "./archive//2026/"
)");
    CHECK(t.pipeline.at("unified") == std::vector<std::string>{"unified_v2"});
    CHECK(t.pipeline.at("workers") == std::vector<std::string>{"../bin/worker-a", "worker b", ""});
    CHECK(t.pipeline.at("archive") == std::vector<std::string>{"./archive//2026/"});
    // The plan's own [pipeline] values the target does not give.
    CHECK(t.pipeline.size() == 8);
}

TEST_CASE("the plan's system in ten lines") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, fmt::format(R"(
[project]
root = "{}"
[database]
dsn = "host=db1 dbname=reddit_harbor user=rollcheck"
backup = "backups/backup_20261128.dump"
[cron]
user = "app"
[api]
url = "http://api.internal:8080/health"
[rollback]
since = "2026-11-28T09:00:00Z"
)",
                                            dir.path().string()));
    CHECK(t.connection.dsn == "host=db1 dbname=reddit_harbor user=rollcheck");
    CHECK(t.crontab_user == "app");
    CHECK(t.api_url == "http://api.internal:8080/health");
    CHECK(t.api_host == "api.internal");
    CHECK(t.api_port == 8080);
    REQUIRE(t.since.has_value());
    CHECK(format_utc(*t.since) == "2026-11-28T09:00:00.000Z");
}

TEST_CASE("the plan's recovery targets are the defaults, and [recovery] overrides them") {
    using std::chrono::minutes;
    CHECK(shipped_plan().recovery_targets ==
          std::map<std::string, std::chrono::milliseconds>{{"1-3", minutes(5)},
                                                           {"4-5", minutes(15)},
                                                           {"6", minutes(20)},
                                                           {"7", minutes(60)},
                                                           {"8", minutes(10)},
                                                           {"9-10", minutes(5)},
                                                           {"11", minutes(5)}});
    auto reading = parse_target("", "target.toml", shipped_plan());
    REQUIRE(reading.ok());
    CHECK_FALSE(reading.value->wait);
    CHECK(reading.value->recovery_targets == shipped_plan().recovery_targets);
    reading = parse_target("[recovery]\nwait = true\n7 = \"1h30m\"\n9-10 = \"2m\"\n\n"
                           "[rollback]\nwaivers = \"waivers.toml\"\n",
                           "/etc/rollcheck/target.toml", shipped_plan());
    REQUIRE(reading.ok());
    CHECK(reading.value->wait);
    CHECK(reading.value->recovery_targets.at("7") == std::chrono::minutes(90));
    CHECK(reading.value->recovery_targets.at("9-10") == std::chrono::minutes(2));
    CHECK(reading.value->recovery_targets.at("11") == std::chrono::minutes(5));
    CHECK(reading.value->waivers == "/etc/rollcheck/waivers.toml");
}

TEST_CASE("what the target gives wins over the plan's defaults, key by key") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, R"(
[database]
table = "orders"
[cron]
schedule = "*/5 * * * *"
[logs]
files = ["jobs.log"]
errors = ["FATAL"]
[pipeline]
unified = "unified_v3"
)");
    CHECK(t.table.display() == "orders");
    CHECK(t.key == "submission_id");
    CHECK(t.timestamp_column == "created_at");
    CHECK(t.job_schedule == "*/5 * * * *");
    CHECK(t.job_command == "python scripts/core/batch_opportunity_scoring.py");
    // A list replaces the plan's, never adds to it.
    CHECK(t.log_files == std::vector<std::string>{(dir / "jobs.log").string()});
    CHECK(t.error_patterns == std::vector<std::string>{"FATAL"});
    CHECK(t.progress_patterns == std::vector<std::string>{"processed [0-9]+ submissions"});
    CHECK(t.pipeline.at("unified") == std::vector<std::string>{"unified_v3"});
    CHECK(t.pipeline.at("archive") == std::vector<std::string>{""});
}

TEST_CASE("keys that go together come from one side: the target's when it gives any") {
    rollcheck_test::temp_dir dir;
    // The plan's API is a URL: a target's host or port drops it.
    auto t = read_ok(dir, "[api]\nhost = \"10.1.1.1\"\n");
    CHECK(t.api_url == "http://10.1.1.1:80/");
    CHECK(t.api_host == "10.1.1.1");
    CHECK(t.api_port == 80);
    t = read_ok(dir, "[api]\nport = 9000\n");
    CHECK(t.api_url == "http://127.0.0.1:9000/");

    // A plan naming a crontab file and the API's host and port.
    const auto plan = facts_of(fs::path(ROLLCHECK_TARGET_FIXTURES) / "crontab-file-plan.toml");
    t = read_ok(dir, "", plan);
    CHECK(t.crontab_file == "/etc/cron.d/scoring");
    CHECK(t.crontab_user.empty());
    CHECK(t.job_schedule == "30 3 * * *");
    CHECK(t.api_url == "http://10.0.0.5:9000/");
    // A user's crontab in the target: not also the plan's file.
    t = read_ok(dir, "[cron]\nuser = \"app\"\n", plan);
    CHECK(t.crontab_file.empty());
    CHECK(t.crontab_user == "app");
    CHECK(t.job_schedule == "30 3 * * *");
    // A URL in the target: not also the plan's host and port.
    t = read_ok(dir, "[api]\nurl = \"http://api.internal:8080/health\"\n", plan);
    CHECK(t.api_url == "http://api.internal:8080/health");
    CHECK(t.api_host == "api.internal");
    CHECK(t.api_port == 8080);
    CHECK(t.recovery_targets ==
          std::map<std::string, std::chrono::milliseconds>{{"jobs", std::chrono::minutes(10)}});
    CHECK(faults("[recovery]\n7 = \"1h\"\n", plan) ==
          std::vector<std::string>{
              "target.toml:2:1: unknown key '7' in [recovery]: the plan's phases are jobs"});
}

TEST_CASE("[rollback] plan names the plan to run, against the target's directory") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, "[rollback]\nplan = \"x.toml\"\n");
    CHECK(t.plan == dir / "x.toml");
    CHECK(plan_named_by_target(dir / "target.toml") == dir / "x.toml");
    CHECK(plan_named_by_target(dir.write("up.toml", "[rollback]\nplan = \"../plans/y.toml\"\n")) ==
          dir.path().parent_path() / "plans/y.toml");
    CHECK(plan_named_by_target(dir.write("abs.toml", "[rollback]\nplan = \"/etc/plan.toml\"\n")) ==
          "/etc/plan.toml");
    // None named, or no target to read: no plan (load_target says why).
    CHECK(plan_named_by_target(dir.write("none.toml", "[rollback]\ndeadline = \"5m\"\n")).empty());
    CHECK(plan_named_by_target(dir / "missing.toml").empty());
    CHECK(plan_named_by_target(dir.write("broken.toml", "[rollback\nplan = \"x.toml\"\n")).empty());
    CHECK(plan_named_by_target(dir.write("number.toml", "[rollback]\nplan = 3\n")).empty());
    CHECK(faults("[rollback]\nplan = 3\n") ==
          std::vector<std::string>{
              "target.toml:2:8: [rollback] plan: expected a string, found an integer"});
}

TEST_CASE("[backup] asks Phase 7 to prove the backup by restoring it, and where") {
    rollcheck_test::temp_dir dir;
    auto t = read_ok(dir, R"(
[database]
backup = "backups/backup_20261128.dump"
[backup]
restore_check = true
scratch_dsn = "host=db2 dbname=restore_scratch user=rollcheck"
bindir = "pg/bin"
)");
    CHECK(t.restore_check);
    CHECK(t.restore_scratch_dsn == "host=db2 dbname=restore_scratch user=rollcheck");
    CHECK(t.postgres_bindir == dir / "pg/bin");
    t = read_ok(dir, "[database]\nbackup = \"b.dump\"\n[backup]\nrestore_check = false\n");
    CHECK_FALSE(t.restore_check);
    CHECK_FALSE(t.connection.max_scan_rows.has_value());
}

TEST_CASE("[database] max_scan_rows is the row budget of every database check of the target") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, "[database]\nmax_scan_rows = 10_000_000\n");
    CHECK(t.connection.max_scan_rows == std::uint64_t{10000000});
}

TEST_CASE("the API given by host and port makes its URL, and a table may name its schema") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, R"(
[api]
host = "::1"
port = 9000
[database]
table = "reporting.opportunities_unified"
[rollback]
since = 2026-11-28T10:00:00+01:00
)");
    CHECK(t.api_url == "http://[::1]:9000/");
    CHECK(t.api_host == "::1");
    CHECK(t.api_port == 9000);
    CHECK(t.table.schema == "reporting");
    CHECK(t.table.name == "opportunities_unified");
    REQUIRE(t.since.has_value());
    CHECK(format_utc(*t.since) == "2026-11-28T09:00:00.000Z");
}

TEST_CASE("[[check]] options become the verifier's command-line words, in the file's order") {
    rollcheck_test::temp_dir dir;
    const auto t = read_ok(dir, R"(
[[check]]
phase = "11"
severity = "P1"
name = "orders table has no duplicated order_id"
kind = "db.duplicates"
table = "orders"
key = "order_id"
within = "1h"

[[check]]
kind = "logs.scan"
name = "no errors"
phase = "9-10"
severity = "P0"
rotated = true
ignore-case = false
error = ["ERROR", "Traceback"]
max-errors = 0
exclude = []
)");
    REQUIRE(t.checks.size() == 2);
    const auto& first = t.checks[0];
    CHECK(first.phase == "11");
    CHECK(first.severity == "P1");
    CHECK(first.name == "orders table has no duplicated order_id");
    CHECK(first.kind == "db.duplicates");
    CHECK(first.arguments ==
          std::vector<std::string>{"--table=orders", "--key=order_id", "--within=1h"});
    CHECK(first.where == (dir / "target.toml").string() + ":2:1");
    const auto& second = t.checks[1];
    CHECK(second.kind == "logs.scan");
    CHECK(second.arguments == std::vector<std::string>{"--rotated", "--error=ERROR",
                                                       "--error=Traceback", "--max-errors=0"});
    CHECK(second.where == (dir / "target.toml").string() + ":11:1");
}

TEST_CASE("[project] describes a real checkout: revision, environment, the old system") {
    rollcheck_test::temp_dir dir;
    auto t = read_ok(dir, "");
    CHECK(t.revision == "HEAD");
    CHECK(t.environment.empty());
    CHECK(t.entry_points == std::vector<std::string>{"scripts/core/batch_opportunity_scoring.py",
                                                     "scripts/dlt/dlt_trust_pipeline.py"});
    CHECK(t.old_modules.empty());
    CHECK(t.before.empty());
    t = read_ok(dir, R"(
[project]
revision = "pre-migration-2026-11-28"
environment = { PYTHONPATH = ".", APP_ENV = "staging" }
entry_points = ["jobs/nightly.py"]
old_modules = ["core.lead_extractor", "core.scoring"]
[rollback]
before = "reports-before/"
deadline = "4m30s"
)");
    CHECK(t.revision == "pre-migration-2026-11-28");
    CHECK(t.environment ==
          std::map<std::string, std::string>{{"APP_ENV", "staging"}, {"PYTHONPATH", "."}});
    CHECK(t.entry_points == std::vector<std::string>{"jobs/nightly.py"});
    CHECK(t.old_modules == std::vector<std::string>{"core.lead_extractor", "core.scoring"});
    CHECK(t.before == dir / "reports-before");
    CHECK(t.deadline == std::chrono::milliseconds(270000));
}

TEST_CASE("each fault of a target is named with its key and line:column") {
    const bad_input cases[] = {
        {"[project]\nenvironment = \"PYTHONPATH=.\"\n",
         {"target.toml:2:15: [project] environment: expected a table of strings, found a string"}},
        {"[project]\nenvironment = { PYTHONPATH = 1 }\n",
         {"target.toml:2:30: [project] environment.PYTHONPATH: expected a string, found an "
          "integer"}},
        {"[project]\nentry_points = \"jobs/nightly.py\"\n",
         {"target.toml:2:16: [project] entry_points: expected an array of strings, found a "
          "string"}},
        {"[project]\nrevision = \"\"\n", {"target.toml:2:12: [project] revision: empty"}},
        {"[rollback]\ndeadline = \"soon\"\n",
         {"target.toml:2:12: [rollback] deadline: 'soon' is not a duration (like 90s, 15m, 1h, "
          "7d)"}},
        {"[database]\ntabel = \"orders\"\n",
         {"target.toml:2:1: unknown key 'tabel' in [database]"}},
        {"[datbase]\ntable = \"orders\"\n", {"target.toml:1:1: unknown table [datbase]"}},
        {"table = \"orders\"\n", {"target.toml:1:1: unknown key 'table' outside any table"}},
        {"database = \"db1\"\n",
         {"target.toml:1:12: 'database': expected a table ([database]), found a string"}},
        {"[database]\ntable = 3\n",
         {"target.toml:2:9: [database] table: expected a string, found an integer"}},
        {"[database]\nkey = \"\"\n", {"target.toml:2:7: [database] key: empty"}},
        {"[database]\ntable = \"a.b.c\"\n",
         {"target.toml:2:9: [database] table: table name 'a.b.c' has 2 dots: give the schema "
          "separately, or double-quote a name that holds a dot (\"my.schema\".\"t\")"}},
        {"[database]\ndsn = \"host=db1 bogus=1\"\n",
         {"target.toml:2:7: [database] dsn: the connection string is not valid (key=value pairs "
          "or a postgresql:// URI): invalid connection option \"…\""}},
        {"[database]\nmax_scan_rows = \"1e6\"\n",
         {"target.toml:2:17: [database] max_scan_rows: expected an integer, found a string"}},
        {"[database]\nmax_scan_rows = -1\n",
         {"target.toml:2:17: [database] max_scan_rows: -1 is negative"}},
        {"[cron]\njournal = \"yes\"\n",
         {"target.toml:2:11: [cron] journal: expected a boolean, found a string"}},
        {"[backup]\nrestore_check = \"yes\"\n",
         {"target.toml:2:17: [backup] restore_check: expected a boolean, found a string"}},
        {"[backup]\nrestore_check = true\n",
         {"target.toml:2:17: [backup] restore_check: true, but [database] backup names no "
          "archive to restore"}},
        {"[database]\nbackup = \"b.dump\"\n[backup]\nrestore = true\nscratch_dsn = 5\n",
         {"target.toml:4:1: unknown key 'restore' in [backup]",
          "target.toml:5:15: [backup] scratch_dsn: expected a string, found an integer"}},
        {"[project]\npython = [\"python3\"]\n",
         {"target.toml:2:10: [project] python: expected a string, found an array"}},
        {"[cron]\ncrontab = \"/var/spool/cron/crontabs/app\"\nuser = \"app\"\n",
         {"target.toml:3:1: [cron]: both crontab and user given; give one (a crontab file, or a "
          "user's crontab)"}},
        {"[cron]\nschedule = \"0 24 * * *\"\n",
         {"target.toml:2:12: [cron] schedule '0 24 * * *': hour 24 out of range 0-23"}},
        {"[logs]\nfiles = \"logs/a.log\"\n",
         {"target.toml:2:9: [logs] files: expected an array of strings, found a string"}},
        {"[logs]\nerrors = [\"(\", 3]\n",
         {"target.toml:2:11: [logs] errors[0]: pattern '(' is not a valid RE2 regular "
          "expression: missing ): (",
          "target.toml:2:16: [logs] errors[1]: expected a string, found an integer"}},
        {"[api]\nport = 70000\n",
         {"target.toml:2:8: [api] port: 70000 is not a port (1 to 65535)"}},
        {"[api]\nport = \"8000\"\n",
         {"target.toml:2:8: [api] port: expected an integer, found a string"}},
        {"[api]\nurl = \"http://127.0.0.1:8000/health\"\nport = 8000\n",
         {"target.toml:3:1: [api]: both url and port given; give one (the health URL, or host "
          "and port)"}},
        {"[api]\nurl = \"https://api.internal/health\"\n",
         {"target.toml:2:7: [api] url: 'https://api.internal/health': https is not supported (no "
          "TLS); check the port with net port or use an http:// URL"}},
        {"[recovery]\nwait = \"yes\"\n7 = \"soon\"\n12 = \"5m\"\n",
         {"target.toml:2:8: [recovery] wait: expected a boolean, found a string",
          "target.toml:3:5: [recovery] 7: 'soon' is not a duration (5m, 1h30m)",
          "target.toml:4:1: unknown key '12' in [recovery]: the plan's phases are 1-3, 4-5, 6, "
          "7, 8, 9-10, 11"}},
        {"[pipeline]\nunified = 3\n",
         {"target.toml:2:11: [pipeline] unified: expected a string or an array of strings, found "
          "an integer"}},
        {"[pipeline]\nworkers = [\"a\", { b = 1 }]\narchive = false\n",
         {"target.toml:2:17: [pipeline] workers[1]: expected a string, found a table",
          "target.toml:3:11: [pipeline] archive: expected a string or an array of strings, found "
          "a boolean"}},
        {"pipeline = \"run_unified_pipeline\"\n",
         {"target.toml:1:12: 'pipeline': expected a table ([pipeline]), found a string"}},
        {"[rollback]\nsince = \"after lunch\"\n",
         {"target.toml:2:9: [rollback] since: 'after lunch' is not a time (like "
          "2026-11-28T09:26:24Z, '2026-11-28 09:26:24', 'Nov 28 09:26:24', 1795857984)"}},
        {"[rollback]\nsince = 09:00:00\n",
         {"target.toml:2:9: [rollback] since: expected a string or a date-time, found a time"}},
        {"[check]\nphase = \"11\"\n",
         {"target.toml:1:1: 'check': expected an array of tables ([[check]]), found a table"}},
        {"[[check]]\nname = \"n\"\n",
         {"target.toml:1:1: [[check]]: missing key 'phase'",
          "target.toml:1:1: [[check]]: missing key 'severity'",
          "target.toml:1:1: [[check]]: missing key 'kind'"}},
        {"[[check]]\nphase = \"12\"\nseverity = \"P4\"\nname = \"n\"\nkind = \"db.recent\"\n",
         {"target.toml:2:9: [[check]] phase: '12' is not a phase (the plan's phases are 1-3, "
          "4-5, 6, 7, 8, 9-10, 11)",
          "target.toml:3:12: [[check]] severity: 'P4' is not a severity (P0, P1, P2, P3)"}},
        {"[[check]]\nphase = 11\nseverity = \"P0\"\nname = \"n\"\nkind = \"db.recent\"\n",
         {"target.toml:2:9: [[check]] phase: expected a string, found an integer"}},
        {"[[check]]\nphase = \"7\"\nseverity = \"P0\"\nname = \"n\"\nkind = \"db.recent\"\n"
         "max_age = \"1d\"\nratio = 0.5\ntables = [\"a\", 1]\n",
         {"target.toml:6:1: [[check]] 'max_age': not an option name (lower-case letters, digits "
          "and dashes, as on the command line)",
          "target.toml:7:9: [[check]] ratio: expected a string, an integer, a boolean or an "
          "array of strings, found a floating-point number",
          "target.toml:8:16: [[check]] tables[1]: expected a string, found an integer"}},
        // A plan's reference is refused; a shell's variable stays.
        {"[[check]]\nphase = \"7\"\nseverity = \"P0\"\nname = \"n\"\nkind = \"run\"\n"
         "cwd = \"${project.root}\"\n"
         "command = [\"sh\", \"-c\", \"echo ${HOME}\", \"${project.python?}\"]\n",
         {"target.toml:6:7: [[check]] cwd: '${project.root}' is a plan's reference, which a "
          "target does not expand: write the value itself",
          "target.toml:7:40: [[check]] command[3]: '${project.python?}' is a plan's reference, "
          "which a target does not expand: write the value itself"}},
        // toml++'s own description and position for what is not TOML.
        {"[project\n",
         {"target.toml:1:9: Error while parsing table header: expected ']', saw '\\n'"}},
        {"[database]\ntable = = 3\n",
         {"target.toml:2:9: Error while parsing value: could not determine value type"}},
        {"a = \"\xff\"\n", {"target.toml:1:5: Encountered invalid utf-8 sequence"}},
        // Binary: refused before toml++ sees it.
        {std::string("\x7f"
                     "ELF\x02\x01\x01\0",
                     8),
         {"target.toml:1:8: a NUL byte: this is binary data, not a TOML target file"}},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(faults(c.text) == c.errors);
    }
}

TEST_CASE("every fault is reported, in the order of the file, and no target comes back") {
    const auto reading = parse_target(R"([[check]]
phase = "0"
[database]
table = 1
tabel = "x"
[cron]
schedule = "daily"
)",
                                      "target.toml", shipped_plan());
    CHECK_FALSE(reading.ok());
    CHECK_FALSE(reading.value.has_value());
    std::vector<std::string> texts;
    for (const auto& e : reading.errors)
        texts.push_back(e.text());
    CHECK(texts ==
          std::vector<std::string>{
              "target.toml:1:1: [[check]]: missing key 'severity'",
              "target.toml:1:1: [[check]]: missing key 'name'",
              "target.toml:1:1: [[check]]: missing key 'kind'",
              "target.toml:2:9: [[check]] phase: '0' is not a phase (the plan's phases are 1-3, "
              "4-5, 6, 7, 8, 9-10, 11)",
              "target.toml:4:9: [database] table: expected a string, found an integer",
              "target.toml:5:1: unknown key 'tabel' in [database]",
              "target.toml:7:12: [cron] schedule 'daily': expected 5 time fields, found 1"});
}

TEST_CASE("a DSN holding a password is refused without repeating it") {
    const char* const dsns[] = {
        "host=db1 dbname=app user=rollcheck password=Sw0rdf1sh",
        "host=db1 password = 'Sw0rdf1sh and more' user=rollcheck",
        "postgresql://rollcheck:Sw0rdf1sh@db1/app",
        "postgres://rollcheck:Sw0rdf1sh@db1:5432/app?sslmode=require",
        "postgresql://rollcheck@db1/app?password=Sw0rdf1sh",
        "postgresql://rollcheck@db1/app?sslmode=require&password=Sw0rdf1sh",
        // Percent-encoded: only libpq's own parse sees the keyword.
        "postgresql://rollcheck@db1/app?pass%77ord=Sw0rdf1sh",
        // Not a valid DSN otherwise: still not echoed.
        "host='db1 password=Sw0rdf1sh",
    };
    for (const auto* dsn : dsns) {
        INFO(dsn);
        const auto reading =
            parse_target(fmt::format("[database]\ndsn = \"{}\"\n", dsn), "target.toml");
        REQUIRE(reading.errors.size() == 1);
        CHECK(reading.errors[0].text() ==
              "target.toml:2:7: [database] dsn: holds a password; give it through PGPASSWORD, "
              "~/.pgpass or a service file");
        for (const auto& e : reading.errors) {
            CHECK(e.text().find("Sw0rdf1sh") == std::string::npos);
            CHECK(e.text().find("db1") == std::string::npos);
        }
        // The scratch database of a restore check, likewise.
        CHECK(faults(fmt::format("[backup]\nscratch_dsn = \"{}\"\n", dsn)) ==
              std::vector<std::string>{"target.toml:2:15: [backup] scratch_dsn: holds a password; "
                                       "give it through PGPASSWORD, ~/.pgpass or a service file"});
    }
    // Names that merely contain the word, and passfile=, are not passwords.
    CHECK(faults("[database]\ndsn = \"host=db1 user=password passfile=/etc/pgpass\"\n").empty());
}

TEST_CASE("the project root must exist, and files the checks read need not yet") {
    rollcheck_test::temp_dir dir;
    dir.write("a-file", "");
    const auto text = [](const std::string& root) {
        return fmt::format("[project]\nroot = \"{}\"\n[database]\nbackup = \"missing.dump\"\n"
                           "baseline = \"missing.json\"\n[cron]\ncrontab = \"missing\"\n",
                           root);
    };
    auto reading = load_target(dir.write("target.toml", text("checkout")));
    REQUIRE(reading.errors.size() == 1);
    CHECK(reading.errors[0].text() == fmt::format("{}:2:8: [project] root: '{}' does not exist",
                                                  (dir / "target.toml").string(),
                                                  (dir / "checkout").string()));
    reading = load_target(dir.write("target.toml", text("a-file")));
    REQUIRE(reading.errors.size() == 1);
    CHECK(reading.errors[0].text() == fmt::format("{}:2:8: [project] root: '{}' is not a directory",
                                                  (dir / "target.toml").string(),
                                                  (dir / "a-file").string()));
    fs::create_directory(dir / "checkout");
    CHECK(load_target(dir.write("target.toml", text("checkout"))).ok());
}

TEST_CASE("what is no target file at all is refused with one clear fault") {
    rollcheck_test::temp_dir dir;
    const auto one_fault = [](const fs::path& path) {
        const auto reading = load_target(path);
        CHECK_FALSE(reading.value.has_value());
        REQUIRE(reading.errors.size() == 1);
        return reading.errors[0].text();
    };
    CHECK(one_fault(dir / "missing.toml") == (dir / "missing.toml").string() + ": no such file");
    CHECK(one_fault(dir.path()) == dir.path().string() + ": is a directory, not a target file");

    // 100 MB, sparse: refused after reading a little more than the limit.
    const auto huge = dir.write("huge.toml", "");
    fs::resize_file(huge, 100u << 20);
    CHECK(one_fault(huge) == huge.string() + ": larger than 1 MiB: not a target file");
    CHECK(faults(std::string(target_file_limit + 1, '#')) ==
          std::vector<std::string>{"target.toml: larger than 1 MiB: not a target file"});

    const auto binary = dir.write("binary.toml", std::string("\x7f"
                                                             "ELF\x02\x01\x01\0\0\0",
                                                             10));
    CHECK(one_fault(binary) ==
          binary.string() + ":1:8: a NUL byte: this is binary data, not a TOML target file");
}

TEST_CASE("the example targets load without a fault") {
    for (const char* name : {"staging.toml", "production.toml"}) {
        INFO(name);
        const auto reading =
            load_target(fs::path(ROLLCHECK_EXAMPLE_TARGETS) / name, shipped_plan());
        for (const auto& e : reading.errors)
            UNSCOPED_INFO(e.text());
        REQUIRE(reading.ok());
        const auto& t = *reading.value;
        CHECK(t.project_root == fs::path(ROLLCHECK_SOURCE_DIR).lexically_normal());
        CHECK_FALSE(t.checks.empty());
        for (const auto& c : t.checks)
            CHECK_FALSE(c.arguments.empty());
        if (!t.waivers.empty()) CHECK(load_waivers(t.waivers).ok());
    }
    const auto production =
        load_target(fs::path(ROLLCHECK_EXAMPLE_TARGETS) / "production.toml", shipped_plan());
    REQUIRE(production.ok());
    CHECK(production.value->wait);
    CHECK(production.value->recovery_targets.at("7") == std::chrono::hours(2));
    const auto waivers = load_waivers(production.value->waivers);
    REQUIRE(waivers.ok());
    REQUIRE(waivers.waivers.size() == 1);
    // The waiver names a check the target declares, in its phase.
    CHECK(std::any_of(
        production.value->checks.begin(), production.value->checks.end(), [&](const auto& c) {
            return c.name == waivers.waivers[0].check && c.phase == waivers.waivers[0].phase;
        }));
}

TEST_CASE("the example of docs/target.md reads, but for a root on the plan's host") {
    std::ifstream doc(fs::path(ROLLCHECK_SOURCE_DIR) / "docs/target.md");
    const std::string text((std::istreambuf_iterator<char>(doc)), {});
    const auto start = text.find("```toml\n");
    REQUIRE(start != std::string::npos);
    const auto body = start + 8;
    const auto example = text.substr(body, text.find("```\n", body) - body);
    const auto reading = parse_target(example, "target.toml", shipped_plan());
    for (const auto& e : reading.errors)
        CHECK(e.text() == "target.toml:2:8: [project] root: '/srv/reddit_harbor' does not exist");
    CHECK(reading.errors.size() <= 1);
    REQUIRE(reading.value.has_value() == reading.errors.empty());
}

namespace {

/// The one fault of loading the target file `path`.
std::string trust_fault(const fs::path& path) {
    const auto reading = load_target(path);
    CHECK_FALSE(reading.value.has_value());
    REQUIRE(reading.errors.size() == 1);
    return reading.errors[0].text();
}

/// The name of the user running the test.
std::string me() {
    return detail::user_name(::geteuid());
}

} // namespace

TEST_CASE("a target file that its group or others may write is refused, saying how to fix it") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("target.toml", "");
    fs::permissions(file, fs::perms(0664));
    CHECK(trust_fault(file) ==
          fmt::format("{0}: writable by its group (mode 0664), and a target file can run "
                      "commands: chmod go-w {0}",
                      file.string()));
    fs::permissions(file, fs::perms(0646));
    CHECK(trust_fault(file) ==
          fmt::format("{0}: writable by others (mode 0646), and a target file can run commands: "
                      "chmod go-w {0}",
                      file.string()));
    fs::permissions(file, fs::perms(0666));
    CHECK_THAT(trust_fault(file), Catch::Contains("writable by its group and others (mode 0666)"));
    fs::permissions(file, fs::perms(0644));
    CHECK(load_target(file).ok());
    fs::permissions(file, fs::perms(0400)); // read-only for its owner: as good
    CHECK(load_target(file).ok());

    // A waiver file turns failures into waived ones: the same rule.
    const auto waivers = dir.write("waivers.toml", "");
    fs::permissions(waivers, fs::perms(0620));
    const auto reading = load_waivers(waivers);
    REQUIRE(reading.errors.size() == 1);
    CHECK(reading.errors[0].text() ==
          fmt::format("{0}: writable by its group (mode 0620), and a waiver file can waive a "
                      "failing check: chmod go-w {0}",
                      waivers.string()));
    fs::permissions(waivers, fs::perms(0600));
    CHECK(load_waivers(waivers).ok());
}

TEST_CASE("a target file in a directory others may write is refused, unless it is sticky") {
    rollcheck_test::temp_dir dir;
    const auto shared = dir / "shared";
    fs::create_directory(shared);
    const auto file = dir.write("shared/target.toml", "");
    fs::permissions(shared, fs::perms(0777));
    CHECK(trust_fault(file) ==
          fmt::format("{0}: in {1}, writable by its group and others (mode 0777), who could "
                      "replace the file, and a target file can run commands: chmod go-w {1}, or "
                      "move the file to a directory of yours",
                      file.string(), shared.string()));
    fs::permissions(shared, fs::perms(0775));
    CHECK_THAT(trust_fault(file),
               Catch::Contains("in " + shared.string() + ", writable by its group (mode 0775)"));
    // Sticky, like /tmp: only the file's owner may remove or rename it.
    fs::permissions(shared, fs::perms(01777));
    CHECK(load_target(file).ok());

    // A link from such a directory to a file that is safe where it lies:
    // whoever may write there could point the link elsewhere.
    fs::permissions(shared, fs::perms(0777));
    const auto safe = dir.write("safe/target.toml", "");
    fs::create_symlink(safe, shared / "link.toml");
    CHECK_THAT(trust_fault(shared / "link.toml"),
               Catch::Contains("in " + shared.string() + ", writable by its group and others"));
    CHECK(load_target(safe).ok());
    fs::permissions(shared, fs::perms(0755));
    CHECK(load_target(shared / "link.toml").ok());
    // And the other way: a safe link to a file in an open directory.
    fs::remove(shared / "link.toml");
    fs::create_symlink(file, dir / "safe/to-shared.toml");
    fs::permissions(shared, fs::perms(0777));
    CHECK_THAT(trust_fault(dir / "safe/to-shared.toml"),
               Catch::Contains("in " + shared.string() + ", writable by its group and others"));
}

TEST_CASE("a target file owned by another user than the one running rollcheck is refused") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("target.toml", "");
    if (::geteuid() != 0) {
        // Only root can give a file away: what can be checked is that one's
        // own file is accepted, and that root's files are (root can write
        // anything anyway, as ssh's StrictModes reasons).
        CHECK(load_target(file).ok());
        CHECK(detail::untrusted_file("/etc/passwd", ::open("/etc/passwd", O_RDONLY | O_CLOEXEC),
                                     "target file", "can run commands")
                  .empty());
        return;
    }
    const struct passwd* nobody = ::getpwnam("nobody");
    REQUIRE(nobody != nullptr);
    REQUIRE(::chown(file.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    CHECK(trust_fault(file) ==
          fmt::format("{0}: owned by nobody, not by {1} who runs rollcheck, and a target file "
                      "can run commands: make it yours (chown {1} {0}) or run rollcheck as nobody",
                      file.string(), me()));
    REQUIRE(::chown(file.c_str(), 0, 0) == 0);
    CHECK(load_target(file).ok()); // root running a file of root's

    // A directory above it owned by another user, who could replace the file.
    const auto theirs = dir / "theirs";
    fs::create_directory(theirs);
    const auto inside = dir.write("theirs/target.toml", "");
    REQUIRE(::chown(theirs.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    CHECK(trust_fault(inside) ==
          fmt::format("{0}: in {1}, owned by nobody, who could replace the file, and a target "
                      "file can run commands: chown {2} {1}, or move the file to a directory of "
                      "yours",
                      inside.string(), theirs.string(), me()));
}
