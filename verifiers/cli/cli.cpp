#include "cli.hpp"

#include <fmt/format.h>

namespace rollcheck::cli {

std::size_t output_options::evidence_limit() const {
    if (show == "all") return show_all;
    return static_cast<std::size_t>(std::stoull(show));
}

int& exit_status_slot() {
    static int status = 0;
    return status;
}

void print_result(const check_result& r, const output_options& out) {
    if (out.json)
        fmt::print("{}\n",
                   to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    else
        fmt::print("{}\n", r);
}

void add_check(CLI::App& cmd, std::function<check_result(const output_options&)> check) {
    auto out = std::make_shared<output_options>();
    cmd.add_flag("--json", out->json, "print the result as one JSON object");
    cmd.add_option("--show", out->show, "evidence items to print: a number, or 'all'")
        ->check(CLI::PositiveNumber | CLI::IsMember({"all"}))
        ->capture_default_str();
    cmd.callback([out, check = std::move(check)] {
        const check_result r = check(*out);
        print_result(r, *out);
        exit_status_slot() = exit_status(r.status);
    });
}

std::chrono::milliseconds parse_duration(const std::string& text) {
    std::string why;
    if (const auto span = rollcheck::parse_duration(text, why)) return *span;
    throw CLI::ValidationError("duration", why);
}

time_point parse_since(const std::string& text) {
    std::string why;
    if (const auto t = rollcheck::parse_since(text, why)) return *t;
    throw CLI::ValidationError("time", why);
}

CLI::Validator duration_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                (void)parse_duration(text);
                return {};
            } catch (const CLI::ValidationError& e) {
                return e.what();
            }
        },
        "DURATION", "duration");
}

CLI::Validator since_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::string why;
            return rollcheck::parse_since(text, why) ? std::string() : why;
        },
        "TIME", "time");
}

} // namespace rollcheck::cli
