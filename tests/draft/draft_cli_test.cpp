// `rollcheck plan draft` as an operator runs it: the plan on stdout or in
// --out, what it could not read on stderr, and a draft the suite program
// reads and binds whole (every check's kind and options through the
// command line's own parsers); bad input exits 2 with a message.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path fixtures = ROLLCHECK_DRAFT_FIXTURES;

rollcheck::command_outcome rollcheck_cli(std::vector<std::string> args,
                                         std::map<std::string, std::string> env = {}) {
    return rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args), std::chrono::seconds(30),
                                       std::move(env));
}

fs::path runbook() {
    return fs::path(ROLLCHECK_SOURCE_DIR) / "../shared/rollback-procedures.md";
}

} // namespace

TEST_CASE("each runbook's draft is a plan the suite lists, every check bound through the command "
          "line's parsers") {
    struct runbook_case {
        fs::path file;
        int checks;
    };
    REQUIRE(fs::is_regular_file(runbook()));
    for (const auto& [file, checks] :
         {runbook_case{runbook(), 28}, runbook_case{fixtures / "numbered-steps.md", 9},
          runbook_case{fixtures / "psql-notes.md", 6}, runbook_case{fixtures / "quoting.md", 2}}) {
        INFO(file.string());
        rollcheck_test::temp_dir dir;
        const auto plan = (dir / "plan.toml").string();
        const auto drafted = rollcheck_cli({"plan", "draft", file.string(), "--out", plan});
        INFO(drafted.err.text());
        REQUIRE(drafted.exit_code == 0);
        CHECK(drafted.out.text().empty());
        CHECK_THAT(drafted.err.text(),
                   Catch::Contains(fmt::format("rollcheck plan draft: wrote {}", plan)));
        // Listing binds each check to the plan's defaults and parses its
        // options as `rollcheck <kind>` would: a bad option exits 2.
        const auto listed =
            rollcheck_test::run_program(ROLLCHECK_SUITE, {"--plan", plan, "--list-tests"});
        INFO(listed.out.text() << listed.err.text());
        CHECK(listed.exit_code == 0);
        CHECK_THAT(listed.out.text(), Catch::Contains(fmt::format("{} test cases", checks)));
    }
}

TEST_CASE("without --out the plan goes to stdout, and each warning and TODO to stderr at its "
          "line") {
    const auto run = rollcheck_cli({"plan", "draft", runbook().string()});
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.text().rfind("# Drafted by `rollcheck plan draft` from rollback-procedures.md",
                               0) == 0);
    const auto err = run.err.text();
    CHECK_THAT(err, Catch::Contains("warning: rollback-procedures.md:166: `killall -9 "
                                    "run_unified_pipeline.py` matches a process by its name") &&
                        Catch::Contains("warning: rollback-procedures.md:172: `crontab -e` opens "
                                        "an editor") &&
                        Catch::Contains("todo: rollback-procedures.md:176: ") &&
                        Catch::Contains("note: rollback-procedures.md:186: ") &&
                        Catch::EndsWith("rollcheck plan draft: 7 phases, 28 checks drafted from 33 "
                                        "steps; 3 steps left as TODO; 9 warnings\n"));
}

TEST_CASE("a plan file is replaced only with --force, and --name names the plan") {
    rollcheck_test::temp_dir dir;
    const auto plan = dir.write("plan.toml", "# mine\n").string();
    const auto file = (fixtures / "numbered-steps.md").string();
    auto run = rollcheck_cli({"plan", "draft", file, "--out", plan});
    CHECK(run.exit_code == 2);
    CHECK(run.err.text() ==
          fmt::format("rollcheck plan draft: {} exists: --force replaces it\n", plan));
    CHECK(rollcheck_test::read_text(plan) == "# mine\n");
    run = rollcheck_cli({"plan", "draft", file, "--out", plan, "--force", "--name", "shop"});
    CHECK(run.exit_code == 0);
    CHECK_THAT(rollcheck_test::read_text(plan), Catch::Contains("[plan]\nname = \"shop\"\n"));
}

TEST_CASE("bad input exits 2 with a message naming it, never a crash") {
    rollcheck_test::temp_dir dir;
    const auto huge = dir.write("huge.md", "# Rollback\n");
    fs::resize_file(huge, 50u << 20);
    const auto at = [](const std::string& name) { return (fixtures / name).string(); };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {at("empty.md"), at("empty.md") + ": empty: no runbook to draft a plan from"},
        {at("binary.md"), at("binary.md") + ": a NUL byte at line 3: this is binary data"},
        {huge.string(), huge.string() + ": 52428800 bytes, larger than the 4 MiB a runbook may be"},
        {at("no-phases.md"), at("no-phases.md") + ": no section holds a rollback step"},
        {at("bad-sql.md"), at("bad-sql.md") + ": no step of its 1 phase could be drafted"},
        {at("missing.md"), "cannot read '" + at("missing.md") + "': No such file or directory"},
        {fixtures.string(), "cannot read '" + fixtures.string() + "': is a directory"}};
    for (const auto& [input, message] : cases) {
        INFO(input);
        const auto run =
            rollcheck_cli({"plan", "draft", input, "--out", (dir / "plan.toml").string()});
        CHECK(run.status == rollcheck::command_status::exited);
        CHECK(run.exit_code == 2);
        CHECK_THAT(run.err.text(), Catch::Contains("rollcheck plan draft: " + message));
        CHECK_FALSE(fs::exists(dir / "plan.toml"));
    }
    // The SQL that does not parse is said, at its line.
    const auto run = rollcheck_cli({"plan", "draft", at("bad-sql.md")});
    CHECK_THAT(run.err.text(), Catch::StartsWith("todo: bad-sql.md:8: `SELEC order_id") &&
                                   Catch::Contains("syntax error at or near \"SELEC\""));
}

TEST_CASE("plan draft loads cmark-gfm and libpg_query, and never libpq") {
    // LD_DEBUG=files: the loader names each library it loads, on stderr.
    const auto run = rollcheck_cli({"plan", "draft", (fixtures / "numbered-steps.md").string()},
                                   {{"LD_DEBUG", "files"}});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.err.text(), Catch::Contains("libcmark-gfm.so") &&
                                   Catch::Contains("libpg_query.so") &&
                                   !Catch::Contains("libpq.so"));
}
