// The phase suites as an operator runs them: the Phase 1-3 suite against a
// small Python project, its target file, its reports and its exit status;
// Phase 7's restore of the backup, run when the target asks for it.
#include <chrono>
#include <ctime>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pg_admin.hpp"
#include "suite_support.hpp"

namespace {

using rollcheck_test::phase1_3;
using rollcheck_test::results;
using rollcheck_test::rolled_back_project;
using rollcheck_test::run_program;
using rollcheck_test::temp_dir;

} // namespace

TEST_CASE("a suite run without --target exits 2 and says how to give one", "[suite]") {
    const auto run = phase1_3({});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("give --target FILE"));
}

TEST_CASE("a malformed target file exits 2 before any check, naming the key, and every "
          "report is still written",
          "[suite]") {
    temp_dir dir;
    const auto target = dir.write("target.toml", "[database]\ntabel = \"x\"\n");
    const auto run = phase1_3({"--target", target.string(), "--report", (dir / "r").string()});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(), Catch::Contains("tabel") && Catch::Contains("target.toml:2:"));
    for (const char* report : {"junit.xml", "results.json", "report.md"})
        CHECK(std::filesystem::exists(dir / "r" / report));
    const auto json = results(dir / "r");
    REQUIRE(json["cases"].size() == 1);
    CHECK(json["cases"][0]["verdict"] == "error");
}

TEST_CASE("phase 1-3 passes on a project rolled back properly, with pytest's counts in the "
          "evidence",
          "[suite]") {
    rolled_back_project project;
    const auto reports = project.dir / "reports";
    const auto run =
        phase1_3({"--target", project.target().string(), "--report", reports.string()});
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("PASS: 3 checks: 3 passed"));
    const auto json = results(reports);
    REQUIRE(json["cases"].size() == 3);
    for (const auto& c : json["cases"]) {
        CHECK(c["phase"] == "1-3");
        CHECK(c["verdict"] == "pass");
    }
    CHECK_THAT(rollcheck_test::read_text(reports / "report.md"),
               Catch::Contains("tests: 2 ran, 0 failed, 0 errored, 0 skipped"));
}

TEST_CASE("a new module left behind fails its check by name, and the suite exits 1", "[suite]") {
    rolled_back_project project;
    project.dir.write("project/core/pipeline/__init__.py", "");
    const auto reports = project.dir / "reports";
    const auto run =
        phase1_3({"--target", project.target().string(), "--report", reports.string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out.text(), Catch::Contains("FAIL"));
    CHECK_THAT(rollcheck_test::read_text(reports / "report.md"), Catch::Contains("core/pipeline"));
}

TEST_CASE("a [[check]] of the target runs as a test case of its phase, with the command "
          "line's options",
          "[suite]") {
    rolled_back_project project;
    const auto target = project.target(fmt::format(
        "[[check]]\nphase = \"1-3\"\nseverity = \"P3\"\nname = \"the agents stay gone\"\n"
        "kind = \"py.imports\"\npython = \"/usr/bin/python3\"\ncwd = \"{0}\"\ngone = "
        "[\"core.agents\"]\n\n"
        "[[check]]\nphase = \"1-3\"\nseverity = \"P3\"\nname = \"a misspelt option\"\n"
        "kind = \"files.absent\"\npaths = [\"core/agents\"]\ncolour = \"red\"\n\n"
        "[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = \"the fetchers stay gone\"\n"
        "kind = \"files.absent\"\nroot = \"{0}\"\npaths = [\"core/fetchers\", "
        "\"core/agents\"]\n\n"
        "[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = \"the scorer still runs\"\n"
        "kind = \"command.run\"\ncwd = \"{0}\"\ncommand = [\"/usr/bin/python3\", \"-c\", "
        "\"import core.scoring\"]\n",
        (project.dir / "project").string()));
    const auto reports = project.dir / "reports";
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string()});
    CHECK(run.exit_code == 2);
    const auto json = results(reports);
    REQUIRE(json["cases"].size() == 7);
    CHECK(json["cases"][3]["name"] == "the agents stay gone");
    CHECK(json["cases"][3]["verdict"] == "pass");
    CHECK(json["cases"][4]["verdict"] == "error");
    CHECK_THAT(json["cases"][4].dump(),
               Catch::Contains("colour") && Catch::Contains("target.toml:"));
    // A positional option by its name; a value starting with a dash stays a value.
    CHECK(json["cases"][5]["verdict"] == "pass");
    CHECK_THAT(json["cases"][5].dump(), Catch::Contains("2 paths"));
    CHECK(json["cases"][6]["verdict"] == "pass");
    CHECK_THAT(json["cases"][6].dump(), Catch::Contains("import core.scoring"));
}

