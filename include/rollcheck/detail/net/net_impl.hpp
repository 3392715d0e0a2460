/// \file detail/net/net_impl.hpp
/// Definitions of net.hpp, included at its end.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "../../net.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "../http/response_reader.hpp"
#include "../http/stream_socket.hpp"
#include "../pattern.hpp"
#include "resolve.hpp"
#include "url.hpp"

namespace rollcheck {

namespace detail {

/// What a connection's end means, for messages.
inline std::string describe_io(const io_status& io, std::chrono::milliseconds timeout) {
    switch (io.end) {
    case io_end::timed_out:
        return "no answer within " + describe_span(timeout);
    case io_end::stopped:
        return "interrupted by " + stop_reason();
    case io_end::closed:
        return "the connection was closed without an answer";
    case io_end::failed:
        return io.error == ECONNREFUSED ? "connection refused" : std::strerror(io.error);
    case io_end::done:
        break;
    }
    return "done";
}

/// A connection to `host`:`port` by `socket`'s deadline; `error` says why
/// there is none (`resolved` false when the name was the trouble).
struct tcp_connection {
    bool resolved = false;
    io_status io;
    std::string error;
    /// The failure says nothing of the port: no descriptor left, no such
    /// address family here, a local firewall. Neither open nor closed.
    bool undecided = false;
};

/// Tries each address of `host` in turn, each with an equal share of the
/// time left, so that one that drops packets (IPv6 without a route, say)
/// does not take the time of the next.
inline tcp_connection connect_tcp(stream_socket& socket, const std::string& host,
                                  std::uint16_t port, std::chrono::milliseconds timeout) {
    tcp_connection c;
    const auto addresses = resolve(host, port, socket.deadline(), timeout);
    if (addresses.stopped) c.io = {io_end::stopped, 0};
    if (!addresses.error.empty()) {
        c.error = fmt::format("cannot resolve {}: {}", host, addresses.error);
        return c;
    }
    c.resolved = true;
    c.io = {io_end::failed, EADDRNOTAVAIL};
    const auto count = addresses.found.size();
    for (std::size_t i = 0; i < count; ++i) {
        const auto now = std::chrono::steady_clock::now();
        const auto share = (socket.deadline() - now) / static_cast<long>(count - i);
        c.io = socket.connect(addresses.found[i].get(), addresses.found[i].length, now + share);
        if (c.io.ok() || c.io.end == io_end::stopped) break;
    }
    if (!c.io.ok()) {
        c.error = describe_io(c.io, timeout);
        c.undecided = c.io.end == io_end::failed && !says_closed(c.io);
    }
    return c;
}

/// The first bytes of what a non-HTTP peer sent, printable.
inline std::string printable_start(std::string_view bytes) {
    std::string shown;
    for (std::size_t i = 0; i < bytes.size() && i < 40; ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        shown += byte >= 0x20 && byte < 0x7f ? std::string(1, static_cast<char>(byte))
                                             : fmt::format("\\x{:02x}", byte);
    }
    return shown;
}

/// What came back from a GET.
struct http_answer {
    bool resolved = false;
    bool connected = false;
    bool stopped = false;   ///< the run was stopped while it waited
    bool undecided = false; ///< the connection failed for a reason of this host's
    bool partial = false;   ///< some of a head came, then nothing more
    std::string error;      ///< why there is no (complete) answer
    int status = 0;
    std::string body;      ///< at most body_limit bytes
    bool body_cut = false; ///< the body was longer than body_limit
    bool not_http = false; ///< the peer sent something that is not an HTTP response
};

/// Reads the body into `answer.body`, up to `limit` bytes.
inline void read_body(response_reader& reader, std::size_t limit, std::chrono::milliseconds timeout,
                      http_answer& answer) {
    const auto read = reader.read_body([&](std::string_view piece) {
        const auto room = limit - answer.body.size();
        answer.body.append(piece.substr(0, room));
        answer.body_cut = piece.size() > room;
        return !answer.body_cut;
    });
    if (read.ok()) return;
    answer.stopped = read.io.end == io_end::stopped;
    answer.error = fmt::format("the body was not complete: {}",
                               !read.malformed.empty()         ? read.malformed
                               : read.io.end == io_end::closed ? std::string("partial message")
                                                               : describe_io(read.io, timeout));
}

/// Why the head did not come, into `answer`.
inline void judge_head(const http_read& read, const response_reader& reader,
                       std::chrono::milliseconds timeout, http_answer& answer) {
    answer.stopped = read.io.end == io_end::stopped;
    answer.not_http = !read.malformed.empty();
    answer.partial = !answer.not_http && reader.received_any();
    if (answer.not_http)
        answer.error = fmt::format("answered with something that is not HTTP ({}): \"{}\"",
                                   read.malformed, printable_start(reader.received_start()));
    else if (reader.received_any())
        answer.error = fmt::format("the answer's head did not end: {}",
                                   read.io.end == io_end::closed
                                       ? std::string("the connection was closed in its middle")
                                       : describe_io(read.io, timeout));
    else if (read.io.end == io_end::failed && read.io.error == ECONNRESET)
        answer.error = "the connection was closed without an answer";
    else
        answer.error = describe_io(read.io, timeout);
}

/// GET `url` within `spec.timeout`.
inline http_answer http_get(const http_url& url, const http_spec& spec) {
    stream_socket socket(std::chrono::steady_clock::now() + spec.timeout);
    http_answer answer;
    const auto connection = connect_tcp(socket, url.host, url.port, spec.timeout);
    answer.resolved = connection.resolved;
    answer.stopped = connection.io.end == io_end::stopped;
    answer.undecided = connection.undecided;
    answer.error = connection.error;
    if (!connection.resolved || !connection.io.ok()) return answer;
    answer.connected = true;
    const auto host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
    response_reader reader(socket);
    http_read read{
        reader.send_get(url.port == 80 ? host : fmt::format("{}:{}", host, url.port), url.target),
        {}};
    if (read.ok()) read = reader.read_head();
    if (!read.ok()) {
        judge_head(read, reader, spec.timeout, answer);
        return answer;
    }
    answer.status = reader.status();
    if (!spec.body_pattern.empty()) read_body(reader, spec.body_limit, spec.timeout, answer);
    return answer;
}

/// The check cut short by a stop while it waited on `where`: an error, whatever
/// a silent peer would have meant.
inline std::optional<check_result> judge_stopped(const std::string& check, const std::string& where,
                                                 bool stopped,
                                                 std::chrono::steady_clock::time_point started) {
    if (!stopped) return std::nullopt;
    return check_result::error(
        check, fmt::format("{}: interrupted by {} after {}", where, stop_reason(),
                           describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started))));
}

