/// \file detail/containers/endpoint.hpp
/// Which socket the Engine API is on: the spec's host, `$DOCKER_HOST`, or
/// the daemon's default.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace rollcheck::detail {

/// The socket path of `host` (`unix:///path`), or nothing with `why`.
/// Empty `host`: `$DOCKER_HOST`, else /var/run/docker.sock.
[[nodiscard]] inline std::optional<std::string> docker_socket_path(std::string host,
                                                                   std::string& why) {
    std::string origin = "host";
    if (host.empty()) {
        const char* env = std::getenv("DOCKER_HOST");
        if (env == nullptr || *env == '\0') return std::string("/var/run/docker.sock");
        host = env;
        origin = "DOCKER_HOST";
    }
    const std::string scheme = "unix://";
    if (host.rfind(scheme, 0) != 0 || host.size() == scheme.size()) {
        why = fmt::format("{} '{}' is not a unix socket (unix:///path): rollcheck speaks to the "
                          "Engine API over the daemon's unix socket only",
                          origin, host);
        return std::nullopt;
    }
    return host.substr(scheme.size());
}

} // namespace rollcheck::detail
