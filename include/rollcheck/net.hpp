/// \file net.hpp
/// Ports and HTTP health: a TCP port is open or closed; an HTTP GET answers
/// a status (and a body pattern) within a deadline, or does not answer at all.
/// Non-blocking sockets and an HTTP/1.1 reader (detail/http/), every step
/// bounded by one deadline and ended early by a stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/inline.hpp"
#include "result.hpp"

namespace rollcheck {
/// A TCP port that must be open (something accepts) or closed.
struct port_spec {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    bool expect_open = true;
    /// Deadline for name resolution and the connection attempt together.
    std::chrono::milliseconds timeout{std::chrono::seconds(3)};
};

/// An HTTP GET and what must (or must not) come back.
struct http_spec {
    /// `http://host[:port][/path]` (TLS is not spoken).
    std::string url;
    /// The status the answer must have.
    int expect_status = 200;
    /// When set, an RE2 pattern the body (its first `body_limit` bytes) must match.
    std::string body_pattern;
    /// Pass only when nothing answers (refused, closed, or silent until the
    /// deadline): for a service the rollback stopped.
    bool expect_no_answer = false;
    /// Deadline for the whole exchange.
    std::chrono::milliseconds timeout{std::chrono::seconds(5)};
    /// Body bytes read at most; an endless body is cut here.
    std::size_t body_limit = 1024 * 1024;
};

/// Connects to `spec.host`:`spec.port` ("net.port"): pass when the port is
/// open as expected, or closed as expected (refused, or no answer by the
/// deadline). A host that does not resolve is an error.
[[nodiscard]] ROLLCHECK_INLINE check_result check_port(const port_spec& spec);

/// GETs `spec.url` ("net.http"): pass when it answers the expected status
/// (and the body matches), or, with expect_no_answer, when nothing answers.
/// Garbage instead of HTTP, a silent peer and an endless body each end
/// with a clear result by the deadline.
[[nodiscard]] ROLLCHECK_INLINE check_result check_http(const http_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/net/net_impl.hpp"
#endif
