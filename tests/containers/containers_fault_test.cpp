// The container checks against sockets that misbehave: none, a regular
// file, one that refuses, one that accepts and never answers, and a fake
// Engine API on a thread of this test that answers what a real daemon
// rarely does (an unknown API version, 5,000 containers, a container
// removed between the list and its inspect).
#include <atomic>
#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/containers.hpp>

#include "test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
namespace net = boost::asio;
using local = net::local::stream_protocol;

namespace {

std::string fixture(const std::string& name) {
    return rollcheck_test::read_text(std::filesystem::path(CONTAINERS_FIXTURES) / name);
}

std::string http(int status, const std::string& body) {
    return fmt::format("HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: "
                       "{}\r\nConnection: close\r\n\r\n{}",
                       status, body.size(), body);
}

/// The head of a logs answer that never ends: frames follow until the client hangs up.
const std::string endless_log = "HTTP/1.1 200 OK\r\nContent-Type: "
                                "application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n";

/// An Engine API on a unix socket: `answer` maps a request's target to the
/// whole HTTP response; "" keeps the connection open and says nothing.
class fake_engine {
public:
    explicit fake_engine(std::function<std::string(const std::string&)> answer)
        : answer_(std::move(answer)), acceptor_(ioc_, local::endpoint(socket_path())) {
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_engine() {
        stop_ = true;
        thread_.join();
    }
    fake_engine(const fake_engine&) = delete;
    fake_engine& operator=(const fake_engine&) = delete;

    [[nodiscard]] std::string host() const { return "unix://" + socket_path(); }
    [[nodiscard]] std::string socket_path() const { return (dir_ / "engine.sock").string(); }

private:
    void serve() {
        while (!stop_) {
            pollfd ready{acceptor_.native_handle(), POLLIN, 0};
            if (::poll(&ready, 1, 20) <= 0) continue;
            local::socket socket(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec) continue;
            net::streambuf request;
            net::read_until(socket, request, "\r\n\r\n", ec);
            std::istream lines(&request);
            std::string verb, target;
            lines >> verb >> target;
            const auto response = answer_(target);
            if (response.empty()) {
                held_.push_back(std::move(socket));
                continue;
            }
            net::write(socket, net::buffer(response), ec);
            if (response == endless_log) write_log_frames(socket);
        }
    }

    /// Frames of one stdout line each, until the client hangs up.
    void write_log_frames(local::socket& socket) {
        const std::string line = "2026-12-07T03:20:28.948160364Z ERROR: again\n";
        std::string frame = {1, 0, 0, 0, 0, 0, 0, static_cast<char>(line.size())};
        frame += line;
        std::string frames;
        while (frames.size() < 64 * 1024)
            frames += frame;
        boost::system::error_code ec;
        while (!stop_ && !ec)
            net::write(socket, net::buffer(frames), ec);
    }

    rollcheck_test::temp_dir dir_;
    std::function<std::string(const std::string&)> answer_;
    net::io_context ioc_;
    local::acceptor acceptor_;
    std::vector<local::socket> held_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// A daemon of API 1.41 with `containers` as its list; inspect answers
/// from `inspect`, or 404 (removed) for a container missing there.
std::function<std::string(const std::string&)> daemon_with(const nlohmann::json& containers,
                                                           const nlohmann::json& inspect = {}) {
    return [containers, inspect](const std::string& target) {
        if (target == "/version") return http(200, fixture("version-podman.json"));
        if (target.rfind("/v1.41/containers/json?all=1", 0) == 0)
            return http(200, containers.dump());
        const auto id = target.substr(18, target.size() - 18 - 5); // /v1.41/containers/ID/json
        if (inspect.contains(id)) return http(200, inspect[id].dump());
        return http(404, R"({"message":"No such container: )" + id + "\"}");
    };
}

nlohmann::json listed(const std::string& id, const std::string& name, const std::string& state) {
    return {{"Id", id},
            {"Names", {"/" + name}},
            {"Image", "local/app:1"},
            {"State", state},
            {"Labels", {{"com.docker.compose.project", "shop"}}}};
}

docker_endpoint at(const std::string& host) {
    docker_endpoint e;
    e.host = host;
    e.timeout = 1s;
    return e;
}

containers_down_spec down_at(const std::string& host) {
    containers_down_spec spec;
    spec.docker = at(host);
    spec.project = "shop";
    return spec;
}

} // namespace

TEST_CASE("no socket, a regular file, a refusing socket: errors naming the socket") {
    rollcheck_test::temp_dir dir;
    const auto missing = (dir / "missing.sock").string();
    auto r = check_containers_down(down_at("unix://" + missing));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == missing + ": no such socket (is the daemon running? DOCKER_HOST?)");

