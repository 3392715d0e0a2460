// Time to green and waivers as an operator meets them: the Phase 1-3 suite
// run with --wait while the system recovers, with a deadline it cannot
// meet, and with a waiver file, good and bad.
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/time.hpp>

#include "suite_support.hpp"

using namespace std::chrono_literals;
using rollcheck_test::find_case;
using rollcheck_test::phase1_3;
using rollcheck_test::results;
using rollcheck_test::rolled_back_project;

namespace {

/// A declared Phase 1-3 check of `severity` that passes once `marker` exists.
std::string marker_check(const std::filesystem::path& marker, const std::string& severity) {
    return fmt::format("[[check]]\nphase = \"1-3\"\nseverity = \"{}\"\nname = \"the marker is "
                       "back\"\nkind = \"command.run\"\ncommand = [\"/bin/test\", \"-e\", "
                       "\"{}\"]\n",
                       severity, marker.string());
}

std::string now_text() {
    return rollcheck::format_utc(std::chrono::system_clock::now());
}

} // namespace

TEST_CASE("a suite run with --wait re-runs a failing check until it turns green, and the "
          "reports say when",
          "[suite][wait]") {
    rolled_back_project project;
    const auto marker = project.dir / "marker";
    const auto target = project.target(marker_check(marker, "P2"));
    const auto reports = project.dir / "reports";
    // The system recovers while the suite waits: the marker appears after 2 s.
    // The marker's check alone runs, so that it starts before the marker is
    // back however long the phase's other checks would take.
    auto recovery = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(2s);
        std::ofstream(marker) << "back\n";
    });
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string(), "--since",
                               now_text(), "--wait", "the marker is back"});
    recovery.get();
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    const auto json = results(reports);
    CHECK(json["waited"] == true);
    const auto& c = find_case(json, "the marker is back");
    CHECK(c["verdict"] == "pass");
    CHECK(c["attempts"].get<int>() >= 2);
    CHECK(c["green_after_seconds"].get<double>() >= 2.0);
    REQUIRE(json["recovery"].size() == 1);
    CHECK(json["recovery"][0]["met"] == true);
    CHECK(json["recovery"][0]["target_seconds"] == 300.0);
    CHECK(json["recovery"][0]["time_to_green_seconds"].get<double>() >= 2.0);
}

TEST_CASE("without --wait a failing check runs once, and its phase is not green", "[suite][wait]") {
    rolled_back_project project;
    const auto target = project.target(marker_check(project.dir / "marker", "P2"));
    const auto reports = project.dir / "reports";
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string()});
    CHECK(run.exit_code == 1);
    const auto json = results(reports);
    CHECK(find_case(json, "the marker is back")["attempts"] == 1);
    CHECK(json["recovery"][0]["met"] == false);
    CHECK(json["recovery"][0]["not_green"] == 1);
}

TEST_CASE("a suite run with --wait gives up at the phase's deadline, and an error stays an error",
          "[suite][wait]") {
    rolled_back_project project;
    const auto target = project.target(
        "[recovery]\n1-3 = \"8s\"\n\n[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = "
        "\"a tool that is not installed\"\nkind = \"command.run\"\ncommand = "
        "[\"/nonexistent/tool\"]\n");
    const auto reports = project.dir / "reports";
    const auto started = std::chrono::steady_clock::now();
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string(), "--since",
                               now_text(), "--wait"});
    // A deadline, not a hang: 8 s of waiting plus the other checks' own time (8 s, not
    // less: on a loaded machine the first round of the phase's checks can outlast a
    // shorter deadline, leaving no second attempt to see).
    CHECK(std::chrono::steady_clock::now() - started < 60s);
    CHECK(run.exit_code == 2);
    const auto json = results(reports);
    const auto& c = find_case(json, "a tool that is not installed");
    CHECK(c["verdict"] == "error");
    CHECK(c["attempts"].get<int>() >= 2);
    CHECK(c["green_at"].is_null());
    CHECK(json["recovery"][0]["target_seconds"] == 8.0);
    CHECK_THAT(json["recovery"][0]["text"].get<std::string>(),
               Catch::EndsWith("target 8 s: missed"));
}

TEST_CASE("a waiver file turns a failing P2 check into waived until it expires",
          "[suite][waiver]") {
    rolled_back_project project;
    const auto waivers = project.dir.write(
        "waivers.toml", "[[waiver]]\ncheck = \"the marker is back\"\nphase = \"1-3\"\n"
                        "justification = \"the marker returns with the next deploy; OPS-7\"\n"
                        "expires = 2099-12-31\n");
    const auto target = project.target(marker_check(project.dir / "marker", "P2"));
    const auto reports = project.dir / "reports";
    auto run = phase1_3(
        {"--target", target.string(), "--report", reports.string(), "--waivers", waivers.string()});
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("1 waived"));
    const auto json = results(reports);
    const auto& c = find_case(json, "the marker is back");
    CHECK(c["verdict"] == "waived");
    CHECK(c["check_verdict"] == "fail");
    CHECK(c["waiver"]["where"] == waivers.string() + ":1:1");

    SECTION("never for a P1 failure") {
        project.target(marker_check(project.dir / "marker", "P1"));
        run = phase1_3({"--target", target.string(), "--report", reports.string(), "--waivers",
                        waivers.string()});
        CHECK(run.exit_code == 1);
        CHECK_THAT(results(reports)["notes"].dump(), Catch::Contains("not applied"));
    }
    SECTION("named in the target's [rollback] table too") {
        project.target(marker_check(project.dir / "marker", "P2") +
                       "\n[rollback]\nwaivers = \"waivers.toml\"\n");
        run = phase1_3({"--target", target.string()});
        CHECK(run.exit_code == 0);
    }
}

TEST_CASE("a waiver naming no check of the suite's phase stops the run before any check",
          "[suite][waiver]") {
    rolled_back_project project;
    const auto waivers = project.dir.write(
        "waivers.toml", "[[waiver]]\ncheck = \"the marker is back\"\nphase = \"1-3\"\n"
                        "justification = \"x\"\nexpires = 2099-12-31\n\n"
                        "[[waiver]]\ncheck = \"the markr is back\"\nphase = \"1-3\"\n"
                        "justification = \"typo\"\nexpires = 2099-12-31\n\n"
                        "[[waiver]]\ncheck = \"a check of phase 7\"\nphase = \"7\"\n"
                        "justification = \"another suite's\"\nexpires = 2099-12-31\n");
    const auto target = project.target(marker_check(project.dir / "marker", "P2"));
    const auto run = phase1_3({"--target", target.string(), "--waivers", waivers.string()});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err.text(),
               Catch::Contains(waivers.string() + ":7:1: no check named 'the markr is back' in "
                                                  "phase 1-3 of verify-phase1-3"));
    CHECK_THAT(run.err.text(), !Catch::Contains("a check of phase 7"));

    const auto bad = project.dir.write("bad.toml", "[[waiver]]\ncheck = \"the marker is back\"\n"
                                                   "phase = \"1-3\"\nexpires = 2099-12-31\n");
    const auto refused = phase1_3({"--target", target.string(), "--waivers", bad.string()});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err.text(), Catch::Contains("bad.toml:1:1: [[waiver]]: missing key "
                                                   "'justification'"));
}
