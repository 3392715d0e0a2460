// Ports and HTTP against real listeners on 127.0.0.1: a small HTTP server on
// a thread of this test that answers well, badly, with garbage, endlessly,
// or not at all.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/detail/http/stream_socket.hpp>
#include <rollcheck/detail/net/url.hpp>
#include <rollcheck/net.hpp>

using namespace rollcheck;
using namespace std::chrono_literals;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// How the test server treats each connection.
enum class behaviour {
    healthy,
    unavailable,
    garbage,
    endless,
    silent,
    hang_up,
    half_head,
    short_body
};

/// A real TCP server on 127.0.0.1 and an ephemeral port, serving on its own thread.
class test_server {
public:
    explicit test_server(behaviour b)
        : behaviour_(b), acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~test_server() {
        stop_ = true;
        thread_.join();
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    [[nodiscard]] std::string url(const std::string& path = "/health") const {
        return "http://127.0.0.1:" + std::to_string(port()) + path;
    }
    [[nodiscard]] int connections() const { return connections_; }

private:
    void serve() {
        while (!stop_) {
            pollfd ready{acceptor_.native_handle(), POLLIN, 0};
            if (::poll(&ready, 1, 20) <= 0) continue;
            tcp::socket socket(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec) continue;
            ++connections_;
            answer(std::move(socket));
        }
    }

    void answer(tcp::socket socket) {
        boost::system::error_code ec;
        if (behaviour_ == behaviour::silent) { // keeps the connection open, says nothing
            held_.push_back(std::move(socket));
            return;
        }
        if (behaviour_ == behaviour::hang_up) return; // closes at once
        net::streambuf request;
        net::read_until(socket, request, "\r\n\r\n", ec);
        switch (behaviour_) {
        case behaviour::healthy:
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 31\r\nConnection: close\r\n\r\n"
                         "{\"status\": \"healthy\", \"db\": 1}\n");
            break;
        case behaviour::unavailable:
            send(socket, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
            break;
        case behaviour::half_head:
            send(socket, "HTTP/1.1 200 OK\r\nContent-Le");
            break;
        case behaviour::short_body:
            send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"status\": \"sta");
            break;
        case behaviour::garbage:
            send(socket, "SSH-2.0-OpenSSH_9.2\r\n\x01\x02 garbage\r\n\r\n");
            break;
        case behaviour::endless: {
            send(socket, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            const std::string chunk(16 * 1024, 'y');
            while (!stop_ && !ec)
                net::write(socket, net::buffer(chunk), ec);
            break;
        }
        default:
            break;
        }
    }

    static void send(tcp::socket& socket, const std::string& text) {
        boost::system::error_code ec;
        net::write(socket, net::buffer(text), ec);
    }

    behaviour behaviour_;
    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::vector<tcp::socket> held_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

/// A port nothing listens on: bound, then released.
/// A port bound and not listening: connections are refused, and while it
/// lives no other program can take the port.
class closed_port {
public:
    closed_port() : socket_(ioc_) {
        socket_.open(tcp::v4());
        socket_.bind({net::ip::make_address("127.0.0.1"), 0});
    }
    [[nodiscard]] std::uint16_t port() const { return socket_.local_endpoint().port(); }

private:
    net::io_context ioc_;
    tcp::socket socket_;
};

http_spec get(const std::string& url) {
    http_spec spec;
    spec.url = url;
    spec.timeout = 1s;
    return spec;
}

} // namespace

TEST_CASE("an open port and a closed port") {
    test_server server(behaviour::silent);
    port_spec spec;
    spec.port = server.port();
    auto r = check_port(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == fmt::format("127.0.0.1:{} is open; expected open", spec.port));

    spec.expect_open = false;
    r = check_port(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == fmt::format("127.0.0.1:{} is open; expected closed", spec.port));

    const closed_port closed;
    spec.port = closed.port();
    r = check_port(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary ==
          fmt::format("127.0.0.1:{} is closed (connection refused); expected closed", spec.port));

    spec.expect_open = true;
    r = check_port(spec);
    REQUIRE_VERDICT(r, verdict::fail);
}

TEST_CASE("a host that does not resolve and a missing port are errors") {
    port_spec spec;
    spec.host = "no-such-host.invalid";
    spec.port = 80;
    auto r = check_port(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("no-such-host.invalid:80: cannot resolve "
                                            "no-such-host.invalid: "));
    spec.port = 0;
    r = check_port(spec);
    CHECK(r.summary == "no port given (1 to 65535)");
}

TEST_CASE("a healthy endpoint answers its status and its body matches") {
    test_server server(behaviour::healthy);
    auto spec = get(server.url());
    auto r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == server.url() + " answered HTTP 200");

    spec.body_pattern = R"("status": "healthy")";
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == server.url() + " answered HTTP 200; the body matches '\"status\": "
                                      "\"healthy\"' (31 body bytes read)");

    spec.body_pattern = "degraded";
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == server.url() + " answered HTTP 200, but the body does not match "
                                      "'degraded' (31 body bytes read)");
    CHECK(r.evidence.items().at(0).text == "body starts: {\"status\": \"healthy\", \"db\": 1}\n");

    spec.expect_no_answer = true;
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == server.url() + " still answers: HTTP 200");
}

TEST_CASE("a wrong status fails") {
    test_server server(behaviour::unavailable);
    const auto r = check_http(get(server.url()));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == server.url() + " answered HTTP 503, expected 200");
}