/// A connection this host could not make says nothing of the service.
inline check_result undecided(const http_spec& spec, const http_answer& answer) {
    return check_result::error(
        "net.http", fmt::format("{}: cannot tell whether it answers: {}", spec.url, answer.error));
}

inline check_result judge_no_answer(const http_spec& spec, const http_answer& answer) {
    if (!answer.resolved)
        return check_result::error("net.http", fmt::format("{}: {}", spec.url, answer.error));
    if (answer.undecided) return undecided(spec, answer);
    if (answer.status != 0)
        return check_result::fail(
            "net.http", fmt::format("{} still answers: HTTP {}", spec.url, answer.status));
    if (answer.not_http)
        return check_result::fail("net.http",
                                  fmt::format("{} still answers, {}", spec.url, answer.error));
    if (answer.partial)
        return check_result::fail("net.http",
                                  fmt::format("{} still answers, but {}", spec.url, answer.error));
    return check_result::pass("net.http",
                              fmt::format("{} does not answer: {}", spec.url, answer.error));
}

inline check_result judge_answer(const http_spec& spec, const http_answer& answer) {
    if (!answer.resolved)
        return check_result::error("net.http", fmt::format("{}: {}", spec.url, answer.error));
    if (answer.undecided) return undecided(spec, answer);
    if (answer.status == 0)
        return check_result::fail("net.http", fmt::format("{}: {}", spec.url, answer.error));
    if (answer.status != spec.expect_status)
        return check_result::fail("net.http",
                                  fmt::format("{} answered HTTP {}, expected {}", spec.url,
                                              answer.status, spec.expect_status));
    if (spec.body_pattern.empty())
        return check_result::pass("net.http",
                                  fmt::format("{} answered HTTP {}", spec.url, answer.status));
    std::string why;
    const auto re = compile_pattern(spec.body_pattern, why);
    const bool found = search(*re, answer.body);
    const auto read = fmt::format("{} read{}", counted(answer.body.size(), "body byte"),
                                  answer.body_cut ? fmt::format(" (cut at body_limit)") : "");
    if (found)
        return check_result::pass("net.http",
                                  fmt::format("{} answered HTTP {}; the body matches "
                                              "'{}' ({})",
                                              spec.url, answer.status, spec.body_pattern, read));
    // A body that did not come whole may hold the pattern in what is missing.
    auto r = answer.error.empty()
                 ? check_result::fail("net.http",
                                      fmt::format("{} answered HTTP {}, but the body does not "
                                                  "match '{}' ({})",
                                                  spec.url, answer.status, spec.body_pattern, read))
                 : check_result::error("net.http",
                                       fmt::format("{} answered HTTP {}, but {}: '{}' is not in "
                                                   "what came ({})",
                                                   spec.url, answer.status, answer.error,
                                                   spec.body_pattern, read));
    r.evidence.add({"body starts: " + answer.body.substr(0, 200),
                    {{"body_start", answer.body.substr(0, 200)}}});
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_port(const port_spec& spec) {
    return timed_check("net.port", [&] {
        const auto where = fmt::format("{}:{}", spec.host, spec.port);
        if (spec.port == 0) return check_result::error("net.port", "no port given (1 to 65535)");
        const auto started = std::chrono::steady_clock::now();
        detail::stream_socket socket(started + spec.timeout);
        const auto c = detail::connect_tcp(socket, spec.host, spec.port, spec.timeout);
        const bool stopped = c.io.end == detail::io_end::stopped;
        if (auto r = detail::judge_stopped("net.port", where, stopped, started)) return *r;
        if (!c.resolved)
            return check_result::error("net.port", fmt::format("{}: {}", where, c.error));
        if (c.undecided)
            return check_result::error(
                "net.port", fmt::format("{}: cannot tell whether it is open: {}", where, c.error));
        const bool open = c.io.ok();
        const auto state = open ? std::string("open") : fmt::format("closed ({})", c.error);
        auto r =
            check_result::make("net.port", open == spec.expect_open ? verdict::pass : verdict::fail,
                               fmt::format("{} is {}; expected {}", where, state,
                                           spec.expect_open ? "open" : "closed"));
        r.totals = {{"host", spec.host}, {"port", spec.port}, {"open", open}};
        return r;
    });
}

ROLLCHECK_INLINE check_result check_http(const http_spec& spec) {
    return timed_check("net.http", [&] {
        std::string why;
        const auto url = detail::parse_http_url(spec.url, why);
        if (!url) return check_result::error("net.http", why);
        if (!spec.body_pattern.empty() && !detail::compile_pattern(spec.body_pattern, why))
            return check_result::error("net.http", why);
        const auto started = std::chrono::steady_clock::now();
        const auto answer = detail::http_get(*url, spec);
        auto stopped = detail::judge_stopped("net.http", spec.url, answer.stopped, started);
        auto r = stopped                 ? *std::move(stopped)
                 : spec.expect_no_answer ? detail::judge_no_answer(spec, answer)
                                         : detail::judge_answer(spec, answer);
        r.totals = {{"url", spec.url},
                    {"connected", answer.connected},
                    {"status", answer.status},
                    {"body_bytes_read", answer.body.size()}};
        return r;
    });
}

} // namespace rollcheck
