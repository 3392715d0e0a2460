/// \file detail/containers/engine_client.hpp
/// GETs from the Engine API over its unix socket, HTTP/1.1 with Boost.Beast:
/// one connection per request, every step bounded by the client's deadline,
/// every body by its limit. Only GET exists here: a check never changes the
/// daemon.
#pragma once

#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../wording.hpp"

namespace rollcheck::detail {

/// An answer: its status and body, or why there is none (`error` non-empty).
struct engine_answer {
    int status = 0;
    std::string body;
    std::string error;
};

/// The API versions this client speaks; paths carry the version chosen.
inline constexpr int engine_api_oldest_minor = 25; // 1.25: Docker 1.13, health in inspect
inline constexpr int engine_api_newest_minor = 41; // 1.41: Docker 20.10, Podman's compat API

/// One daemon at one socket, until one deadline.
class engine_client {
public:
    engine_client(std::string socket, std::chrono::milliseconds timeout, std::size_t body_limit)
        : socket_(std::move(socket)), timeout_(timeout),
          deadline_(std::chrono::steady_clock::now() + timeout), body_limit_(body_limit) {}

    [[nodiscard]] const std::string& socket() const noexcept { return socket_; }

    /// Asks `GET /version` and picks the newest version both sides speak.
    /// Returns what is wrong, or "".
    [[nodiscard]] std::string negotiate() {
        auto answer = get_raw("/version");
        if (!answer.error.empty()) return answer.error;
        if (answer.status != 200)
            return fmt::format("{}: GET /version answered HTTP {}{}", socket_, answer.status,
                               daemon_message(answer.body));
        const auto version = nlohmann::json::parse(answer.body, nullptr, false);
        const auto newest =
            version.is_object() ? minor_of(version.value("ApiVersion", ""), -1) : -1;
        // Podman's compat API and old daemons may leave MinAPIVersion out.
        const auto oldest =
            version.is_object() ? minor_of(version.value("MinAPIVersion", "1.12"), -1) : -1;
        const auto shown = version.is_object() && version.contains("ApiVersion")
                               ? version["ApiVersion"].dump()
                               : std::string("none");
        if (newest < 0 || oldest < 0)
            return fmt::format("{}: the daemon's API version {} is not one rollcheck knows "
                               "(expected 1.N)",
                               socket_, shown);
        if (newest < engine_api_oldest_minor || oldest > engine_api_newest_minor)
            return fmt::format("{}: the daemon speaks API {} (oldest 1.{}); rollcheck speaks "
                               "1.{} to 1.{}",
                               socket_, version.value("ApiVersion", ""), oldest,
                               engine_api_oldest_minor, engine_api_newest_minor);
        version_ = fmt::format("/v1.{}", std::min(newest, engine_api_newest_minor));
        return {};
    }

    /// `GET /v1.N{target}` (after negotiate), the whole body.
    [[nodiscard]] engine_answer get(const std::string& target) {
        return get_raw(version_ + target);
    }

    /// `GET /v1.N{target}`, the body handed to `sink` as it comes (status
    /// 200 only; another status's body is read whole, for its message).
    [[nodiscard]] engine_answer get_stream(const std::string& target,
                                           const std::function<void(std::string_view)>& sink) {
        return get_raw(version_ + target, &sink);
    }

    /// The daemon's `{"message": …}` of an error answer, as "`: message`".
    [[nodiscard]] static std::string daemon_message(const std::string& body) {
        const auto j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_object() && j.contains("message") && j["message"].is_string())
            return ": " + j["message"].get<std::string>();
        return {};
    }

private:
    using protocol = boost::asio::local::stream_protocol;
    using stream_type = boost::beast::basic_stream<protocol>;
    using error_code = boost::system::error_code;

    /// "1.41" → 41; `otherwise` for anything else.
    static int minor_of(const std::string& v, int otherwise) {
        if (v.rfind("1.", 0) != 0 || v.size() < 3 || v.size() > 5 ||
            v.find_first_not_of("0123456789", 2) != std::string::npos)
            return otherwise;
        return std::stoi(v.substr(2));
    }

