// The container checks against a real dockerd (tests/containers/docker-fixture):
// a compose project up, one stopped, containers healthy, unhealthy and
// restarting, an odd name, and the log of a container with and without a TTY.
#include <chrono>
#include <string>

#include <rollcheck/catch.hpp>
#include <rollcheck/containers.hpp>
#include <rollcheck/time.hpp>

#include "docker_fixture.hpp"

using namespace rollcheck;
using Catch::Matchers::Matches;

namespace {

docker_endpoint daemon(const std::string& host) {
    docker_endpoint e;
    e.host = host;
    return e;
}

containers_down_spec down(const std::string& host, const std::string& project) {
    containers_down_spec spec;
    spec.docker = daemon(host);
    spec.project = project;
    return spec;
}

containers_running_spec running(const std::string& host, const std::string& name) {
    containers_running_spec spec;
    spec.docker = daemon(host);
    spec.name_pattern = name;
    return spec;
}

/// When the fixture began starting containers: each started after it.
time_point fixture_started() {
    std::string why;
    return *parse_time(rollcheck_test::fixture_line("started"), why);
}

const std::string started = R"(, started \d{4}-\d\d-\d\dT[0-9:.]+Z)";

} // namespace

TEST_CASE("a compose project that runs is not down, and the evidence names each container") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = check_containers_down(down(*host, "shop"));
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "compose project 'shop' is not down: 2 containers running: "
                       "shop-worker-1, shop-web-1");
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text ==
          "shop-worker-1 (local/busybox:test): running, service worker");
    CHECK(r.evidence.items()[1].data["service"] == "web");

    auto spec = down(*host, "shop");
    spec.config_file = "docker-compose.prod.yml";
    r = check_containers_down(spec);
    CHECK(r.summary == "compose project 'shop' (docker-compose.prod.yml) is not down: "
                       "1 container running: shop-web-1");
}

TEST_CASE("a stopped project is down, and removed only when no container is left") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = check_containers_down(down(*host, "old"));
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "compose project 'old' is down: no container of it runs (1 stopped)");

    auto spec = down(*host, "old");
    spec.none_at_all = true;
    r = check_containers_down(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "compose project 'old' is not down: 1 container left: old-api-1 (created)");
    CHECK(r.evidence.items().at(0).text == "old-api-1 (local/busybox:test): created, service api");

    r = check_containers_down(down(*host, "never-ran"));
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "compose project 'never-ran' is down: no container of it exists");
}

TEST_CASE("running containers, healthy and started after the rollback") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = check_containers_running(running(*host, "^shop-"));
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "2 containers matching name '^shop-': all running");
    CHECK_THAT(
        r.evidence.items().at(0).text,
        Matches(R"(shop-worker-1 \(local/busybox:test\): running)" + started + ", service worker"));

    auto spec = running(*host, "^healthy-app$");
    spec.healthy = true;
    spec.started_after = fixture_started();
    r = check_containers_running(spec);
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "1 container matching name '^healthy-app$': all running, healthy, "
                       "started after " +
                           format_utc(*spec.started_after));

    spec.started_after = *spec.started_after + std::chrono::hours(1);
    r = check_containers_running(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "1 of 1 container matching name '^healthy-app$' is not running, "
                       "healthy, started after " +
                           format_utc(*spec.started_after) + ": healthy-app");
    CHECK(r.evidence.items().at(0).data["problem"] ==
          "started before " + format_utc(*spec.started_after));
}

TEST_CASE("unhealthy, restarting, without a health check, and none matching") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto spec = running(*host, "^(healthy|sick)-app$");
    spec.healthy = true;
    auto r = check_containers_running(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "1 of 2 containers matching name '^(healthy|sick)-app$' is not running, "
                       "healthy: sick-app");
    CHECK_THAT(r.evidence.items().at(0).text,
               Matches("sick-app: unhealthy — sick-app \\(local/busybox:test\\): running, "
                       "unhealthy" +
                       started));

    // --restart always on a command that exits: restarting, or running
    // again between two crashes, with its count either way.
    r = check_containers_running(running(*host, "^crashing-app$"));
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "1 of 1 container matching name '^crashing-app$' is not running: "
                       "crashing-app");
    CHECK_THAT(r.evidence.items().at(0).text,
               Matches(R"(crashing-app: (restarting \(restarted \d+×\)|restarted \d+× )"
                       R"(\(at most 0 allowed\)) — .*)"));

    // Healthy cannot be decided without a health check: an error, never a pass.
    spec = running(*host, "^shop-web-1$");
    spec.healthy = true;
    r = check_containers_running(spec);
    CHECK(r.status == verdict::error);
    CHECK(r.summary == "1 of 1 container matching name '^shop-web-1$' is not running, healthy: "
                       "shop-web-1");

    // A container that is plainly failing outweighs one that cannot be told.
    spec = running(*host, "^(sick|crashing)-app$");
    spec.healthy = true;
    r = check_containers_running(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "2 of 2 containers matching name '^(sick|crashing)-app$' are not running, "
                       "healthy: crashing-app, sick-app");

    spec = running(*host, "^api$");
    spec.image_pattern = "^local/";
    r = check_containers_running(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "0 containers match name '^api$' and image '^local/' (at least 1 expected)");
}

TEST_CASE("a container name with dots and underscores") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    auto r = check_containers_running(running(*host, R"(^odd_name\.with-dots$)"));
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == R"(1 container matching name '^odd_name\.with-dots$': all running)");
}

TEST_CASE("a container's log scanned: its json-file, and the API's stream with and without a TTY") {
    const auto host = rollcheck_test::docker_host();
    if (!host) return;
    for (const auto* name : {"logger", "tty-logger"})
        for (const bool through_api : {false, true}) {
            CAPTURE(name, through_api);
            container_log_spec spec;
            spec.docker = daemon(*host);
            spec.container = name;
            spec.through_api = through_api;
            spec.scan.rules.errors = {"ERROR|Traceback"};
            spec.scan.rules.required = {{"processed [0-9]+ submissions", 1}};
            spec.scan.since = fixture_started();
            auto r = check_container_log_scan(spec);
            CHECK(r.status == verdict::fail);
            CHECK_THAT(r.summary,
                       Matches(fmt::format(
                           R"(2 error events \(2 lines\) in container {} \(\d+ bytes, .*\), at )"
                           R"(most 0 allowed; required 'processed \[0-9\]\+ submissions' matched )"
                           "1 line",
                           name)));
            REQUIRE(r.evidence.items().size() == 2);
            CHECK(r.evidence.items()[0].data["text"] == "ERROR: cannot reach the queue");
            CHECK(r.evidence.items()[1].data["exception"] == "ValueError: bad batch");
            CHECK(r.evidence.items()[1].data["file"] == fmt::format("container {}", name));
            CHECK(r.totals["container"] == name);
        }

    container_log_spec spec;
    spec.docker = daemon(*host);
    spec.container = "no-such-container";
    auto r = check_container_log_scan(spec);
    CHECK(r.status == verdict::error);
    CHECK(r.summary == host->substr(7) + ": no container 'no-such-container'");
}
