// What every subcommand of the command line shares: output options, printing
// a result, the exit status, and options holding durations, times and
// environment variables.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "../../result.hpp"
#include "../../time.hpp"

namespace rollcheck::detail::commands {

/// `--json` and `--show N|all`, on every subcommand that prints a result.
struct output_options {
    bool json = false;
    std::string show = "10";

    /// How many evidence items to keep (`all`: every one).
    [[nodiscard]] std::size_t evidence_limit() const {
        if (show == "all") return show_all;
        return static_cast<std::size_t>(std::stoull(show));
    }
};

/// The exit status the program returns; set by the subcommand that ran.
inline int& exit_status_slot() {
    static int status = 0;
    return status;
}

/// Where a declared check's result goes instead of stdout, while one runs.
inline check_result*& captured_result() {
    thread_local check_result* slot = nullptr;
    return slot;
}

inline void print_result(const check_result& r, const output_options& out) {
    if (out.json)
        fmt::print("{}\n",
                   to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else
        fmt::print("{}\n", r);
}

/// While set, a subcommand that runs a verifier parses and validates its
/// options and stops there: the command line's parsing, apart from running
/// (tests/fuzz/fuzz_args.cpp feeds it arbitrary arguments).
inline bool& parse_only() {
    thread_local bool slot = false;
    return slot;
}

/// Adds --json and --show to `cmd` and makes running `cmd` call `check`,
/// print its result (readable or JSON) and set the exit status from its
/// verdict; a declared check's result is captured instead.
inline void add_check(CLI::App& cmd, std::function<check_result(const output_options&)> check) {
    auto out = std::make_shared<output_options>();
    cmd.add_flag("--json", out->json, "print the result as one JSON object");
    cmd.add_option("--show", out->show, "evidence items to print: a number, or 'all'")
        ->check(CLI::PositiveNumber | CLI::IsMember({"all"}))
        ->capture_default_str();
    cmd.callback([out, check = std::move(check)] {
        if (parse_only()) {
            (void)out->evidence_limit();
            if (check_result* slot = captured_result())
                *slot = check_result::pass("options", "the options are valid");
            return;
        }
        const check_result r = check(*out);
        if (check_result* slot = captured_result()) {
            *slot = r;
            return;
        }
        print_result(r, *out);
        exit_status_slot() = exit_status(r.status);
    });
}

/// rollcheck::parse_duration, throwing CLI::ValidationError naming the text.
[[nodiscard]] inline std::chrono::milliseconds parse_duration(const std::string& text) {
    std::string why;
    if (const auto span = rollcheck::parse_duration(text, why)) return *span;
    throw CLI::ValidationError("duration", why);
}

/// rollcheck::parse_since, throwing CLI::ValidationError naming the text.
[[nodiscard]] inline time_point parse_since(const std::string& text) {
    std::string why;
    if (const auto t = rollcheck::parse_since(text, why)) return *t;
    throw CLI::ValidationError("time", why);
}

/// A CLI11 validator that accepts what parse_duration accepts.
[[nodiscard]] inline CLI::Validator duration_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::string why;
            return rollcheck::parse_duration(text, why) ? std::string() : why;
        },
        "DURATION", "duration");
}

/// A CLI11 validator that accepts what parse_since accepts.
[[nodiscard]] inline CLI::Validator since_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::string why;
            return rollcheck::parse_since(text, why) ? std::string() : why;
        },
        "TIME", "time");
}

/// `--env NAME=VALUE`, repeatable: variables set for what a subcommand runs.
struct environment_options {
    std::vector<std::string> assignments;

    CLI::Option* add_to(CLI::App& cmd, const std::string& what) {
        return cmd
            .add_option("--env", assignments,
                        fmt::format("NAME=VALUE: a variable set for {}; NAME+=VALUE appends "
                                    "VALUE, after a space, to the value it would have "
                                    "(repeatable)",
                                    what))
            ->allow_extra_args(false)
            ->check(CLI::Validator(
                [](std::string& text) -> std::string {
                    return name_of(text).empty()
                               ? fmt::format("'{}' is not NAME=VALUE nor NAME+=VALUE", text)
                               : std::string();
                },
                "NAME=VALUE", "assignment"));
    }
    /// Each assignment as a variable; a later one of a name wins, as in a
    /// shell. An appending one keeps what the variable holds, given earlier
    /// or inherited: the caller's PYTEST_ADDOPTS stays when a check adds to it.
    [[nodiscard]] std::map<std::string, std::string> variables() const {
        std::map<std::string, std::string> out;
        for (const auto& text : assignments) {
            const auto equals = text.find('=');
            const auto name = name_of(text);
            auto value = text.substr(equals + 1);
            if (name.size() < equals) { // NAME+=VALUE
                const auto earlier = out.find(name);
                const char* inherited = std::getenv(name.c_str());
                const std::string base = earlier != out.end()   ? earlier->second
                                         : inherited != nullptr ? std::string(inherited)
                                                                : std::string();
                if (!base.empty()) value = base + " " + value;
            }
            out[name] = std::move(value);
        }
        return out;
    }

private:
    /// The NAME of NAME=VALUE or NAME+=VALUE; empty when there is none.
    [[nodiscard]] static std::string name_of(const std::string& text) {
        const auto equals = text.find('=');
        if (equals == std::string::npos) return {};
        const auto end = equals > 0 && text[equals - 1] == '+' ? equals - 1 : equals;
        return text.substr(0, end);
    }
};

/// An option holding a duration, validated by parse_duration.
inline CLI::Option* add_duration(CLI::App& cmd, const std::string& name, std::string& value,
                                 const std::string& help) {
    return cmd.add_option(name, value, help)->check(duration_validator())->capture_default_str();
}

} // namespace rollcheck::detail::commands
