// `rollcheck containers …` and `rollcheck logs scan --container` against the
// private dockerd (tests/containers/docker-fixture), run as a program: as
// root, and as `nobody`, whom the socket refuses.
#include <string>

#include <rollcheck/catch.hpp>

#include "docker_fixture.hpp"
#include "run_program.hpp"

namespace {

rollcheck::command_outcome rollcheck_cli(std::vector<std::string> args) {
    return rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args));
}

} // namespace

TEST_CASE("containers down and running, as the command line prints them") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r =
        rollcheck_cli({"containers", "down", "--project", "shop", "--host", *host, "--show", "1"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.head,
               Catch::Matches("FAIL containers.down: compose project 'shop' is not down: 2 "
                              "containers running: shop-worker-1, shop-web-1 \\(\\d+ ms\\)\n"
                              "  - shop-worker-1 \\(local/busybox:test\\): running, service "
                              "worker\n  … 1 more not shown\n"));

    r = rollcheck_cli({"containers", "running", "--name", "^shop-", "--host", *host, "--json"});
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out.head);
    CHECK(j["summary"] == "2 containers matching name '^shop-': all running");
    CHECK(j["totals"]["matched"] == 2);
}

TEST_CASE("logs scan --container reads a container's log with the scan's options") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = rollcheck_cli({"logs", "scan", "--container", "logger", "--docker-host", *host,
                            "--require", "processed [0-9]+ submissions", "--since", "1h"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.head,
               Catch::Matches("PASS logs.scan: no error line in container logger \\(\\d+ bytes, "
                              ".*\\); required 'processed \\[0-9\\]\\+ submissions' matched 1 "
                              "line \\(\\d+ ms\\)\n"));
}

TEST_CASE("a user the socket refuses gets an error, never a pass") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = rollcheck_test::run_program(
        "setpriv", {"--reuid=nobody", "--regid=nogroup", "--clear-groups", ROLLCHECK_CLI,
                    "containers", "down", "--project", "never-ran", "--host", *host});
    CHECK(r.exit_code == 2);
    CHECK(r.out.head.rfind("ERROR containers.down: " + host->substr(7) +
                               ": permission denied (the user needs access to the socket: root, "
                               "or the docker group) (",
                           0) == 0);
}
