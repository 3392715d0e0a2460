// The HTTP/1.1 reader under net.http and the Engine API client, against a
// peer on a unix socket that sends a scripted answer in pieces, so that
// every line, chunk size and body may arrive split at any byte.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rollcheck/catch.hpp>
#include <rollcheck/detail/http/response_reader.hpp>

#include "test_support.hpp"

// Names, not the namespace: this file shares a unit with the other code tests.
using rollcheck::detail::http_read;
using rollcheck::detail::io_end;
using rollcheck::detail::response_reader;
using rollcheck::detail::stream_socket;
using namespace std::chrono_literals;

namespace {

/// Listens on a socket in a temporary directory; the first connection gets
/// `pieces`, one write each, then is closed (or held open with `hold`).
class scripted_peer {
public:
    scripted_peer(std::vector<std::string> pieces, bool hold = false)
        : pieces_(std::move(pieces)), hold_(hold) {
        listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const auto where = path();
        std::copy(where.begin(), where.end(), address.sun_path);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener_, 1) == 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~scripted_peer() {
        thread_.join();
        ::close(listener_);
    }
    scripted_peer(const scripted_peer&) = delete;
    scripted_peer& operator=(const scripted_peer&) = delete;

    [[nodiscard]] std::string path() const { return (dir_.path() / "peer.sock").string(); }
    /// What the client sent, once the peer is done.
    [[nodiscard]] const std::string& request() const { return request_; }

private:
    void serve() {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        char buffer[4096];
        while (request_.find("\r\n\r\n") == std::string::npos) {
            const auto n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) break;
            request_.append(buffer, static_cast<std::size_t>(n));
        }
        for (const auto& piece : pieces_) {
            if (::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
            std::this_thread::sleep_for(2ms); // each piece its own read
        }
        if (hold_) std::this_thread::sleep_for(1500ms);
        ::close(fd);
    }

    rollcheck_test::temp_dir dir_;
    std::vector<std::string> pieces_;
    bool hold_;
    int listener_ = -1;
    std::string request_;
    std::thread thread_;
};

/// Every byte of `text` as a piece of its own.
std::vector<std::string> bytewise(const std::string& text) {
    std::vector<std::string> pieces;
    for (const char c : text)
        pieces.emplace_back(1, c);
    return pieces;
}

/// What one GET read from a peer: the head's status, the body, how it ended.
struct exchange {
    int status = 0;
    std::string body;
    http_read head, end;
    std::string first_bytes;
};

exchange get(scripted_peer& peer, std::chrono::milliseconds timeout = 2s,
             std::size_t take_at_most = std::string::npos) {
    stream_socket socket(std::chrono::steady_clock::now() + timeout);
    REQUIRE(socket.connect_unix(peer.path()).ok());
    response_reader reader(socket);
    REQUIRE(reader.send_get("example", "/health").ok());
    exchange x;
    x.head = reader.read_head();
    x.status = reader.status();
    x.first_bytes = std::string(reader.received_start());
    if (!x.head.ok()) return x;
    x.end = reader.read_body([&](std::string_view piece) {
        x.body.append(piece);
        return x.body.size() < take_at_most;
    });
    return x;
}

} // namespace

TEST_CASE("the request is one GET that asks the peer to close") {
    scripted_peer peer({"HTTP/1.1 204 No Content\r\n\r\n"});
    const auto x = get(peer);
    CHECK(x.head.ok());
    CHECK(x.status == 204);
    CHECK(x.end.ok());
    CHECK(peer.request() == "GET /health HTTP/1.1\r\nHost: example\r\nUser-Agent: "
                            "rollcheck\r\nConnection: close\r\n\r\n");
}

TEST_CASE("a body framed by Content-Length ends at its length, whatever follows") {
    scripted_peer peer(bytewise("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more"));
    const auto x = get(peer);
    CHECK(x.end.ok());
    CHECK(x.body == "hello");
}

TEST_CASE("a chunked body is joined, with extensions and trailers, split at every byte") {
    scripted_peer peer(bytewise("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "5;name=value\r\nhello\r\n00000000000000001\r\n,\r\n"
                                "A\r\n world and\r\n"
                                "0\r\nX-Trailer: yes\r\n\r\n"));
    const auto x = get(peer);
    CHECK(x.end.ok());
    CHECK(x.body == "hello, world and");
}

TEST_CASE("interim 1xx answers are skipped, folded fields and bare line ends read") {
    scripted_peer peer({"HTTP/1.1 100 Continue\r\n\r\n",
                        "HTTP/1.1 200 OK\nX-Long: one\n two\nContent-Length: 2\n\nok"});
    const auto x = get(peer);
    CHECK(x.status == 200);
    CHECK(x.end.ok());
    CHECK(x.body == "ok");
}

TEST_CASE("without a length the body runs until the peer closes") {
    scripted_peer peer({"HTTP/1.0 200 OK\r\n\r\n", "first ", "second"});
    const auto x = get(peer);
    CHECK(x.end.ok());
    CHECK(x.body == "first second");
}

TEST_CASE("a body cut short by the peer is not complete") {
    SECTION("by length") {
        scripted_peer peer({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"});
        const auto x = get(peer);
        CHECK(x.end.io.end == io_end::closed);
        CHECK(x.body == "short");
    }
    SECTION("chunked, before the last chunk") {
        scripted_peer peer({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"});
        CHECK(get(peer).end.io.end == io_end::closed);
    }
}

TEST_CASE("what is not HTTP is named, and its first bytes kept") {
    SECTION("another protocol") {
        scripted_peer peer({"SSH-2.0-OpenSSH_9.2\r\n"}, true);
        const auto x = get(peer);
        CHECK(x.head.malformed == "bad version");
        CHECK(x.first_bytes == "SSH-2.0-OpenSSH_9.2\r\n");
    }
    SECTION("a bad status, a field without a colon, a bad length, a bad chunk") {
        const std::pair<std::string, std::string> cases[] = {
            {"HTTP/1.1 2x0 OK\r\n\r\n", "bad status"},
            {"HTTP/1.1 099 Too Early\r\n\r\n", "bad status"},
            {"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "bad Content-Length"},
            {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad field"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "bad Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"}};
        for (const auto& [answer, why] : cases) {
            scripted_peer peer({answer});
            CHECK(get(peer).head.malformed == why);
        }
        scripted_peer peer({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"});
        CHECK(get(peer).end.malformed == "bad chunk size");
    }
    SECTION("a head that never ends") {
        scripted_peer peer({"HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'a')}, true);
        CHECK(get(peer).head.malformed == "the head is longer than 64 KiB");
        std::string many_fields = "HTTP/1.1 200 OK\r\n";
        while (many_fields.size() < 70 * 1024)
            many_fields += "X-Field: value\r\n";
        scripted_peer endless({many_fields}, true);
        CHECK(get(endless).head.malformed == "the head is longer than 64 KiB");
    }
}

TEST_CASE("the deadline ends a silent peer, and the taker can stop early") {
    SECTION("silent after the head") {
        scripted_peer peer({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"}, true);
        const auto started = std::chrono::steady_clock::now();
        const auto x = get(peer, 300ms);
        CHECK(x.end.io.end == io_end::timed_out);
        CHECK(x.body == "abc");
        CHECK(std::chrono::steady_clock::now() - started < 1s);
    }
    SECTION("enough taken") {
        scripted_peer peer({"HTTP/1.1 200 OK\r\n\r\n", "0123456789", "never read"}, true);
        const auto x = get(peer, 2s, 4);
        CHECK(x.end.ok());
        CHECK(x.body == "0123456789");
    }
}
