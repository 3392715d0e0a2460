/// \file detail/containers/queries.hpp
/// The Engine API calls the checks make: agree on a version, list
/// containers, inspect one; each failure as a result naming the socket.
#pragma once

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../containers.hpp"
#include "container_info.hpp"
#include "endpoint.hpp"
#include "engine_client.hpp"

namespace rollcheck::detail {

/// A client that has agreed on a version with the daemon, or the error result.
[[nodiscard]] inline std::unique_ptr<engine_client>
open_engine(const docker_endpoint& docker, const char* check, std::optional<check_result>& error) {
    std::string why;
    const auto socket = docker_socket_path(docker.host, why);
    if (!socket) {
        error = check_result::error(check, why);
        return nullptr;
    }
    auto client = std::make_unique<engine_client>(*socket, docker.timeout, docker.body_limit);
    if (why = client->negotiate(); !why.empty()) {
        error = check_result::error(check, why);
        return nullptr;
    }
    return client;
}

/// `text` percent-encoded for a query string.
[[nodiscard]] inline std::string query_encode(const std::string& text) {
    std::string out;
    for (const unsigned char c : text)
        out += std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'
                   ? std::string(1, static_cast<char>(c))
                   : fmt::format("%{:02X}", c);
    return out;
}

/// Every container (`all=1`), with `filters` applied by the daemon; or the error.
[[nodiscard]] inline std::optional<std::vector<container_info>>
list_containers(engine_client& client, const nlohmann::json& filters, const char* check,
                std::optional<check_result>& error) {
    std::string target = "/containers/json?all=1";
    if (!filters.empty()) target += "&filters=" + query_encode(filters.dump());
    const auto answer = client.get(target);
    if (!answer.error.empty() || answer.status != 200) {
        error = check_result::error(
            check, !answer.error.empty()
                       ? answer.error
                       : fmt::format("{}: GET /containers/json answered HTTP {}{}", client.socket(),
                                     answer.status, engine_client::daemon_message(answer.body)));
        return std::nullopt;
    }
    const auto list = nlohmann::json::parse(answer.body, nullptr, false);
    if (!list.is_array()) {
        error = check_result::error(
            check, fmt::format("{}: GET /containers/json answered something that is not a "
                               "JSON array",
                               client.socket()));
        return std::nullopt;
    }
    std::vector<container_info> containers;
    containers.reserve(list.size());
    for (const auto& entry : list)
        if (entry.is_object()) containers.push_back(container_from_list(entry));
    return containers;
}

/// What inspect said of one container.
enum class inspected { ok, gone, failed };

/// Adds inspect's facts to `c`; `gone` when the daemon no longer knows it
/// (removed since the list), `failed` with `why`.
[[nodiscard]] inline inspected inspect_container(engine_client& client, container_info& c,
                                                 std::string& why) {
    const auto answer = client.get("/containers/" + query_encode(c.id) + "/json");
    if (!answer.error.empty()) {
        why = answer.error;
        return inspected::failed;
    }
    if (answer.status == 404) return inspected::gone;
    const auto j = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status != 200 || !j.is_object()) {
        why = fmt::format("{}: inspecting {} answered HTTP {}{}", client.socket(), c.name,
                          answer.status, engine_client::daemon_message(answer.body));
        return inspected::failed;
    }
    add_inspect(c, j);
    return inspected::ok;
}

} // namespace rollcheck::detail
