/// \file detail/net/net_impl.hpp
/// Definitions of net.hpp, included at its end.
#pragma once

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <netdb.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "../../net.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "url.hpp"

namespace rollcheck {

namespace detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

/// Starts one asynchronous operation on `stream` and runs `ioc` until it
/// completes; every operation started here is bounded (tcp_stream's
/// expiry), so this returns by the deadline, or sooner when the run is
/// stopped: the stop cancels the operation (operation_aborted).
template <typename Start>
error_code await(net::io_context& ioc, boost::beast::tcp_stream& stream, Start&& start) {
    error_code result = net::error::would_block;
    net::posix::stream_descriptor stop(ioc);
    if (const int fd = ::fcntl(stop_fd(), F_DUPFD_CLOEXEC, 0); fd >= 0) stop.assign(fd);
    start([&](error_code ec, auto&&...) {
        result = ec;
        error_code unwatched; // a descriptor never opened has nothing to cancel
        stop.cancel(unwatched);
    });
    if (stop.is_open())
        stop.async_wait(net::posix::stream_descriptor::wait_read, [&](error_code ec) {
            if (!ec && stop_requested()) stream.cancel();
        });
    ioc.restart();
    ioc.run();
    return result;
}

/// getaddrinfo's failure as the error asio would give for it.
inline error_code addrinfo_error(int status, int saved_errno) {
    switch (status) {
    case EAI_AGAIN:
        return net::error::host_not_found_try_again;
    case EAI_FAIL:
        return net::error::no_recovery;
    case EAI_MEMORY:
        return net::error::no_memory;
    case EAI_SERVICE:
        return net::error::service_not_found;
    case EAI_SYSTEM:
        return {saved_errno, boost::system::system_category()};
    default:
        return net::error::host_not_found;
    }
}

/// Resolves `host` before `deadline`; a literal address needs no lookup.
/// getaddrinfo can neither time out nor be cancelled (asio's resolver waits
/// for it too), so it runs on a thread of its own, left to finish alone
/// when the deadline comes first.
inline error_code resolve(const std::string& host, std::uint16_t port,
                          std::chrono::steady_clock::time_point deadline,
                          std::vector<tcp::endpoint>& endpoints) {
    error_code literal;
    const auto address = net::ip::make_address(host, literal);
    if (!literal) {
        endpoints = {tcp::endpoint(address, port)};
        return {};
    }
    struct lookup {
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        error_code error;
        std::vector<tcp::endpoint> found;
    };
    auto shared = std::make_shared<lookup>();
    std::thread([shared, host, port] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
        const int saved_errno = errno;
        std::vector<tcp::endpoint> found;
        for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
            tcp::endpoint e;
            if (a->ai_addrlen > e.capacity()) continue;
            std::memcpy(e.data(), a->ai_addr, a->ai_addrlen);
            e.resize(a->ai_addrlen);
            found.push_back(e);
        }
        if (list != nullptr) ::freeaddrinfo(list);
        const std::lock_guard<std::mutex> lock(shared->mutex);
        shared->error = status == 0 ? error_code() : addrinfo_error(status, saved_errno);
        shared->found = std::move(found);
        shared->done = true;
        shared->finished.notify_all();
    }).detach();
    std::unique_lock<std::mutex> lock(shared->mutex);
    if (!shared->finished.wait_until(lock, deadline, [&] { return shared->done; }))
        return net::error::timed_out;
    endpoints = std::move(shared->found);
    return shared->error;
}

/// What stopped a lookup, for messages.
inline std::string describe_resolve_error(const error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == net::error::timed_out)
        return "no answer from the name service within " + describe_span(timeout);
    return ec.message();
}

