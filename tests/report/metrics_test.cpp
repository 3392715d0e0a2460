// rollcheck.prom: the text exposition format node_exporter's textfile
// collector reads, checked line by line against the format's grammar (and
// by promtool where it is installed), with the values a dashboard needs.
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <rollcheck/report.hpp>

#include "report_support.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

using namespace rollcheck;

namespace {

/// The samples of a metrics text, keyed "name{labels}"; fails the test on
/// any line the format does not allow, a sample of an undeclared family, a
/// family declared twice or a series given twice.
std::map<std::string, double> parse_metrics(const std::string& text) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge)");
    static const std::regex label(R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")");
    static const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+))");
    std::set<std::string> typed;
    std::map<std::string, double> samples;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        INFO(line);
        if (std::regex_match(line, m, help)) continue;
        if (std::regex_match(line, m, type)) {
            CHECK(typed.insert(m[1]).second);
            continue;
        }
        REQUIRE(std::regex_match(line, m, sample));
        CHECK(typed.count(m[1]) == 1);
        std::size_t used = 0;
        const double value = std::stod(m[3], &used);
        CHECK(used == m[3].str().size());
        CHECK(samples.emplace(m[1].str() + "{" + m[2].str() + "}", value).second);
    }
    return samples;
}

} // namespace

TEST_CASE("rollcheck.prom follows the exposition format and holds every check") {
    auto run = rollcheck_test::sample_run();
    run.cases.push_back(rollcheck_test::make_case("name with \"quotes\", a \\ and\na newline", "11",
                                                  "P3", {check_result::fail("logs.scan", "x")}));
    rollcheck_test::temp_dir dir;
    write_metrics(run, dir / "rollcheck.prom");
    const auto samples = parse_metrics(rollcheck_test::read_text(dir / "rollcheck.prom"));
    const std::string suite = "suite=\"verify-rehearsal\"";
    CHECK(samples.at("rollcheck_run_exit_status{" + suite + "}") == 2);
    CHECK(samples.at("rollcheck_run_checks{" + suite + ",verdict=\"fail\"}") == 2);
    CHECK(samples.at("rollcheck_run_duration_seconds{" + suite + "}") == 65.5);
    CHECK(samples.at("rollcheck_phase_recovery_met{" + suite + ",phase=\"1-3\"}") == 0);
    CHECK(samples.at("rollcheck_phase_recovery_target_seconds{" + suite + ",phase=\"7\"}") == 3600);
    CHECK(samples.at("rollcheck_phase_time_to_green_seconds{" + suite + ",phase=\"1-3\"}") == 1596);
    CHECK(samples.count("rollcheck_phase_time_to_green_seconds{" + suite + ",phase=\"7\"}") == 0);
    CHECK(samples.at("rollcheck_check_verified{" + suite +
                     ",phase=\"7\",severity=\"P0\",name=\"no duplicated submission_id in "
                     "opportunities_unified\",verdict=\"fail\"}") == 0);
    CHECK(samples.at("rollcheck_check_verified{" + suite +
                     ",phase=\"11\",severity=\"P3\",name=\"name with \\\"quotes\\\", a \\\\ "
                     "and\\na newline\",verdict=\"fail\"}") == 0);
    std::size_t verified = 0;
    for (const auto& [series, value] : samples)
        verified += series.rfind("rollcheck_check_verified{", 0) == 0;
    CHECK(verified == run.cases.size());
}

TEST_CASE("promtool accepts rollcheck.prom, where it is installed") {
    rollcheck_test::temp_dir dir;
    REQUIRE(write_reports(rollcheck_test::sample_run(), dir / "r").empty());
    const auto r = rollcheck_test::run_program(
        "/bin/sh",
        {"-c", "command -v promtool >/dev/null || exit 77; promtool check metrics < \"$0\"",
         (dir / "r" / "rollcheck.prom").string()});
    if (r.exit_code == 77) {
        WARN("SKIPPED: promtool is not installed: the format was checked by the grammar test "
             "alone");
        return;
    }
    INFO(r.out.text() << r.err.text());
    CHECK(r.succeeded());
}