TEST_CASE("a stopped API passes a no-answer check: refused, hung up, or silent") {
    SECTION("nothing listens") {
        const closed_port closed;
        auto spec = get("http://127.0.0.1:" + std::to_string(closed.port()) + "/health");
        spec.expect_no_answer = true;
        auto r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.summary == spec.url + " does not answer: connection refused");
        spec.expect_no_answer = false;
        r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK(r.summary == spec.url + ": connection refused");
    }
    SECTION("the peer closes without a word") {
        test_server server(behaviour::hang_up);
        auto spec = get(server.url());
        spec.expect_no_answer = true;
        const auto r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.summary == spec.url + " does not answer: the connection was closed without an "
                                      "answer");
    }
    SECTION("the port accepts and never answers: clear result by the deadline") {
        test_server server(behaviour::silent);
        auto spec = get(server.url());
        auto r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK(r.summary == spec.url + ": no answer within 1 s");
        CHECK(r.elapsed < spec.timeout + 500ms);
        spec.expect_no_answer = true;
        r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.summary == spec.url + " does not answer: no answer within 1 s");
    }
}

TEST_CASE("garbage instead of HTTP is a clear failure") {
    test_server server(behaviour::garbage);
    auto spec = get(server.url());
    auto r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          spec.url + ": answered with something that is not HTTP (bad version): "
                     "\"SSH-2.0-OpenSSH_9.2\\x0d\\x0a\\x01\\x02 garbage\\x0d\\x0a\\x0d\\x0a\"");
    spec.expect_no_answer = true;
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith(spec.url + " still answers, answered with something"));
}

TEST_CASE("an answer that stops halfway: still an answer, and no verdict on what is missing") {
    SECTION("the head") {
        test_server server(behaviour::half_head);
        auto spec = get(server.url());
        spec.expect_no_answer = true;
        auto r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK(r.summary == spec.url + " still answers, but the answer's head did not end: the "
                                      "connection was closed in its middle");
        spec.expect_no_answer = false;
        r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::fail);
    }
    SECTION("the body: a pattern not in what came cannot be said absent") {
        test_server server(behaviour::short_body);
        auto spec = get(server.url());
        spec.body_pattern = "healthy";
        auto r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::error);
        CHECK(r.summary == spec.url + " answered HTTP 200, but the body was not complete: partial "
                                      "message: 'healthy' is not in what came (15 body bytes "
                                      "read)");
        spec.body_pattern = "status";
        r = check_http(spec);
        REQUIRE_VERDICT(r, verdict::pass);
    }
}

TEST_CASE("a failed connection says closed only when the network says so") {
    using detail::io_end;
    CHECK(detail::says_closed({io_end::failed, ECONNREFUSED}));
    CHECK(detail::says_closed({io_end::failed, EHOSTUNREACH}));
    CHECK(detail::says_closed({io_end::timed_out, 0}));
    CHECK_FALSE(detail::says_closed({io_end::failed, EMFILE}));
    CHECK_FALSE(detail::says_closed({io_end::failed, EAFNOSUPPORT}));
    CHECK_FALSE(detail::says_closed({io_end::failed, EACCES}));
}

TEST_CASE("an endless body is cut at the body limit") {
    test_server server(behaviour::endless);
    auto spec = get(server.url());
    spec.body_limit = 100 * 1000;
    spec.body_pattern = "^y+$";
    auto r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == spec.url + " answered HTTP 200; the body matches '^y+$' (100000 body bytes "
                                  "read (cut at body_limit))");
    spec.body_pattern = "healthy";
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.totals["body_bytes_read"] == 100000);
    CHECK(r.elapsed < spec.timeout + 500ms);

    spec.body_limit = 1;
    spec.body_pattern = "^y$";
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == spec.url + " answered HTTP 200; the body matches '^y$' (1 body byte read "
                                  "(cut at body_limit))");
}

TEST_CASE("bad URLs and patterns are errors") {
    auto r = check_http(get("https://127.0.0.1/health"));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "'https://127.0.0.1/health': https is not supported (no TLS); check the "
                       "port with net port or use an http:// URL");
    r = check_http(get("ftp://x/"));
    CHECK(r.summary == "'ftp://x/' is not an http:// URL");
    r = check_http(get("http://127.0.0.1:99999/"));
    CHECK(r.summary == "'http://127.0.0.1:99999/': port '99999' is not a number from 1 to 65535");
    r = check_http(get("http:///path"));
    CHECK(r.summary == "'http:///path' names no host");
    auto spec = get("http://127.0.0.1:1/");
    spec.body_pattern = "(";
    r = check_http(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("pattern '(' is not a valid RE2 regular expression"));
    r = check_http(get("http://no-such-host.invalid/"));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("http://no-such-host.invalid/: "));
}

TEST_CASE("URLs give host, port and target, and an IPv6 literal loses its brackets") {
    std::string why;
    auto url = detail::parse_http_url("http://[::1]:8080/health?deep=1", why);
    REQUIRE(url);
    CHECK(url->host == "::1");
    CHECK(url->port == 8080);
    CHECK(url->target == "/health?deep=1");
    url = detail::parse_http_url("http://api.internal", why);
    REQUIRE(url);
    CHECK(url->host == "api.internal");
    CHECK(url->port == 80);
    CHECK(url->target == "/");
    url = detail::parse_http_url("http://api.internal:8000?deep=1#top", why);
    REQUIRE(url);
    CHECK(url->host == "api.internal");
    CHECK(url->target == "/?deep=1");
    CHECK_FALSE(detail::parse_http_url("http://api.internal/a b", why));
    CHECK(why == "'http://api.internal/a': a space or control character (percent-encode it as "
                 "%20)");
    CHECK_FALSE(detail::parse_http_url("http://api/x\r\nX-Injected: 1", why));
    CHECK_FALSE(detail::parse_http_url("http://admin:s3cret@api.internal/", why));
    CHECK(why == "an http:// URL with user information (user@host) is not supported");
}