/// Resolves and connects before `deadline`.
inline error_code connect(net::io_context& ioc, boost::beast::tcp_stream& stream,
                          const std::string& host, std::uint16_t port,
                          std::chrono::steady_clock::time_point deadline, bool& resolved) {
    std::vector<tcp::endpoint> endpoints;
    resolved = false;
    if (const auto ec = resolve(host, port, deadline, endpoints)) return ec;
    resolved = true;
    stream.expires_at(deadline);
    return await(ioc, stream,
                 [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
}

inline std::string describe_connect_error(const error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == boost::beast::error::timeout || ec == net::error::timed_out)
        return "no answer within " + describe_span(timeout);
    if (ec == net::error::connection_refused) return "connection refused";
    return ec.message();
}

/// The first bytes of what a non-HTTP peer sent, printable.
inline std::string printable_start(const boost::beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    const auto* bytes = static_cast<const unsigned char*>(data.data());
    std::string shown;
    for (std::size_t i = 0; i < data.size() && i < 40; ++i)
        shown += bytes[i] >= 0x20 && bytes[i] < 0x7f ? std::string(1, static_cast<char>(bytes[i]))
                                                     : fmt::format("\\x{:02x}", bytes[i]);
    return shown;
}

/// What came back from a GET.
struct http_answer {
    bool resolved = false;
    bool connected = false;
    error_code error; ///< why there is no (complete) answer
    std::string error_text;
    int status = 0;
    std::string body;      ///< at most body_limit bytes
    bool body_cut = false; ///< the body was longer than body_limit
    bool not_http = false; ///< the peer sent something that is not an HTTP response
};

/// Reads the body into `answer.body`, up to `limit` bytes.
inline void read_body(net::io_context& ioc, boost::beast::tcp_stream& stream,
                      boost::beast::flat_buffer& buffer,
                      boost::beast::http::response_parser<boost::beast::http::buffer_body>& parser,
                      std::size_t limit, http_answer& answer) {
    namespace http = boost::beast::http;
    char chunk[16 * 1024];
    while (!parser.is_done()) {
        if (answer.body.size() >= limit) {
            answer.body_cut = true;
            return;
        }
        parser.get().body().data = chunk;
        parser.get().body().size = std::min(sizeof chunk, limit - answer.body.size());
        const auto requested = parser.get().body().size;
        auto ec = await(ioc, stream, [&](auto handler) {
            http::async_read(stream, buffer, parser, std::move(handler));
        });
        answer.body.append(chunk, requested - parser.get().body().size);
        if (ec == http::error::need_buffer) continue;
        if (ec) {
            answer.error = ec;
            answer.error_text = fmt::format("the body was not complete: {}", ec.message());
            return;
        }
    }
}

/// GET `url` within `spec.timeout`.
inline http_answer http_get(const http_url& url, const http_spec& spec) {
    namespace http = boost::beast::http;
    const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
    net::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    http_answer answer;
    answer.error = connect(ioc, stream, url.host, url.port, deadline, answer.resolved);
    if (answer.error && !answer.resolved) {
        answer.error_text = fmt::format("cannot resolve {}: {}", url.host,
                                        describe_resolve_error(answer.error, spec.timeout));
        return answer;
    }
    if (answer.error) {
        answer.error_text = describe_connect_error(answer.error, spec.timeout);
        return answer;
    }
    answer.connected = true;
    http::request<http::empty_body> request{http::verb::get, url.target, 11};
    const auto host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
    request.set(http::field::host, url.port == 80 ? host : fmt::format("{}:{}", host, url.port));
    request.set(http::field::user_agent, "rollcheck");
    request.set(http::field::connection, "close");
    stream.expires_at(deadline);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max()); // capped while reading
    answer.error = await(
        ioc, stream, [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    if (!answer.error)
        answer.error = await(ioc, stream, [&](auto handler) {
            http::async_read_header(stream, buffer, parser, std::move(handler));
        });
    if (answer.error) {
        answer.not_http =
            answer.error.category() == http::make_error_code(http::error::bad_version).category() &&
            answer.error != http::error::end_of_stream &&
            answer.error != http::error::partial_message;
        answer.error_text =
            answer.not_http ? fmt::format("answered with something that is not HTTP ({}): \"{}\"",
                                          answer.error.message(), printable_start(buffer))
            : answer.error == http::error::end_of_stream ||
                    answer.error == net::error::connection_reset
                ? "the connection was closed without an answer"
                : describe_connect_error(answer.error, spec.timeout);
        return answer;
    }
    answer.status = static_cast<int>(parser.get().result_int());
    if (!spec.body_pattern.empty()) read_body(ioc, stream, buffer, parser, spec.body_limit, answer);
    return answer;
}

/// The check cut short by a stop while it waited on `where`: an error, whatever
/// a silent peer would have meant.
inline std::optional<check_result> judge_stopped(const std::string& check, const std::string& where,
                                                 const error_code& ec,
                                                 std::chrono::steady_clock::time_point started) {
    if (ec != net::error::operation_aborted || !stop_requested()) return std::nullopt;
    return check_result::error(
        check, fmt::format("{}: interrupted by {} after {}", where, stop_reason(),
                           describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started))));
}

