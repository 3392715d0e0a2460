// The composite checks as a target file's [[check]] names them: each kind is
// a subcommand, reached through run_declared_check as the suites reach it.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/commands.hpp>
#include <rollcheck/time.hpp>

#include "code_support.hpp"

using namespace rollcheck;

TEST_CASE("job.ran, files.removed and command.run's --env are kinds a [[check]] can name") {
    rollcheck_test::checkout tree;
    const auto log = tree.dir.write("logs/batch.log", format_utc(std::chrono::system_clock::now()) +
                                                          " INFO scored 3\n");
    const auto command = "python3 " + rollcheck_test::unique_name("batch_job") + ".py";
    auto r = cli::run_declared_check(
        "job.ran", {"--command=" + command, "--log=" + log.string(), "--since=10m"},
        "target.toml:3:1");
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "job.ran");
    CHECK(r.totals["proved_by"] == "its log");

    r = cli::run_declared_check("files.removed",
                                {"--root=" + tree.dir.path().string(), "--paths=core/pipeline/",
                                 "--python=" + rollcheck_test::python, "--gone=core.pipeline",
                                 "--module=core.lead_extractor"},
                                "target.toml:9:1");
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "files.removed");
    CHECK_THAT(r.summary, Catch::StartsWith("paths: 1 path absent under " +
                                            tree.dir.path().string() + "; imports: "));

    r = cli::run_declared_check(
        "command.run", {"--env=X=y", "--shell", R"(--command=test "$X" = y)"}, "target.toml:16:1");
    REQUIRE_VERDICT(r, verdict::pass);
    r = cli::run_declared_check("command.run", {"--env=X", "--shell", "--command=true"},
                                "target.toml:21:1");
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("command.run (target.toml:21:1): ") &&
                              Catch::Contains("'X' is not NAME=VALUE"));
}
