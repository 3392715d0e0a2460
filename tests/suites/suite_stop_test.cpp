// A stopped run still tells what it found and leaves nothing behind: a suite
// or the command line sent SIGTERM while a check's command runs writes every
// report, says which check the signal cut short and which never ran, exits
// 128+15, and no process of its command outlives it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <csignal>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "pg_admin.hpp"
#include "process_mark.hpp"
#include "suite_support.hpp"

using namespace rollcheck_test;

namespace {

const std::filesystem::path fixtures = ROLLCHECK_STOP_FIXTURES;

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The line of `out` that starts with `prefix`; empty when none does.
std::string line_starting(const std::string& out, const std::string& prefix) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    return {};
}

/// Requires `file` valid against the Ant JUnit schema; warns when that cannot be checked here.
void require_valid_junit(const std::filesystem::path& file) {
    const std::filesystem::path xmllint = ROLLCHECK_XMLLINT, schema = ROLLCHECK_JUNIT_XSD;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(xmllint, ec) ||
        !std::filesystem::is_regular_file(schema, ec)) {
        WARN("SKIPPED: JUnit schema validation: no xmllint or no " << schema.string());
        return;
    }
    const auto lint =
        run_program(xmllint.string(), {"--noout", "--schema", schema.string(), file.string()});
    INFO(lint.err.text());
    REQUIRE(lint.succeeded());
}

} // namespace

/// A phase 1-3 run over the rolled-back project, with the [[check]]s of
/// `fixture` and the further `args`, and what it left: its outcome, results.json.
struct stopped_suite {
    rolled_back_project project;
    std::filesystem::path reports = project.dir / "reports";
    rollcheck::command_outcome run;
    nlohmann::json json;

    stopped_suite(const std::string& fixture, std::vector<std::string> args = {}) {
        const auto target = project.target(read_text(fixtures / fixture));
        args.insert(args.begin(), {"--target", target.string(), "--report", reports.string()});
        run = phase1_3(args);
        if (std::filesystem::exists(reports / "results.json")) json = results(reports);
    }
    /// The closing line the suite printed.
    [[nodiscard]] std::string closing() const { return line_starting(run.out.text(), "ERROR: "); }
};

TEST_CASE("a suite sent SIGTERM while a command runs reports every check and leaves no process",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-command.toml");
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 143);
    CHECK(s.closing() == "ERROR: 5 checks: 3 passed, 2 errors; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by SIGTERM");
    const auto& json = s.json;
    const auto& stopped = find_case(json, "a job stopped mid-way");
    CHECK(stopped["verdict"] == "error");
    const std::regex cut("interrupted by SIGTERM after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    const auto& after = find_case(json, "a check after the stop");
    CHECK(after["verdict"] == "error");
    CHECK(after["failure"] == "not run: the run was interrupted");
    CHECK(after["results"].empty());
    const std::regex note("the run was interrupted by SIGTERM after [0-9.]+ m?s: the check then "
                          "running and those after it are errors");
    CHECK(std::any_of(json["notes"].begin(), json["notes"].end(), [&](const auto& n) {
        return std::regex_match(n.template get<std::string>(), note);
    }));
    for (const char* report :
         {"junit.xml", "results.json", "report.md", "rollcheck.prom", "report.html"})
        CHECK(std::filesystem::is_regular_file(s.reports / report));
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the command line sent SIGTERM while its command runs says so and leaves no process",
          "[cli][stop]") {
    const process_mark mark;
    const auto r = run_program(ROLLCHECK_CLI,
                               {"run", "--", "/bin/sh", "-c", "sleep 30 & kill -TERM $PPID; wait"});
    INFO(r.err.text());
    CHECK(r.exit_code == 143);
    const std::regex said("ERROR command\\.run: `/bin/sh -c 'sleep 30 & kill -TERM \\$PPID; wait'` "
                          "interrupted by SIGTERM after [0-9.]+ m?s; its process tree was killed");
    CHECK(std::regex_search(r.out.text(), said));
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a suite past its --deadline stops as a signal would, its reports written",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-deadline.toml", {"--deadline", "3s"});
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 2);
    CHECK(s.closing() == "ERROR: 4 checks: 3 passed, 1 error; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by its "
                         "deadline (--deadline 3s)");
    const auto& stopped = find_case(s.json, "a job longer than the run may take");
    const std::regex cut("interrupted by its deadline \\(--deadline 3s\\) after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

namespace {

/// How many backends of `db` other than the caller's run a query that
/// mentions `word`.
int busy_backends(const std::string& db, const std::string& word) {
    pqxx::connection c(postgres().conninfo());
    pqxx::nontransaction tx(c);
    return tx
        .exec_params("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = "
                     "'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $2 || '%'",
                     db, word)[0][0]
        .as<int>();
}

} // namespace

TEST_CASE("the command line sent SIGTERM during a query cancels it on the server",
          "[cli][stop][postgres]") {
    // A view that takes 60 s to read: the query is surely running when the signal comes.
    const auto db = make_database(
        "stop",
        "CREATE VIEW slow_keys AS SELECT g AS k FROM pg_sleep(60), generate_series(1, 10) g");
    temp_dir dir;
    const auto out = dir / "out.txt";
    std::vector<std::string> words = {
        ROLLCHECK_CLI,      "db",    "duplicates", "--dsn", postgres().conninfo(db), "--table",
        "public.slow_keys", "--key", "k"};
    std::vector<char*> argv;
    for (auto& w : words)
        argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), ::environ) == 0);
    posix_spawn_file_actions_destroy(&files);

    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (busy_backends(db, "slow_keys") == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(busy_backends(db, "slow_keys") == 1);
    ::kill(pid, SIGTERM);
    int raw = 0;
    REQUIRE(::waitpid(pid, &raw, 0) == pid);
    std::this_thread::sleep_for(std::chrono::seconds(1));

    CHECK(busy_backends(db, "slow_keys") == 0);
    CHECK(WIFEXITED(raw));
    CHECK(WEXITSTATUS(raw) == 143);
    CHECK_THAT(read_text(out),
               Catch::StartsWith("ERROR db.duplicates: interrupted by SIGTERM while "
                                 "checking public.slow_keys on "));
    CHECK_THAT(read_text(out), Catch::Contains(": its query was cancelled on the server"));
}
