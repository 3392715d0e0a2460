/// \file detail/net/url.hpp
/// http:// URLs split into host, port and target. Apart from net_impl.hpp so
/// that a reader of URLs (target.hpp) does not pay for the HTTP client.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace rollcheck::detail {

/// The parts of an http:// URL.
struct http_url {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/";
};

/// Parses `url`, or says what is wrong with it.
inline std::optional<http_url> parse_http_url(const std::string& url, std::string& why) {
    const std::string scheme = "http://";
    if (url.rfind("https://", 0) == 0) {
        why = fmt::format("'{}': https is not supported (no TLS); check the port with net port "
                          "or use an http:// URL",
                          url);
        return std::nullopt;
    }
    if (url.rfind(scheme, 0) != 0) {
        why = fmt::format("'{}' is not an http:// URL", url);
        return std::nullopt;
    }
    const auto bad = std::find_if(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    });
    if (bad != url.end()) {
        why = fmt::format("'{}': a space or control character (percent-encode it as %{:02X})",
                          url.substr(0, static_cast<std::size_t>(bad - url.begin())),
                          static_cast<unsigned char>(*bad));
        return std::nullopt;
    }
    http_url parsed;
    // A fragment is the client's own: it is never sent.
    const auto rest = url.substr(scheme.size(), url.find('#') - scheme.size());
    const auto end = rest.find_first_of("/?");
    auto authority = rest.substr(0, end);
    if (end != std::string::npos)
        parsed.target = rest[end] == '/' ? rest.substr(end) : "/" + rest.substr(end);
    if (authority.find('@') != std::string::npos) {
        // Not echoed: what comes before the @ may be a password.
        why = "an http:// URL with user information (user@host) is not supported";
        return std::nullopt;
    }
    const auto bracket = authority.rfind(']');
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        const auto digits = authority.substr(colon + 1);
        const bool numeric = !digits.empty() && digits.size() <= 5 &&
                             digits.find_first_not_of("0123456789") == std::string::npos;
        if (!numeric || std::stoul(digits) == 0 || std::stoul(digits) > 65535) {
            why = fmt::format("'{}': port '{}' is not a number from 1 to 65535", url, digits);
            return std::nullopt;
        }
        parsed.port = static_cast<std::uint16_t>(std::stoul(digits));
        authority.erase(colon);
    }
    if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
        authority = authority.substr(1, authority.size() - 2);
    if (authority.empty()) {
        why = fmt::format("'{}' names no host", url);
        return std::nullopt;
    }
    parsed.host = authority;
    return parsed;
}

} // namespace rollcheck::detail
