// `rollcheck net …`: TCP ports and HTTP health.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../net.hpp"

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace net {

inline void add_net_port_command(CLI::App& group) {
    auto* cmd = group.add_subcommand("port", "a TCP port is open (or, with --closed, closed)");
    struct options {
        port_spec spec;
        bool closed = false;
        std::string timeout = "3s";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--host", o->spec.host, "host name or address")->capture_default_str();
    cmd->add_option("--port", o->spec.port, "TCP port")->required()->check(CLI::Range(1, 65535));
    cmd->add_flag("--closed", o->closed, "expect the port closed: nothing accepts");
    add_duration(*cmd, "--timeout", o->timeout, "deadline for resolving and connecting");
    add_check(*cmd, [o](const output_options&) {
        o->spec.expect_open = !o->closed;
        o->spec.timeout = parse_duration(o->timeout);
        return check_port(o->spec);
    });
}

inline void add_net_http_command(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "http", "an HTTP GET answers a status (and a body pattern), or, with --no-answer, nothing");
    struct options {
        http_spec spec;
        std::string timeout = "5s";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("url,--url", o->spec.url, "http://host[:port]/path")->required();
    cmd->add_option("--status", o->spec.expect_status, "status the answer must have")
        ->capture_default_str();
    cmd->add_option("--body", o->spec.body_pattern, "RE2 pattern the body must match");
    cmd->add_option("--body-limit", o->spec.body_limit, "body bytes read at most")
        ->capture_default_str();
    cmd->add_flag("--no-answer", o->spec.expect_no_answer,
                  "pass only when nothing answers (a stopped service)");
    add_duration(*cmd, "--timeout", o->timeout, "deadline for the whole exchange");
    add_check(*cmd, [o](const output_options&) {
        o->spec.timeout = parse_duration(o->timeout);
        return check_http(o->spec);
    });
}

inline void add_net_commands(CLI::App& app) {
    auto* net = app.add_subcommand("net", "TCP ports and HTTP health");
    net->require_subcommand(1);
    add_net_port_command(*net);
    add_net_http_command(*net);
}

} // namespace net
} // namespace rollcheck::detail::commands
