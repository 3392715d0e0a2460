// junit.xml: valid against the Ant JUnit schema CI servers read, one
// testsuite per phase, and well-formed whatever bytes the evidence held.
#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>
#include <rollcheck/detail/report/junit.hpp>
#include <rollcheck/detail/report/text.hpp>

#include "report_support.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using rollcheck_test::read_text;

namespace {

// Both come from CMake: the schema in the shared folder beside the checkout,
// and xmllint as find_program found it.
const std::filesystem::path junit_schema = ROLLCHECK_JUNIT_XSD;
const std::filesystem::path xmllint = ROLLCHECK_XMLLINT;

/// Why schema validation cannot run here, or "" when it can. A checkout
/// without the shared folder warns and skips; ctest reports the test as
/// skipped on this message (tests/report/CMakeLists.txt).
std::string validation_unavailable(bool need_schema = true) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(xmllint, ec))
        return "SKIPPED: JUnit schema validation: xmllint was not found (libxml2-utils)";
    if (need_schema && !std::filesystem::is_regular_file(junit_schema, ec))
        return "SKIPPED: JUnit schema validation: " + junit_schema.string() + " does not exist";
    return {};
}

/// xmllint's verdict on `file`: well-formedness, and validity when `schema`.
command_outcome lint(const std::filesystem::path& file, bool schema) {
    std::vector<std::string> args = {"--noout"};
    if (schema) args.insert(args.end(), {"--schema", junit_schema.string()});
    args.push_back(file.string());
    return rollcheck_test::run_program(xmllint.string(), args);
}

std::string junit_of(const run_record& run, const rollcheck_test::temp_dir& dir) {
    write_junit(run, dir / "junit.xml");
    return read_text(dir / "junit.xml");
}

bool valid_utf8_without_controls(const std::string& text) {
    return detail::clean_text(text) == text &&
           std::none_of(text.begin(), text.end(), [](char c) { return c == '\x01' || c == 0x1b; });
}

} // namespace

TEST_CASE("junit.xml is valid against the Ant JUnit schema") {
    if (const auto why = validation_unavailable(); !why.empty()) {
        WARN(why);
        return;
    }
    rollcheck_test::temp_dir dir;
    run_record passed;
    passed.suite = "verify-phase11";
    passed.cases.push_back(rollcheck_test::make_case(
        "no process runs run_unified_pipeline", "11", "P0",
        {check_result::pass("proc.absent", "no process matches run_unified_pipeline")}));
    auto waived = rollcheck_test::sample_run();
    waived.cases[0].waived_by = waiver{"no duplicated submission_id in opportunities_unified",
                                       "7",
                                       "cleanup <scheduled> & approved",
                                       "2099-12-31",
                                       "",
                                       "waivers.toml:1:1"};
    for (const auto& run : {rollcheck_test::sample_run(), passed, run_record{}, waived}) {
        write_junit(run, dir / "junit.xml");
        const auto r = lint(dir / "junit.xml", true);
        INFO(read_text(dir / "junit.xml"));
        INFO(r.err.text());
        CHECK(r.succeeded());
        CHECK_THAT(r.err.text(), Catch::Contains("junit.xml validates"));
    }
}

TEST_CASE("the schema check refuses a timestamp with a zone, so it does check") {
    if (const auto why = validation_unavailable(); !why.empty()) {
        WARN(why);
        return;
    }
    rollcheck_test::temp_dir dir;
    auto xml = junit_of(rollcheck_test::sample_run(), dir);
    const std::string stamp = "timestamp=\"2026-11-28T09:26:24\"";
    REQUIRE(xml.find(stamp) != std::string::npos);
    xml.replace(xml.find(stamp), stamp.size(), "timestamp=\"2026-11-28T09:26:24Z\"");
    const auto broken = dir.write("zoned.xml", xml);
    const auto r = lint(broken, true);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err.text(), Catch::Contains("fails to validate"));
}

TEST_CASE("junit.xml stays well-formed whatever bytes the evidence held") {
    rollcheck_test::temp_dir dir;
    const auto xml = junit_of(rollcheck_test::sample_run(), dir);
    CHECK(valid_utf8_without_controls(xml));
    // The bytes 0xff 0xfe, \x01 and ESC each became U+FFFD.
    CHECK_THAT(xml,
               Catch::Contains("t3_\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD[0m: 2 rows"));
    CHECK_THAT(xml, Catch::Contains("submission_id=t3_&lt;abc&gt;&amp;\"x\": 3 rows"));
    CHECK_THAT(xml, Catch::Contains("name=\"the scoring log has no ERROR | CRITICAL lines\""));
    if (const auto why = validation_unavailable(false); !why.empty()) {
        WARN(why);
        return;
    }
    const auto r = lint(dir / "junit.xml", false);
    INFO(r.err.text());
    CHECK(r.succeeded());
}