    const auto file = dir.write("file.sock", "not a socket\n").string();
    r = check_containers_down(down_at("unix://" + file));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == file + ": connection refused (no daemon listens there)");

    // Bound and closed: the path stays, nothing listens.
    const auto stale = (dir / "stale.sock").string();
    {
        net::io_context ioc;
        local::acceptor acceptor(ioc, local::endpoint(stale));
    }
    r = check_containers_down(down_at("unix://" + stale));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == stale + ": connection refused (no daemon listens there)");
}

TEST_CASE("a host that is not a unix socket is refused before anything is asked") {
    auto r = check_containers_down(down_at("tcp://127.0.0.1:2375"));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == "host 'tcp://127.0.0.1:2375' is not a unix socket (unix:///path): "
                       "rollcheck speaks to the Engine API over the daemon's unix socket only");
}

TEST_CASE("a daemon that accepts and never answers: an error by the deadline") {
    fake_engine engine([](const std::string&) { return std::string(); });
    const auto start = std::chrono::steady_clock::now();
    auto r = check_containers_down(down_at(engine.host()));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(r.status == verdict::error);
    CHECK(r.summary == engine.socket_path() + ": no answer to GET /version within 1 s");
}

TEST_CASE("API versions rollcheck does not know are errors") {
    {
        fake_engine engine(
            [](const std::string&) { return http(200, fixture("version-unknown.json")); });
        auto r = check_containers_down(down_at(engine.host()));
        CHECK(r.status == verdict::error);
        CHECK(r.summary == engine.socket_path() +
                               ": the daemon's API version \"2.0\" is not one rollcheck knows "
                               "(expected 1.N)");
    }
    fake_engine engine(
        [](const std::string&) { return http(200, fixture("version-too-new.json")); });
    auto r = check_containers_down(down_at(engine.host()));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == engine.socket_path() +
                           ": the daemon speaks API 1.70 (oldest 1.60); rollcheck speaks 1.25 "
                           "to 1.55");
}

TEST_CASE("a daemon that asks for 1.44 at least is spoken to at its own version") {
    fake_engine engine([](const std::string& target) {
        if (target == "/version") return http(200, fixture("version-docker29.json"));
        if (target.rfind("/v1.52/containers/json?all=1", 0) == 0) return http(200, "[]");
        return http(400, R"({"message":"client version too old"})");
    });
    auto r = check_containers_down(down_at(engine.host()));
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "compose project 'shop' is down: no container of it exists");
}

TEST_CASE("a version answer whose fields are not strings is an error, not a crash") {
    fake_engine engine([](const std::string&) {
        return http(200, R"({"ApiVersion":1.41,"MinAPIVersion":["1.12"]})");
    });
    auto r = check_containers_down(down_at(engine.host()));
    CHECK(r.status == verdict::error);
    CHECK(r.summary == engine.socket_path() +
                           ": the daemon's API version 1.41 is not one rollcheck knows "
                           "(expected 1.N)");
}

TEST_CASE("5,000 containers left up: a failure with bounded evidence") {
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < 5000; ++i)
        list.push_back(listed(fmt::format("{:064x}", i), fmt::format("shop-web-{}", i), "running"));
    fake_engine engine(daemon_with(list));
    auto r = check_containers_down(down_at(engine.host()));
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "compose project 'shop' is not down: 5000 containers running: "
                       "shop-web-0, shop-web-1, shop-web-2 and 4997 more");
    CHECK(r.evidence.total() == 5000);
    CHECK(r.evidence.items().size() == 10);
    CHECK(r.evidence.items()[0].text == "shop-web-0 (local/app:1): running");
}

