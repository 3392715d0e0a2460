// The suites when the system cannot be read: a database that is down, a
// crontab user that does not exist, a log directory the suite may not read.
// Every check that cannot decide is an error naming what it could not reach,
// the run ends within its deadlines, and every report is still written.
#include <fstream>
#include <sstream>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "suite_support.hpp"

namespace {

using rollcheck_test::find_check;
using rollcheck_test::results;
using rollcheck_test::run_program;
using rollcheck_test::temp_dir;

/// A loopback port nothing listens on: bound, read back, closed.
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// A system none of whose resources can be read: the database's port is
/// closed, the crontab's user does not exist, the log directory is closed to
/// the suite (mode 000, and the suite runs as nobody when the test is root).
struct unreachable_system {
    temp_dir dir;
    int port = closed_port();
    std::filesystem::path reports = dir / "reports";

    unreachable_system() {
        dir.write("project/scripts/core/batch_opportunity_scoring.py", "print('scoring')\n");
        dir.write("project/logs/batch_opportunity_scoring.log", "processed 10 submissions\n");
        dir.write("target.toml",
                  fmt::format("[project]\nroot = \"project\"\n"
                              "[database]\ndsn = \"host=127.0.0.1 port={} dbname=harbor "
                              "user=rollcheck connect_timeout=3\"\nbaseline = \"baseline.json\"\n"
                              "backup = \"backup.dump\"\n"
                              "[cron]\nuser = \"rollcheck-no-such-user\"\n"
                              "[pipeline]\narchive = \"scripts/archive/monoliths_20261128\"\n"
                              "[rollback]\nsince = \"2026-11-28T09:00:00Z\"\n",
                              port));
        std::filesystem::create_directories(reports);
        ::chmod(dir.path().c_str(), 0755);
        ::chmod(reports.c_str(), 0777);
        ::chmod((dir / "project/logs").c_str(), 0);
    }
    ~unreachable_system() { ::chmod((dir / "project/logs").c_str(), 0755); }

    /// Runs `suite` against the target, as nobody when the test runs as root.
    rollcheck::command_outcome run(const std::string& suite) const {
        std::vector<std::string> args = {"--target", (dir / "target.toml").string(), "--report",
                                         reports.string()};
        if (::geteuid() != 0) return run_program(suite, args, std::chrono::seconds(120));
        args.insert(args.begin(),
                    {"--reuid=65534", "--regid=65534", "--clear-groups", "--", suite});
        return run_program("setpriv", args, std::chrono::seconds(120));
    }
};

} // namespace

TEST_CASE("phase 11 against a system it cannot read: each check that cannot decide is an "
          "error naming what it could not reach, and every report is written",
          "[suite][faults]") {
    unreachable_system system;
    const auto run = system.run(ROLLCHECK_PHASE11);
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 2);
    for (const char* report : {"junit.xml", "results.json", "report.md"})
        CHECK(std::filesystem::exists(system.reports / report));
    const auto json = results(system.reports);

    for (const char* id : {"phase11.crontab-valid", "phase11.cron-entry-restored"}) {
        const auto& c = find_check(json, id);
        CHECK(c["verdict"] == "error");
        CHECK_THAT(c.dump(), Catch::Contains("rollcheck-no-such-user"));
    }
    const auto& diff = find_check(json, "phase11.crontab-as-snapshot");
    CHECK(diff["verdict"] == "error");
    CHECK_THAT(diff.dump(), Catch::Contains("the target gives no [cron] snapshot"));
    for (const char* id : {"phase11.rows-written", "phase11.no-duplicated-key"}) {
        const auto& c = find_check(json, id);
        CHECK(c["verdict"] == "error");
        CHECK_THAT(c.dump(), Catch::Contains(fmt::format("port {}", system.port)));
    }
    const auto& log = find_check(json, "phase11.job-log-clean");
    CHECK(log["verdict"] == "error");
    CHECK_THAT(log.dump(), Catch::Contains("batch_opportunity_scoring.log") &&
                               Catch::Contains("Permission denied"));
    CHECK(find_check(json, "phase11.no-row-lost")["verdict"] == "error");
    for (const auto& c : json["cases"])
        if (c["verdict"] == "pass") CHECK(c["id"] == "phase11.unified-stopped");
}

TEST_CASE("phase 7 with the database down and no backup or baseline yet: never a pass, and "
          "an error naming each resource it could not read",
          "[suite][faults]") {
    unreachable_system system;
    const auto run = system.run(ROLLCHECK_PHASE7);
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 2);
    const auto json = results(system.reports);
    const auto& backup = find_check(json, "phase7.backup-verified");
    CHECK(backup["verdict"] != "pass");
    CHECK_THAT(backup.dump(), Catch::Contains("backup.dump"));
    CHECK_THAT(find_check(json, "phase7.baseline-recorded").dump(),
               Catch::Contains("baseline.json"));
    CHECK_THAT(find_check(json, "phase7.no-duplicated-key").dump(),
               Catch::Contains(fmt::format("port {}", system.port)));
    for (const char* id :
         {"phase7.baseline-recorded", "phase7.no-duplicated-key", "phase7.no-row-lost"})
        CHECK(find_check(json, id)["verdict"] == "error");
}
