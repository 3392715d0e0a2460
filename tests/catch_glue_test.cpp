// The Catch2 glue, seen from outside: a suite's failing result shows its
// summary and evidence in the console and in the JUnit report, rollcheck's
// options reach the suite, and a filter that matches nothing fails the run.

#include <catch2/catch.hpp>
#include <rollcheck/command.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;

namespace {

command_outcome run_sample(std::vector<std::string> args) {
    return rollcheck_test::run_program(ROLLCHECK_SAMPLE_SUITE, std::move(args),
                                       std::chrono::seconds(60));
}

} // namespace

TEST_CASE("a failing result's summary and evidence appear in the console") {
    const auto r = run_sample({"[data]"});
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 1);
    const auto out = r.out.text();
    CHECK_THAT(out, Catch::Contains("FAIL db.duplicates: 2 duplicated submission_id values in "
                                    "public.opportunities_unified"));
    CHECK_THAT(out, Catch::Contains("- submission_id=t3_abc: 3 rows"));
    CHECK_THAT(out, Catch::Contains("is verified (pass, warn or skip)"));
    CHECK_THAT(out, Catch::Contains("checked: duplicated_keys()"));
}

TEST_CASE("a failing result's evidence appears in the JUnit report") {
    rollcheck_test::temp_dir dir;
    const auto report = dir / "report.xml";
    const auto r = run_sample({"[data],[cron]", "-r", "junit", "-o", report.string()});
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 1);
    const auto xml = rollcheck_test::read_text(report);
    CHECK_THAT(xml,
               Catch::Contains("<testsuite name=\"sample_suite\" errors=\"0\" failures=\"1\""));
    CHECK_THAT(xml, Catch::Contains("<failure"));
    CHECK_THAT(xml, Catch::Contains("FAIL db.duplicates"));
    CHECK_THAT(xml, Catch::Contains("submission_id=t3_def: 2 rows"));
    CHECK_THAT(xml, Catch::Contains("name=\"the schedule is restored\""));
}

TEST_CASE("a warning passes the gate and is reported") {
    const auto r = run_sample({"[backup]", "-s"});
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.text(), Catch::Contains("WARN db.backup: backup is 26 hours old"));
}

TEST_CASE("the --target option names the system under verification, which must exist") {
    rollcheck_test::temp_dir dir;
    const auto target = dir.write("target.toml", "name = \"staging\"\n");
    auto r = run_sample({"[target]", "--target", target.string()});
    CHECK(r.exit_code == 0);

    r = run_sample({"[target]"});
    CHECK(r.exit_code == 1);

    r = run_sample({"[target]", "--target", (dir / "missing.toml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("missing.toml: no such file"));
}

TEST_CASE("a test filter that matches nothing fails the run") {
    const auto r = run_sample({"[no-such-tag]"});
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code != 0);
}

TEST_CASE("Catch2's own options still work") {
    const auto r = run_sample({"--list-test-names-only"});
    CHECK_THAT(r.out.text(), Catch::Contains("the schedule is restored"));
}
