// The plan is data: a phase appended to a copy of plans/reddit_harbor.toml
// runs with the suite program as built, and a slip in that edit is caught
// before any check runs, at its line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using rollcheck_test::temp_dir;

nlohmann::json results(const fs::path& reports) {
    std::ifstream in(reports / "results.json");
    return nlohmann::json::parse(in);
}

/// A copy of the shipped plan with the fixture `addition` appended, and a
/// target whose project is an empty directory.
struct edited_plan {
    temp_dir dir;
    std::string text;
    fs::path plan, target, reports = dir / "reports";

    explicit edited_plan(const std::string& addition) {
        text = rollcheck_test::read_text(ROLLCHECK_SHIPPED_PLAN) + "\n" +
               rollcheck_test::read_text(fs::path(ROLLCHECK_PLAN_FIXTURES) / addition);
        plan = dir.write("plan.toml", text);
        fs::create_directories(dir / "project");
        target = dir.write("target.toml", "[project]\nroot = \"project\"\n");
    }

    [[nodiscard]] rollcheck::command_outcome run_smoke() const {
        return rollcheck_test::run_program(ROLLCHECK_SUITE,
                                           {"--plan", plan.string(), "--phase", "smoke", "--target",
                                            target.string(), "--report", reports.string()},
                                           std::chrono::seconds(60));
    }

    /// The line of `needle` in the edited plan, counted from 1.
    [[nodiscard]] std::size_t line_of(const std::string& needle) const {
        const auto at = text.find(needle);
        REQUIRE(at != std::string::npos);
        return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n'));
    }
};

} // namespace

TEST_CASE("a phase appended to a copy of the shipped plan runs without a rebuild", "[plan]") {
    const edited_plan edit("smoke-phase.toml");
    const auto run = edit.run_smoke();
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    const auto json = results(edit.reports);
    REQUIRE(json["cases"].size() == 1);
    const auto& only = json["cases"][0];
    CHECK(only["id"] == "smoke.scratch-gone");
    CHECK(only["name"] == "no scratch directory left in the project");
    CHECK(only["phase"] == "smoke");
    CHECK(only["tags"] == nlohmann::json::array({"[P3]", "[phase:smoke]"}));
    CHECK(only["verdict"] == "pass");
}

TEST_CASE("a check of no known kind in the edited copy exits 2 at its line, reports written",
          "[plan]") {
    const edited_plan edit("bogus-kind.toml");
    const auto run = edit.run_smoke();
    CHECK(run.exit_code == 2);
    const auto where =
        fmt::format("{}:{}:1", edit.plan.string(), edit.line_of("[[check]]\nid = \"smoke."));
    const auto fault = fmt::format("{}: [[check]] 'smoke.scratch-gone' (kind files.bogus): no "
                                   "such check kind (`rollcheck --help` lists them)",
                                   where);
    CHECK_THAT(run.err.text(), Catch::Contains(fault));
    REQUIRE(fs::exists(edit.reports / "results.json"));
    const auto json = results(edit.reports);
    REQUIRE(json["cases"].size() == 1);
    CHECK(json["cases"][0]["verdict"] == "error");
    CHECK_THAT(json["cases"][0].dump(), Catch::Contains(fault));
}
