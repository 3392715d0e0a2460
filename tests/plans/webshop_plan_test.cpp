// examples/plans/webshop.toml, a plan for a system rollcheck's code knows
// nothing of, run by the suite program against a real host: a git checkout
// rolled back from release 2.4 to 2.3, its schema in a database of the
// fixture's server, the service running and answering its health URL,
// its log and its crontab.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rollcheck/baseline.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/time.hpp>

#include "pg_admin.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using rollcheck_test::temp_dir;

const fs::path fixtures = fs::path(ROLLCHECK_PLAN_FIXTURES) / "webshop";
const fs::path plan = fs::path(ROLLCHECK_EXAMPLE_PLANS) / "webshop.toml";

/// Runs `argv` in `cwd`; the test stops when it fails.
void run_in(const fs::path& cwd, std::vector<std::string> argv) {
    rollcheck::command_spec spec;
    spec.argv = std::move(argv);
    spec.working_directory = cwd;
    const auto outcome = rollcheck::run_command(spec);
    INFO(spec.display() << "\n" << outcome.out.text() << outcome.err.text());
    REQUIRE(outcome.succeeded());
}

void git(const fs::path& checkout, std::vector<std::string> args) {
    std::vector<std::string> argv = {"git", "-c", "user.name=webshop release", "-c",
                                     "user.email=release@webshop.example"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_in(checkout, std::move(argv));
}

/// The webshop service started from `checkout` (`python3 webshop/server.py
/// --port 0`), stopped with the object.
class service {
public:
    explicit service(const fs::path& checkout) {
        std::vector<std::string> words = {"/usr/bin/python3",
                                          (checkout / "webshop/server.py").string(), "--port", "0"};
        std::vector<char*> argv;
        for (auto& w : words)
            argv.push_back(w.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&files, 1, 2);
        const int rc = ::posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), ::environ);
        posix_spawn_file_actions_destroy(&files);
        REQUIRE(rc == 0);
        try {
            port_ = wait_for_port(checkout / "log/webshop.log");
        } catch (...) {
            stop(); // no destructor runs for an object whose constructor threw
            throw;
        }
    }
    ~service() { stop(); }
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    [[nodiscard]] int port() const { return port_; }

private:
    /// The port 2.3's first log line names, once it is written.
    int wait_for_port(const fs::path& log) {
        static const std::regex started(R"(webshop 2\.3 listening on 127\.0\.0\.1:([0-9]+))");
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < give_up) {
            const auto text = rollcheck_test::read_text(log);
            std::smatch found;
            if (std::regex_search(text, found, started)) return std::stoi(found[1]);
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = 0;
                FAIL("the service exited before it logged its start line in " << log);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        FAIL("the service logged no start line in " << log << " within 30 s");
        return 0;
    }

    void stop() {
        if (pid_ == 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        pid_ = 0;
    }

    pid_t pid_ = 0;
    int port_ = 0;
};

/// A host where webshop's release 2.4 was deployed and then rolled back to
/// 2.3 as the plan's steps do it, and the target that points at it.
struct rolled_back_host {
    temp_dir dir;
    fs::path checkout = dir / "checkout";
    std::string database = rollcheck_test::make_database("webshop");
    std::string since;
    std::optional<service> web;

    rolled_back_host() {
        deploy("release-2.3");
        git(checkout, {"tag", "v2.3"});
        // The baseline the plan's checklist asks for before 2.4's deploy.
        rollcheck::baseline_spec baseline;
        baseline.connection.dsn = rollcheck_test::postgres().conninfo(database);
        baseline.tables = {{rollcheck::table_ref::parse("schema_migrations"), {"version"}, ""}};
        baseline.out = dir / "schema-before-2.4.json";
        const auto taken = rollcheck::take_baseline(baseline);
        INFO(fmt::format("{}", taken));
        REQUIRE(taken.status == rollcheck::verdict::pass);
        deploy("release-2.4");

        since = rollcheck::format_utc(std::chrono::system_clock::now());
        git(checkout, {"checkout", "--quiet", "--force", "v2.3"});
        rollcheck_test::admin_exec(rollcheck_test::read_text(fixtures / "rollback-2.4.sql"),
                                   database);
        fs::copy_file(fixtures / "crontab", dir / "crontab");
        fs::create_directories(checkout / "log");
        fs::copy_file(fixtures / "webshop.log", checkout / "log/webshop.log");
        web.emplace(checkout);
    }