    /// Starts one operation and runs the context until it ends; the stream's
    /// expiry bounds every operation, so this returns by the deadline.
    template <typename Start>
    error_code await(Start&& start) {
        error_code result = boost::asio::error::would_block;
        start([&result](error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run();
        return result;
    }

    std::string describe(const error_code& ec, const std::string& what) const {
        if (ec == boost::beast::error::timeout)
            return fmt::format("{}: no answer to {} within {}", socket_, what,
                               describe_span(timeout_));
        if (ec == boost::system::errc::no_such_file_or_directory)
            return fmt::format("{}: no such socket (is the daemon running? DOCKER_HOST?)", socket_);
        if (ec == boost::asio::error::connection_refused)
            return fmt::format("{}: connection refused (no daemon listens there)", socket_);
        if (ec == boost::system::errc::permission_denied)
            return fmt::format("{}: permission denied (the user needs access to the socket: "
                               "root, or the docker group)",
                               socket_);
        if (ec == boost::beast::http::error::end_of_stream ||
            ec == boost::asio::error::connection_reset || ec == boost::asio::error::eof)
            return fmt::format("{}: the daemon closed the connection without an answer to {}",
                               socket_, what);
        return fmt::format("{}: {}: {}", socket_, what, ec.message());
    }

    engine_answer get_raw(const std::string& target,
                          const std::function<void(std::string_view)>* sink = nullptr) {
        namespace http = boost::beast::http;
        engine_answer answer;
        const auto what = "GET " + target;
        if (std::chrono::steady_clock::now() >= deadline_) {
            answer.error = describe(boost::beast::error::timeout, what);
            return answer;
        }
        stream_type stream(ioc_);
        stream.expires_at(deadline_);
        auto ec = await([&](auto handler) {
            stream.async_connect(protocol::endpoint(socket_), std::move(handler));
        });
        if (ec) {
            answer.error = describe(ec, "connect");
            return answer;
        }
        http::request<http::empty_body> request{http::verb::get, target, 11};
        request.set(http::field::host, "docker"); // HTTP/1.1 needs one; the daemon ignores it
        request.set(http::field::user_agent, "rollcheck");
        request.set(http::field::connection, "close");
        boost::beast::flat_buffer buffer;
        http::response_parser<http::buffer_body> parser;
        // Bounded below, by the sink or by body_limit_.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        ec = await([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
        if (!ec)
            ec = await([&](auto handler) {
                http::async_read_header(stream, buffer, parser, std::move(handler));
            });
        if (ec) {
            answer.error = describe(ec, what);
            return answer;
        }
        answer.status = static_cast<int>(parser.get().result_int());
        const bool streaming = sink != nullptr && answer.status == 200;
        char chunk[64 * 1024];
        std::size_t total = 0;
        // A body that keeps coming (a log of gigabytes) is not "no answer".
        const auto unfinished = [&] {
            return fmt::format("{}: the answer to {} did not end within {} ({} read)", socket_,
                               what, describe_span(timeout_), describe_bytes(total));
        };
        while (!parser.is_done()) {
            // The stream's timer fires only while a read waits: a body that
            // comes faster than it is handled would never wait.
            if (std::chrono::steady_clock::now() >= deadline_) {
                answer.error = unfinished();
                return answer;
            }
            parser.get().body().data = chunk;
            parser.get().body().size = sizeof chunk;
            ec = await([&](auto handler) {
                http::async_read(stream, buffer, parser, std::move(handler));
            });
            const auto got = sizeof chunk - parser.get().body().size;
            total += got;
            if (streaming)
                (*sink)(std::string_view(chunk, got));
            else if (total > body_limit_) {
                answer.error = fmt::format("{}: the answer to {} is longer than {}", socket_, what,
                                           describe_bytes(body_limit_));
                return answer;
            } else
                answer.body.append(chunk, got);
            if (ec == http::error::need_buffer) continue;
            if (ec) {
                answer.error =
                    ec == boost::beast::error::timeout ? unfinished() : describe(ec, what);
                return answer;
            }
        }
        return answer;
    }

    std::string socket_;
    std::chrono::milliseconds timeout_;
    std::chrono::steady_clock::time_point deadline_;
    std::size_t body_limit_;
    std::string version_;
    boost::asio::io_context ioc_;
};

} // namespace rollcheck::detail