inline check_result judge_no_answer(const http_spec& spec, const http_answer& answer) {
    if (!answer.resolved)
        return check_result::error("net.http", fmt::format("{}: {}", spec.url, answer.error_text));
    if (answer.status != 0)
        return check_result::fail(
            "net.http", fmt::format("{} still answers: HTTP {}", spec.url, answer.status));
    if (answer.not_http)
        return check_result::fail("net.http",
                                  fmt::format("{} still answers, {}", spec.url, answer.error_text));
    return check_result::pass("net.http",
                              fmt::format("{} does not answer: {}", spec.url, answer.error_text));
}

inline check_result judge_answer(const http_spec& spec, const http_answer& answer) {
    if (!answer.resolved)
        return check_result::error("net.http", fmt::format("{}: {}", spec.url, answer.error_text));
    if (answer.status == 0)
        return check_result::fail("net.http", fmt::format("{}: {}", spec.url, answer.error_text));
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
    auto r = check_result::fail(
        "net.http", fmt::format("{} answered HTTP {}, but the body does not match '{}' ({}{})",
                                spec.url, answer.status, spec.body_pattern, read,
                                answer.error ? "; " + answer.error_text : ""));
    r.evidence.add({"body starts: " + answer.body.substr(0, 200),
                    {{"body_start", answer.body.substr(0, 200)}}});
    return r;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_port(const port_spec& spec) {
    return timed_check("net.port", [&] {
        const auto where = fmt::format("{}:{}", spec.host, spec.port);
        if (spec.port == 0) return check_result::error("net.port", "no port given (1 to 65535)");
        detail::net::io_context ioc;
        boost::beast::tcp_stream stream(ioc);
        bool resolved = false;
        const auto started = std::chrono::steady_clock::now();
        const auto ec =
            detail::connect(ioc, stream, spec.host, spec.port, started + spec.timeout, resolved);
        if (auto stopped = detail::judge_stopped("net.port", where, ec, started)) return *stopped;
        if (!resolved)
            return check_result::error(
                "net.port", fmt::format("{}: cannot resolve {}: {}", where, spec.host,
                                        detail::describe_resolve_error(ec, spec.timeout)));
        const auto state =
            ec ? fmt::format("closed ({})", detail::describe_connect_error(ec, spec.timeout))
               : std::string("open");
        auto r = check_result::make(
            "net.port", ec.failed() == !spec.expect_open ? verdict::pass : verdict::fail,
            fmt::format("{} is {}; expected {}", where, state,
                        spec.expect_open ? "open" : "closed"));
        r.totals = {{"host", spec.host}, {"port", spec.port}, {"open", !ec.failed()}};
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
        auto stopped = detail::judge_stopped("net.http", spec.url, answer.error, started);
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