    /// The release's files committed over the checkout, its migrations applied.
    void deploy(const std::string& release) {
        const auto files = fixtures / release;
        fs::create_directories(checkout);
        if (!fs::exists(checkout / ".git")) git(checkout, {"init", "--quiet"});
        fs::copy(files, checkout,
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        git(checkout, {"add", "--all"});
        git(checkout, {"commit", "--quiet", "--message", "webshop " + release});
        std::vector<fs::path> migrations;
        for (const auto& e : fs::directory_iterator(files / "db/migrate"))
            migrations.push_back(e.path());
        std::sort(migrations.begin(), migrations.end());
        for (const auto& m : migrations)
            rollcheck_test::admin_exec(rollcheck_test::read_text(m), database);
    }

    [[nodiscard]] fs::path target() const {
        return dir.write("target.toml",
                         fmt::format("[project]\nroot = \"checkout\"\nrevision = \"v2.3\"\n\n"
                                     "[database]\ndsn = \"{}\"\nbaseline = "
                                     "\"schema-before-2.4.json\"\n\n"
                                     "[cron]\ncrontab = \"crontab\"\n\n"
                                     "[api]\nurl = \"http://127.0.0.1:{}/health\"\n\n"
                                     "[rollback]\nsince = \"{}\"\n",
                                     rollcheck_test::postgres().conninfo(database), web->port(),
                                     since));
    }

    /// The suite program's run of the plan, `args` added; its results.json.
    [[nodiscard]] std::pair<rollcheck::command_outcome, nlohmann::json>
    check(std::vector<std::string> args = {}) const {
        const auto reports = dir / "reports";
        fs::remove_all(reports);
        std::vector<std::string> argv = {"--plan",          plan.string(), "--target",
                                         target().string(), "--report",    reports.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto outcome = rollcheck_test::run_program(ROLLCHECK_SUITE, std::move(argv),
                                                   std::chrono::seconds(120));
        std::ifstream json(reports / "results.json");
        return {std::move(outcome), nlohmann::json::parse(json)};
    }
};

std::vector<std::string> ids_of(const nlohmann::json& results) {
    std::vector<std::string> ids;
    for (const auto& c : results["cases"])
        ids.push_back(c["id"]);
    return ids;
}

/// The ids of the cases whose verdict is not `verdict`.
std::set<std::string> ids_not(const nlohmann::json& results, const std::string& verdict) {
    std::set<std::string> ids;
    for (const auto& c : results["cases"])
        if (c["verdict"] != verdict) ids.insert(c["id"].get<std::string>());
    return ids;
}

const std::vector<std::string> every_check = {"stop-release.worker-stopped",
                                              "code.restored",
                                              "code.release-files-gone",
                                              "schema.baseline-recorded",
                                              "schema.no-migration-lost",
                                              "schema.no-version-twice",
                                              "service.running",
                                              "service.healthy",
                                              "service.log-clean",
                                              "cron.jobs-as-2.3"};

} // namespace

TEST_CASE("the webshop plan passes on a host rolled back to 2.3 properly", "[plan][webshop]") {
    const rolled_back_host host;
    const auto [run, results] = host.check();
    INFO(run.out.text() << run.err.text() << results.dump(2));
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("PASS: 10 checks: 10 passed"));
    CHECK(ids_of(results) == every_check);
    CHECK(ids_not(results, "pass").empty());
    // The log's error before the rollback is 2.4's, and not counted.
    CHECK_THAT(results.dump(), Catch::Contains("required 'webshop 2\\\\.3 listening on ' "
                                               "matched 1 line"));
}