TEST_CASE("a filter that selects no test case exits 2", "[suite]") {
    rolled_back_project project;
    const auto run = phase1_3({"--target", project.target().string(), "[no-such-tag]"});
    CHECK(run.exit_code == 2);
}

TEST_CASE("phase 7 restores the backup only when the target asks, and otherwise says why not",
          "[suite]") {
    temp_dir dir;
    const auto db = rollcheck_test::make_database(
        "harbor", "CREATE TABLE opportunities_unified (submission_id text);"
                  "INSERT INTO opportunities_unified VALUES ('t3_a'), ('t3_b'), ('t3_b')");
    REQUIRE(rollcheck_test::pg_dump(db, dir / "backup.dump"));
    const auto restore_case = [&](const std::string& extra) {
        const auto target =
            dir.write("target.toml", "[database]\nbackup = \"backup.dump\"\n" + extra);
        const auto reports = dir / "reports";
        const auto run = run_program(
            ROLLCHECK_PHASE7,
            {"--target", target.string(), "--report", reports.string(), "backup restores*"},
            std::chrono::seconds(120));
        INFO(run.out.text() << run.err.text());
        const auto json = results(reports);
        REQUIRE(json["cases"].size() == 1);
        CHECK(json["cases"][0]["tags"] ==
              nlohmann::json::array({"[P1]", "[before]", "[db]", "[phase7]"}));
        return std::make_pair(run.exit_code, json["cases"][0]);
    };

    auto [status, skipped] = restore_case("");
    CHECK(status == 0);
    CHECK(skipped["verdict"] == "skip");
    CHECK_THAT(skipped.dump(), Catch::Contains("[backup] restore_check = true"));

    auto [failed_status, restored] = restore_case("[backup]\nrestore_check = true\n");
    CHECK(failed_status == 1);
    CHECK(restored["verdict"] == "fail");
    CHECK_THAT(restored.dump(),
               Catch::Contains("restored into a throwaway cluster in ") &&
                   Catch::Contains("public.opportunities_unified holds 1 duplicated "
                                   "submission_id value (1 excess row)") &&
                   Catch::Contains(R"("count":2,"key":["t3_b"])"));
}

