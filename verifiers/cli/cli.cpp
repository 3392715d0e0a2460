#include "cli.hpp"

#include <cctype>

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
    using namespace std::chrono;
    milliseconds total{0};
    std::size_t i = 0;
    if (text.empty()) throw CLI::ValidationError("duration", "empty duration");
    while (i < text.size()) {
        std::size_t digits = i;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
            ++digits;
        std::size_t unit_end = digits;
        while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end])))
            ++unit_end;
        const std::string number = text.substr(i, digits - i);
        const std::string unit = text.substr(digits, unit_end - digits);
        if (number.empty() || number.size() > 12 || unit.empty())
            throw CLI::ValidationError(
                "duration", fmt::format("'{}' is not a duration (like 90s, 15m, 1h, 7d)", text));
        const long long n = std::stoll(number);
        if (unit == "ms")
            total += milliseconds(n);
        else if (unit == "s")
            total += seconds(n);
        else if (unit == "m" || unit == "min")
            total += minutes(n);
        else if (unit == "h")
            total += hours(n);
        else if (unit == "d")
            total += hours(24 * n);
        else
            throw CLI::ValidationError(
                "duration", fmt::format("'{}': unknown unit '{}' (ms, s, m, h, d)", text, unit));
        i = unit_end;
    }
    return total;
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

} // namespace rollcheck::cli
