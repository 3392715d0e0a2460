/// \file detail/containers/container_info.hpp
/// A container as the checks see it, from the list (`GET /containers/json`)
/// and inspect (`GET /containers/{id}/json`) answers, and as evidence. Every
/// field is read with a fallback: Podman's compatible API leaves some out.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rollcheck::detail {

inline constexpr const char* compose_project_label = "com.docker.compose.project";
inline constexpr const char* compose_service_label = "com.docker.compose.service";
inline constexpr const char* compose_files_label = "com.docker.compose.project.config_files";

/// What a check reports of one container.
struct container_info {
    std::string id, name, image, state;
    std::string service;      ///< compose service, or ""
    std::string config_files; ///< compose files, comma-separated, or ""
    // From inspect only:
    std::string health;     ///< healthy, unhealthy, starting; "" without a health check
    std::string started_at; ///< RFC 3339, as the daemon wrote it
    bool restarting = false;
    std::int64_t restart_count = 0;
    bool tty = false;
    std::string log_type, log_path; ///< the log driver, and json-file's path
};

[[nodiscard]] inline std::string string_field(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

[[nodiscard]] inline std::string label(const nlohmann::json& labels, const char* key) {
    return labels.is_object() ? string_field(labels, key) : std::string();
}

/// One entry of the list answer.
[[nodiscard]] inline container_info container_from_list(const nlohmann::json& j) {
    container_info c;
    c.id = string_field(j, "Id");
    const auto names = j.find("Names");
    if (names != j.end() && names->is_array() && !names->empty() && names->front().is_string())
        c.name = names->front().get<std::string>();
    if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
    c.image = string_field(j, "Image");
    c.state = string_field(j, "State");
    const auto labels = j.value("Labels", nlohmann::json::object());
    c.service = label(labels, compose_service_label);
    c.config_files = label(labels, compose_files_label);
    return c;
}

/// Adds what only inspect says to `c`.
inline void add_inspect(container_info& c, const nlohmann::json& j) {
    const auto state = j.value("State", nlohmann::json::object());
    if (state.is_object()) {
        if (const auto s = string_field(state, "Status"); !s.empty()) c.state = s;
        c.started_at = string_field(state, "StartedAt");
        c.restarting = state.value("Restarting", false);
        const auto health = state.value("Health", nlohmann::json::object());
        if (health.is_object()) c.health = string_field(health, "Status");
    }
    if (const auto count = j.find("RestartCount"); count != j.end() && count->is_number_integer())
        c.restart_count = count->get<std::int64_t>();
    const auto config = j.value("Config", nlohmann::json::object());
    if (config.is_object()) c.tty = config.value("Tty", false);
    const auto host_config = j.value("HostConfig", nlohmann::json::object());
    if (host_config.is_object()) {
        const auto log_config = host_config.value("LogConfig", nlohmann::json::object());
        if (log_config.is_object()) c.log_type = string_field(log_config, "Type");
    }
    c.log_path = string_field(j, "LogPath");
}

/// The evidence line of `c`: what a person needs to find and judge it.
[[nodiscard]] inline std::string describe_container(const container_info& c) {
    std::string text = fmt::format("{} ({}): {}", c.name, c.image, c.state);
    if (!c.health.empty()) text += ", " + c.health;
    if (!c.started_at.empty()) text += ", started " + c.started_at;
    if (c.restart_count > 0) text += fmt::format(", restarted {}×", c.restart_count);
    if (!c.service.empty()) text += ", service " + c.service;
    return text;
}

/// The same facts as JSON.
[[nodiscard]] inline nlohmann::json container_data(const container_info& c) {
    return {{"id", c.id.substr(0, 12)},
            {"name", c.name},
            {"image", c.image},
            {"state", c.state},
            {"health", c.health},
            {"started_at", c.started_at},
            {"restart_count", c.restart_count},
            {"service", c.service}};
}

} // namespace rollcheck::detail