TEST_CASE("junit.xml has one testsuite per phase, in the order the phases ran") {
    rollcheck_test::temp_dir dir;
    const auto xml = junit_of(rollcheck_test::sample_run(), dir);
    const auto at = [&](const std::string& s) { return xml.find(s); };
    const auto header = [](int id, const std::string& phase, int tests, int failures, int errors,
                           int skipped, const std::string& time) {
        return fmt::format("<testsuite package=\"verify-rehearsal\" id=\"{}\" name=\"phase{}\" "
                           "timestamp=\"2026-11-28T09:26:24\" hostname=\"db1\" tests=\"{}\" "
                           "failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
                           id, phase, tests, failures, errors, skipped, time);
    };
    // The suites run a plan's checks in its order; phase ids need not be numbers.
    const auto phase7 = at(header(0, "7", 3, 1, 1, 0, "0.512"));
    const auto phase1 = at(header(1, "1-3", 2, 0, 0, 0, "0.500"));
    const auto phase9 = at(header(2, "9-10", 1, 0, 0, 1, "0.250"));
    const auto phase11 = at(header(3, "11", 2, 0, 1, 0, "0.500"));
    INFO(xml);
    REQUIRE(phase11 != std::string::npos);
    CHECK(phase7 < phase1);
    CHECK(phase1 < phase9);
    CHECK(phase9 < phase11);
    CHECK_THAT(xml,
               Catch::Contains("<property name=\"since\" value=\"2026-11-28T09:00:00.000Z\"/>"));
    CHECK_THAT(xml, Catch::Contains("<property name=\"target_summary\" value=\"database host db1 "
                                    "port 5432 database reddit_harbor; project /srv/app\"/>"));
    CHECK_THAT(xml, Catch::Contains("<property name=\"note\" value=\"logs.scan: no --since"));
}

TEST_CASE("fail, error and skip become failure, error and skipped, and warn passes") {
    rollcheck_test::temp_dir dir;
    const auto xml = junit_of(rollcheck_test::sample_run(), dir);
    INFO(xml);
    CHECK_THAT(xml, Catch::Contains(
                        "<testcase classname=\"phase7\" name=\"no duplicated submission_id in "
                        "opportunities_unified\" time=\"0.012\">\n      <failure "
                        "message=\"db.duplicates: 2 duplicated submission_id values in "
                        "public.opportunities_unified\" type=\"db.duplicates\">severity P0; tags "
                        "[phase7][P0][after]; verdict fail; 0.012 s\nFAIL db.duplicates: 2 "
                        "duplicated submission_id values in public.opportunities_unified (12 ms)\n"
                        "  - submission_id=t3_&lt;abc&gt;&amp;\"x\": 3 rows\n"));
    CHECK_THAT(xml, Catch::Contains("<error message=\"db.backup: could not verify: "
                                    "backup_20261128.sql: no such file\" type=\"db.backup\">"));
    CHECK_THAT(xml, Catch::Contains("<error message=\"failure: REQUIRE( rows_written &gt; 0 ) "
                                    "failed: 0 &gt; 0\" type=\"case failure\">"));
    CHECK_THAT(xml, Catch::Contains("<skipped message=\"net.http: not applicable: the sandbox "
                                    "runs no containers\"/>"));
    CHECK_THAT(xml, Catch::Contains("<testcase classname=\"phase1-3\" name=\"pytest tests/ -v "
                                    "exits 0\" time=\"0.250\"/>"));
    // The schema has no per-case properties or output: the suite's system-out carries them.
    CHECK_THAT(xml, Catch::Contains("== pytest tests/ -v exits 0\nseverity P3; tags "
                                    "[phase1-3][P3][after]; verdict warn; 0.250 s\nverified at "
                                    "2026-11-28T09:26:36.000Z after 1 attempt\nWARN "
                                    "command.run: exited 0 after 4.5 s; 2 tests skipped (0 ms)\n"));
}

TEST_CASE("a run that checked nothing shows CI an error, not an empty report") {
    rollcheck_test::temp_dir dir;
    const auto xml = junit_of(run_record{}, dir);
    CHECK_THAT(xml, Catch::Contains("name=\"unphased\""));
    CHECK_THAT(xml, Catch::Contains("hostname=\"localhost\" tests=\"1\" failures=\"0\" "
                                    "errors=\"1\""));
    CHECK_THAT(xml, Catch::Contains("<error message=\"failure: no check ran: nothing was "
                                    "verified\" type=\"case failure\">"));
}
