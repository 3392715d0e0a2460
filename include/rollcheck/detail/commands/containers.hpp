// `rollcheck containers …`: containers through the Engine API: a compose
// project is down, containers run (healthy, started after the rollback).
#pragma once

#include <memory>
#include <string>

#include "../../containers.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace containers {

/// `--host` and `--timeout`: which daemon, and how long it may take.
struct docker_options {
    std::string host;
    std::string timeout = "10s";

    void add_to(CLI::App& cmd, const std::string& host_option = "--host") {
        cmd.add_option(host_option, host,
                       "the daemon's socket, unix:///path (default: $DOCKER_HOST, else "
                       "unix:///var/run/docker.sock)");
        cmd.add_option("--timeout", timeout, "deadline for everything asked of the daemon")
            ->check(duration_validator())
            ->capture_default_str();
    }

    [[nodiscard]] docker_endpoint endpoint() const {
        docker_endpoint e;
        e.host = host;
        e.timeout = parse_duration(timeout);
        return e;
    }
};

inline void add_down(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "down", "no container of a compose project runs (or, with --removed, exists)");
    struct options {
        containers_down_spec spec;
        docker_options docker;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--project,-p", o->spec.project,
                    "compose project (label com.docker.compose.project)")
        ->required();
    cmd->add_option("--file,-f", o->spec.config_file,
                    "only the containers of this compose file (path or file name)");
    cmd->add_flag("--removed", o->spec.none_at_all,
                  "no container of it at all, stopped ones included (`down`, not `stop`)");
    o->docker.add_to(*cmd);
    add_check(*cmd, [o](const output_options& out) {
        o->spec.docker = o->docker.endpoint();
        o->spec.show = out.evidence_limit();
        return check_containers_down(o->spec);
    });
}

inline void add_running(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "running", "containers by name or image run: healthy, not restarting, started since");
    struct options {
        containers_running_spec spec;
        docker_options docker;
        std::string started_after;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--name,-n", o->spec.name_pattern,
                    "RE2 pattern a container's name matches (anywhere; ^…$ anchors)");
    cmd->add_option("--image", o->spec.image_pattern,
                    "RE2 pattern a container's image matches (anywhere)");
    cmd->add_option("--max-restarts", o->spec.max_restarts,
                    "restarts the daemon may have made of each (more: it crashed)")
        ->capture_default_str();
    cmd->add_flag("--healthy", o->spec.healthy,
                  "each must be healthy (its health check; none is an error)");
    cmd->add_option("--started-after,--since", o->started_after,
                    "each must have started at or after TIME (or DURATION ago)")
        ->check(since_validator());
    cmd->add_option("--min", o->spec.min_count, "containers that must match at least")
        ->capture_default_str();
    o->docker.add_to(*cmd);
    add_check(*cmd, [o](const output_options& out) {
        if (!o->started_after.empty()) o->spec.started_after = parse_since(o->started_after);
        o->spec.docker = o->docker.endpoint();
        o->spec.show = out.evidence_limit();
        return check_containers_running(o->spec);
    });
}

inline void add_containers_commands(CLI::App& app) {
    auto* group = app.add_subcommand(
        "containers", "containers through the Docker Engine API: compose projects, health");
    group->require_subcommand(1);
    add_down(*group);
    add_running(*group);
}

} // namespace containers
} // namespace rollcheck::detail::commands
