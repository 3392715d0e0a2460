// The private dockerd tests/containers/docker-fixture started, or why there
// is none: a test without one warns "SKIPPED: why", which ctest reports as
// a skip, never a pass.
#pragma once

#include <fstream>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

namespace rollcheck_test {

/// A line of a file the fixture wrote, or "".
inline std::string fixture_line(const std::string& name) {
    std::ifstream in(std::string(DOCKER_FIXTURE_STATE) + "/" + name);
    std::string line;
    std::getline(in, line);
    return line;
}

/// `unix:///…/docker.sock` of the fixture's daemon, or nothing after a SKIPPED warning.
inline std::optional<std::string> docker_host() {
    const auto env = fixture_line("docker.env");
    if (env.rfind("DOCKER_HOST=", 0) == 0) return env.substr(12);
    const auto why = fixture_line("skipped");
    WARN("SKIPPED: " << (why.empty() ? "the docker fixture did not start" : why));
    return std::nullopt;
}

} // namespace rollcheck_test