TEST_CASE("phase 11 takes cron's record of starting the job as proof that it ran since the "
          "rollback",
          "[suite]") {
    temp_dir dir;
    const auto now = std::chrono::system_clock::now();
    const auto stamp = [&](std::chrono::minutes ago) {
        const auto t = std::chrono::system_clock::to_time_t(now - ago);
        std::tm utc{};
        ::gmtime_r(&t, &utc);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
        return std::string(text);
    };
    // The job logs no progress since the rollback; cron's record is the only
    // proof, and only a record after the rollback counts.
    dir.write("project/logs/batch_opportunity_scoring.log",
              stamp(std::chrono::minutes(300)) + " processed 10 submissions\n" +
                  stamp(std::chrono::minutes(20)) + " connecting to the database\n");
    const auto record = [&](std::chrono::minutes ago) {
        return fmt::format("{} host CRON[4242]: (app) CMD (python   "
                           "scripts/core/cron_record_probe.py)\n",
                           stamp(ago));
    };
    // A busy syslog: another job's record since the rollback, this one's before.
    const auto other = fmt::format("{} host CRON[4300]: (root) CMD (run-parts /etc/cron.hourly)\n",
                                   stamp(std::chrono::minutes(5)));
    dir.write("syslog", record(std::chrono::minutes(120)) + other);
    const auto target = dir.write(
        "target.toml", fmt::format("[project]\nroot = \"project\"\n[cron]\ncommand = \"python "
                                   "scripts/core/cron_record_probe.py\"\nsyslog = [\"syslog\"]\n"
                                   "[rollback]\nsince = \"{}\"\n",
                                   stamp(std::chrono::minutes(30))));
    const auto run = [&] {
        return run_program(ROLLCHECK_PHASE11,
                           {"--target", target.string(), "--report", (dir / "r").string(),
                            "the batch job running*"},
                           std::chrono::seconds(60));
    };
    const auto before = run();
    INFO(before.out.text() << before.err.text());
    CHECK(before.exit_code == 1);
    CHECK_THAT(results(dir / "r")["cases"][0].dump(), Catch::Contains("cron's record: no record"));

    dir.write("syslog",
              record(std::chrono::minutes(120)) + other + record(std::chrono::minutes(3)));
    const auto after = run();
    INFO(after.out.text() << after.err.text());
    CHECK(after.exit_code == 0);
    const auto json = results(dir / "r");
    REQUIRE(json["cases"].size() == 1);
    CHECK(json["cases"][0]["verdict"] == "pass");
    CHECK_THAT(json["cases"][0].dump(),
               Catch::Contains("cron's record shows it") && Catch::Contains("syslog"));
}

TEST_CASE("a [[check]]'s relative paths and the project's environment hold wherever the suite "
          "starts",
          "[suite]") {
    rolled_back_project project;
    const auto target = project.target(
        "environment = { SCORE_FACTOR = \"2\" }\n\n"
        "[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = \"the scorer runs from the root\"\n"
        "kind = \"command.run\"\ncwd = \".\"\ncommand = [\"/usr/bin/python3\", \"-c\", "
        "\"import os, core.scoring; assert os.environ['SCORE_FACTOR'] == '2'\"]\n");
    const auto reports = project.dir / "reports";
    // run_program starts the suite in this test's working directory, never the project's.
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string(),
                               "the scorer runs from the root"});
    CHECK(run.exit_code == 0);
    CHECK(rollcheck_test::find_case(results(reports), "the scorer runs from the root")["verdict"] ==
          "pass");
}

TEST_CASE("with --before each failing check is marked new since the rollback or failing before "
          "it too",
          "[suite]") {
    rolled_back_project project;
    project.dir.write("project/core/agents/__init__.py", "");
    const auto target = project.target();
    const auto before = project.dir / "before";
    auto run = phase1_3({"--target", target.string(), "--report", before.string()});
    REQUIRE(run.exit_code == 1);

    project.dir.write("project/core/scoring.py", "def score(x):\n    return 3 * x\n");
    const auto after = project.dir / "after";
    run = phase1_3(
        {"--target", target.string(), "--report", after.string(), "--before", before.string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out.text(),
               Catch::Contains("FAIL: 3 checks: 3 failed (1 new since the rollback, 2 failing "
                               "before it too); worst failing severity P1"));
    const auto json = results(after);
    CHECK(json["before"] == (before / "results.json").string());
    CHECK(rollcheck_test::find_check(json, "phase1-3.old-system-imports")["before_rollback"] ==
          "failing before the rollback too, same evidence");
    CHECK(rollcheck_test::find_check(json, "phase1-3.tests-pass")["before_rollback"] ==
          "new since the rollback");
    CHECK_THAT(rollcheck_test::read_text(after / "report.md"),
               Catch::Contains("new since the rollback"));
    CHECK_THAT(rollcheck_test::read_text(after / "junit.xml"),
               Catch::Contains("failing before the rollback too, same evidence"));

    run = phase1_3({"--target", target.string(), "--before", (project.dir / "nowhere").string()});
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err.text(), Catch::Contains("warning: --before: cannot read '" +
                                               (project.dir / "nowhere").string() +
                                               "': No such file or directory"));
}
