/// \file containers.hpp
/// Containers, read through the Docker Engine API (or Podman's compatible
/// one) over the daemon's unix socket: a compose project is down; containers
/// by name or image are running, healthy, not restarting and started after
/// the rollback; a container's log scanned as log files are. Read-only (only
/// GETs), every request bounded by one deadline and a body limit.
///
/// ```cpp
/// rollcheck::containers_down_spec spec;
/// spec.project = "shop"; // what `docker-compose -p shop down` stopped
/// REQUIRE_VERIFIED(rollcheck::check_containers_down(spec));
/// ```
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "detail/inline.hpp"
#include "log_scan.hpp"
#include "result.hpp"

namespace rollcheck {

/// Where the Engine API answers, and how long it may take.
struct docker_endpoint {
    /// `unix:///path/docker.sock`; empty: `$DOCKER_HOST`, else
    /// `unix:///var/run/docker.sock`. Only unix sockets are spoken.
    std::string host;
    /// Deadline for everything one check asks the daemon, together.
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
    /// Bytes one answer may have at most (a list of 5,000 containers is some 10 MB).
    std::size_t body_limit = 64 * 1024 * 1024;
};

/// `check_containers_down`: no container of a compose project runs.
struct containers_down_spec {
    docker_endpoint docker;
    /// The compose project (label `com.docker.compose.project`).
    std::string project;
    /// When set, only the project's containers whose compose file (label
    /// `com.docker.compose.project.config_files`) has this path or file name.
    std::string config_file;
    /// Also no stopped container: the project was removed (`down`), not stopped.
    bool none_at_all = false;
    std::size_t show = 10; ///< containers kept as evidence (show_all: every one)
};

/// `check_containers_running`: the containers a pattern selects run.
struct containers_running_spec {
    docker_endpoint docker;
    /// RE2 pattern a container's name must match (anywhere; anchor with ^…$).
    std::string name_pattern;
    /// RE2 pattern a container's image must match (anywhere).
    std::string image_pattern;
    /// Restarts the daemon may have made of each (its restart policy after a
    /// crash): more means it crashed since it was started. Compose recreates
    /// containers, and `docker start` resets the count, so 0 suits a rollback.
    long long max_restarts = 0;
    /// Each must also be healthy (its health check says so; none is an error).
    bool healthy = false;
    /// Each must have started at or after this time (after the rollback).
    std::optional<std::chrono::system_clock::time_point> started_after;
    /// Containers that must match at least.
    std::size_t min_count = 1;
    std::size_t show = 10; ///< containers kept as evidence (show_all: every one)
};

/// `check_container_log_scan`: a container's log, scanned as a log file is.
struct container_log_spec {
    docker_endpoint docker;
    std::string container; ///< name or id
    /// Read the log through the API even where its json-file is readable
    /// (it is then copied to a temporary file first).
    bool through_api = false;
    /// Rules, since, format fields, show: everything but the files, which
    /// are the container's log (its json-file where readable, else the API's).
    log_scan_spec scan;
};

/// "containers.down": pass when no container of `spec.project` runs (or,
/// with none_at_all, exists). Evidence: each one left, with its service.
[[nodiscard]] ROLLCHECK_INLINE check_result check_containers_down(const containers_down_spec& spec);

/// "containers.running": pass when at least min_count containers match and
/// every one that matches runs, is not restarting and restarted at most
/// max_restarts times, is healthy when asked and started after started_after. Evidence: name,
/// image, state, health, started-at, restart count and compose service of each.
[[nodiscard]] ROLLCHECK_INLINE check_result
check_containers_running(const containers_running_spec& spec);

/// "logs.scan" over a container's log: check_log_scan's verdict, with the
/// log named `container NAME`.
[[nodiscard]] ROLLCHECK_INLINE check_result
check_container_log_scan(const container_log_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/containers/containers_impl.hpp"
#endif
