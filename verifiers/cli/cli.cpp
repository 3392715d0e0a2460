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

namespace {

/// Where a declared check's result goes instead of stdout, while one runs.
check_result*& captured_result() {
    thread_local check_result* slot = nullptr;
    return slot;
}

} // namespace

void add_check(CLI::App& cmd, std::function<check_result(const output_options&)> check) {
    auto out = std::make_shared<output_options>();
    cmd.add_flag("--json", out->json, "print the result as one JSON object");
    cmd.add_option("--show", out->show, "evidence items to print: a number, or 'all'")
        ->check(CLI::PositiveNumber | CLI::IsMember({"all"}))
        ->capture_default_str();
    cmd.callback([out, check = std::move(check)] {
        const check_result r = check(*out);
        if (check_result* slot = captured_result()) {
            *slot = r;
            return;
        }
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

void add_all_commands(CLI::App& app) {
    add_db_commands(app);
    add_cron_commands(app);
    add_logs_commands(app);
    add_code_commands(app);
}

std::vector<std::string> command_words(const std::string& kind) {
    if (kind == "command.run") return {"run"};
    std::vector<std::string> words;
    std::size_t start = 0;
    for (std::size_t dot; (dot = kind.find('.', start)) != std::string::npos; start = dot + 1)
        words.push_back(kind.substr(start, dot - start));
    words.push_back(kind.substr(start));
    return words;
}

check_result run_declared_check(const std::string& kind, const std::vector<std::string>& arguments,
                                const std::string& where) {
    const auto label = fmt::format("{} ({})", kind, where);
    CLI::App app{"rollcheck", "rollcheck"};
    app.require_subcommand(1);
    add_all_commands(app);
    std::vector<std::string> words = command_words(kind);
    words.insert(words.end(), arguments.begin(), arguments.end());
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(words.rbegin(), words.rend());
    check_result result = check_result::error(kind, label + ": no such check kind");
    captured_result() = &result;
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        result = check_result::error(kind, fmt::format("{}: {}", label, e.what()));
    }
    captured_result() = nullptr;
    return result;
}

} // namespace rollcheck::cli