TEST_CASE("a slip in the webshop's rollback fails the one check that guards it",
          "[plan][webshop]") {
    const rolled_back_host host;
    std::string guard, evidence;
    SECTION("release 2.4's checkout left in the checkout") {
        fs::copy_file(fixtures / "release-2.4/webshop/checkout_v2.py",
                      host.checkout / "webshop/checkout_v2.py");
        guard = "code.release-files-gone";
        evidence = R"("path":"webshop/checkout_v2.py")";
    }
    SECTION("an error logged after the rollback") {
        std::ofstream(host.checkout / "log/webshop.log", std::ios::app)
            << rollcheck::format_utc(std::chrono::system_clock::now())
            << " ERROR webshop: orders: cannot read column notes\n";
        guard = "service.log-clean";
        evidence = "ERROR webshop: orders: cannot read column notes";
    }
    const auto [run, results] = host.check();
    INFO(run.out.text() << run.err.text() << results.dump(2));
    CHECK(run.exit_code == 1);
    CHECK(ids_of(results) == every_check);
    CHECK(ids_not(results, "pass") == std::set<std::string>{guard});
    for (const auto& c : results["cases"])
        if (c["id"] == guard) CHECK_THAT(c.dump(), Catch::Contains(evidence));
}

TEST_CASE("with --phase schema the run checks the schema alone, and 2.4's migration left "
          "recorded only warns",
          "[plan][webshop]") {
    const rolled_back_host host;
    const auto [run, results] = host.check({"--phase", "schema"});
    INFO(run.out.text() << run.err.text() << results.dump(2));
    CHECK(run.exit_code == 0);
    CHECK(ids_of(results) == std::vector<std::string>{"schema.baseline-recorded",
                                                      "schema.no-migration-lost",
                                                      "schema.no-version-twice"});
    for (const auto& c : results["cases"]) {
        CHECK(c["phase"] == "schema");
        CHECK(c["verdict"] == "pass");
    }

    // No check kind reads the newest version: a migration recorded since
    // the baseline is a gained row, which the plan asks to be a warning.
    rollcheck_test::admin_exec(
        "INSERT INTO schema_migrations (version) VALUES ('2024_12_05_101500')", host.database);
    const auto [left, after] = host.check({"--phase", "schema"});
    INFO(left.out.text() << left.err.text() << after.dump(2));
    CHECK(left.exit_code == 0);
    CHECK(ids_not(after, "pass") == std::set<std::string>{"schema.no-migration-lost"});
    CHECK(after["cases"][1]["verdict"] == "warn");
    CHECK_THAT(after["cases"][1].dump(),
               Catch::Contains("schema_migrations: 0 rows lost, 1 gained") &&
                   Catch::Contains(R"({"change":"gained","key":["2024_12_05_101500"])"));
}

TEST_CASE("the example target follows the webshop plan it names", "[plan][webshop]") {
    temp_dir dir;
    for (const char* file : {"webshop.toml", "webshop-target.toml"})
        fs::copy_file(fs::path(ROLLCHECK_EXAMPLE_PLANS) / file, dir / file);
    fs::create_directories(dir / "current");
    const auto listed = rollcheck_test::run_program(
        ROLLCHECK_SUITE,
        {"--target", (dir / "webshop-target.toml").string(), "--list-test-names-only"});
    INFO(listed.out.text() << listed.err.text());
    CHECK(listed.err.text().empty());
    CHECK_THAT(listed.out.text(),
               Catch::Contains("webshop/, db/migrate/ and VERSION identical to v2.3\n") &&
                   Catch::Contains("no version recorded twice in schema_migrations\n") &&
                   Catch::Contains("http://127.0.0.1:8080/health answers 200 from release 2.3\n"));
}
