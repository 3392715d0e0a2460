/// \file detail/containers/engine_client.hpp
/// GETs from the Engine API over its unix socket, HTTP/1.1: one connection
/// per request, every step bounded by the client's deadline,
/// every body by its limit. Only GET exists here: a check never changes the
/// daemon.
#pragma once

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../wording.hpp"
#include "../http/response_reader.hpp"
#include "../http/stream_socket.hpp"
#include "container_info.hpp"

namespace rollcheck::detail {

/// An answer: its status and body, or why there is none (`error` non-empty).
struct engine_answer {
    int status = 0;
    std::string body;
    std::string error;
};

/// The API versions this client speaks; paths carry the version chosen.
inline constexpr int engine_api_oldest_minor = 25; // 1.25: Docker 1.13, health in inspect
// 1.55: Docker 29 asks for 1.44 at least. What the checks read (the list's
// Id, Names, Image, State and Labels; inspect's State, RestartCount,
// Config.Tty, HostConfig.LogConfig and LogPath; the logs' stream) is the
// same from 1.25 to 1.55 by the Engine API's version history.
inline constexpr int engine_api_newest_minor = 55;

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
        const auto newest = minor_of(string_field(version, "ApiVersion"), -1);
        // Podman's compat API and old daemons may leave MinAPIVersion out.
        const auto oldest = minor_of(
            version.contains("MinAPIVersion") ? string_field(version, "MinAPIVersion") : "1.12",
            -1);
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
                               socket_, string_field(version, "ApiVersion"), oldest,
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
    /// "1.41" → 41; `otherwise` for anything else.
    static int minor_of(const std::string& v, int otherwise) {
        if (v.rfind("1.", 0) != 0 || v.size() < 3 || v.size() > 5 ||
            v.find_first_not_of("0123456789", 2) != std::string::npos)
            return otherwise;
        return std::stoi(v.substr(2));
    }

    /// What ended a step of `what` short, for messages.
    std::string describe(const io_status& io, const std::string& what) const {
        switch (io.end) {
        case io_end::timed_out:
            return fmt::format("{}: no answer to {} within {}", socket_, what,
                               describe_span(timeout_));
        case io_end::stopped:
            return fmt::format("{}: {}: interrupted by {}", socket_, what, stop_reason());
        case io_end::closed:
            return fmt::format("{}: the daemon closed the connection without an answer to {}",
                               socket_, what);
        default:
            break;
        }
        switch (io.error) {
        case ENOENT:
            return fmt::format("{}: no such socket (is the daemon running? DOCKER_HOST?)", socket_);
        case ECONNREFUSED:
            return fmt::format("{}: connection refused (no daemon listens there)", socket_);
        case EACCES:
            return fmt::format("{}: permission denied (the user needs access to the socket: "
                               "root, or the docker group)",
                               socket_);
        case EAGAIN:
            return fmt::format("{}: the daemon takes no more connections now (the socket's "
                               "backlog is full)",
                               socket_);
        case ECONNRESET:
            return fmt::format("{}: the daemon closed the connection without an answer to {}",
                               socket_, what);
        default:
            return fmt::format("{}: {}: {}", socket_, what, std::strerror(io.error));
        }
    }

    /// Why a read of the answer to `what` failed.
    std::string describe(const http_read& read, const std::string& what) const {
        if (!read.malformed.empty())
            return fmt::format("{}: the answer to {} is not HTTP: {}", socket_, what,
                               read.malformed);
        return describe(read.io, what);
    }

    engine_answer get_raw(const std::string& target,
                          const std::function<void(std::string_view)>* sink = nullptr) {
        engine_answer answer;
        const auto what = "GET " + target;
        stream_socket socket(deadline_);
        if (const auto io = socket.connect_unix(socket_); !io.ok()) {
            answer.error = describe(io, io.end == io_end::failed ? "connect" : what);
            return answer;
        }
        response_reader reader(socket);
        // HTTP/1.1 needs a host; the daemon ignores it.
        http_read read{reader.send_get("docker", target), {}};
        if (read.ok()) read = reader.read_head();
        if (!read.ok()) {
            answer.error = describe(read, what);
            return answer;
        }
        answer.status = reader.status();
        const bool streaming = sink != nullptr && answer.status == 200;
        std::size_t total = 0;
        bool too_long = false;
        read = reader.read_body([&](std::string_view piece) {
            total += piece.size();
            if (streaming) {
                (*sink)(piece);
            } else if (total > body_limit_) {
                too_long = true;
                return false;
            } else {
                answer.body.append(piece);
            }
            return true;
        });
        if (too_long)
            answer.error = fmt::format("{}: the answer to {} is longer than {}", socket_, what,
                                       describe_bytes(body_limit_));
        else if (read.io.end == io_end::timed_out)
            // A body that keeps coming (a log of gigabytes) is not "no answer".
            answer.error =
                fmt::format("{}: the answer to {} did not end within {} ({} read)", socket_, what,
                            describe_span(timeout_), describe_bytes(total));
        else if (read.io.end == io_end::closed)
            answer.error = fmt::format("{}: the daemon closed the connection in the middle of "
                                       "the answer to {} ({} read)",
                                       socket_, what, describe_bytes(total));
        else if (!read.ok())
            answer.error = describe(read, what);
        return answer;
    }

    std::string socket_;
    std::chrono::milliseconds timeout_;
    std::chrono::steady_clock::time_point deadline_;
    std::size_t body_limit_;
    std::string version_;
};

} // namespace rollcheck::detail