TEST_CASE("containers a file filter leaves out that still run are named, not hidden") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto* name : {"shop-worker-1", "shop-worker-2"}) {
        auto c = listed(std::string(64, name[12]), name, "running");
        c["Labels"]["com.docker.compose.project.config_files"] =
            "/srv/shop/docker-compose.prod.yml";
        list.push_back(c);
    }
    fake_engine engine(daemon_with(list));
    auto spec = down_at(engine.host());
    spec.config_file = "docker-compose.prod.yaml"; // the project's file is .yml
    auto r = check_containers_down(spec);
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "compose project 'shop' (docker-compose.prod.yaml) is down: no container "
                       "of it exists; 2 containers of the project from other files run "
                       "(docker-compose.prod.yml)");
    CHECK(r.totals["other_files_running"] == 2);
    spec.config_file = "/srv/shop/docker-compose.prod.yml";
    r = check_containers_down(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.totals["other_files_running"] == 0);
}

TEST_CASE("a restarting or paused container keeps a project up, and the summary says which") {
    fake_engine engine(daemon_with({listed(std::string(64, 'a'), "shop-web-1", "running"),
                                    listed(std::string(64, 'b'), "shop-worker-1", "restarting"),
                                    listed(std::string(64, 'c'), "shop-cron-1", "paused"),
                                    listed(std::string(64, 'd'), "shop-old-1", "exited")}));
    const auto r = check_containers_down(down_at(engine.host()));
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "compose project 'shop' is not down: 3 containers running: shop-web-1, "
                       "shop-worker-1 (restarting), shop-cron-1 (paused)");
}

TEST_CASE("a container removed between the list and its inspect is reported, odd names too") {
    const auto a = std::string(64, 'a'), b = std::string(64, 'b');
    nlohmann::json inspect;
    inspect[a] = {
        {"State",
         {{"Status", "running"}, {"Restarting", false}, {"StartedAt", "2026-12-07T03:20:28.9Z"}}},
        {"RestartCount", 0}};
    fake_engine engine(daemon_with(
        {listed(a, "app_1.odd-name", "running"), listed(b, "app_2.gone", "running")}, inspect));
    containers_running_spec spec;
    spec.docker = at(engine.host());
    spec.name_pattern = "^app_";
    auto r = check_containers_running(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "1 of 2 containers matching name '^app_' is not running: app_2.gone");
    REQUIRE(r.evidence.items().size() == 1);
    CHECK(r.evidence.items()[0].text ==
          "app_2.gone: removed while it was checked — app_2.gone (local/app:1): removed");
}

TEST_CASE("an answer longer than the body limit is an error, not a partial list") {
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < 100; ++i)
        list.push_back(listed(fmt::format("{:064x}", i), fmt::format("shop-web-{}", i), "running"));
    fake_engine engine(daemon_with(list));
    auto spec = down_at(engine.host());
    spec.docker.body_limit = 4096;
    auto r = check_containers_down(spec);
    CHECK(r.status == verdict::error);
    CHECK(r.summary ==
          engine.socket_path() +
              ": the answer to GET /v1.41/containers/json?all=1&filters=%7B%22label%22%"
              "3A%5B%22com.docker.compose.project%3Dshop%22%5D%7D is longer than "
              "4096 bytes");
}

TEST_CASE("a container log that never ends: an error by the deadline, saying how much came") {
    const auto id = std::string(64, 'c');
    nlohmann::json inspect;
    inspect[id] = {{"Id", id},
                   {"State", {{"Status", "running"}}},
                   {"Config", {{"Tty", false}}},
                   {"HostConfig", {{"LogConfig", {{"Type", "journald"}}}}}};
    const auto inspected = daemon_with(nlohmann::json::array(), inspect);
    fake_engine engine([&](const std::string& target) {
        return target.find("/logs?") != std::string::npos ? endless_log : inspected(target);
    });
    container_log_spec spec;
    spec.docker = at(engine.host());
    spec.container = id;
    spec.scan.rules.errors = {"ERROR"};
    const auto start = std::chrono::steady_clock::now();
    auto r = check_container_log_scan(spec);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(r.status == verdict::error);
    CHECK_THAT(r.summary,
               Catch::Matches(engine.socket_path() + ": the answer to GET /v1.41/containers/" + id +
                              "/logs\\?stdout=1&stderr=1&timestamps=1 did not end within 1 s "
                              "\\([0-9.]+ [KMG]iB read\\)"));
}
