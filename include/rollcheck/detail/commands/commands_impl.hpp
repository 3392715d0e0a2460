#pragma once

#include <string>
#include <vector>

#include "../../commands.hpp"
#include "../../stop.hpp"
#include "common.hpp"
#include "containers.hpp"
#include "cron.hpp"
#include "db.hpp"
#include "files.hpp"
#include "job.hpp"
#include "logs.hpp"
#include "net.hpp"
#include "proc.hpp"
#include "py.hpp"
#include "run.hpp"

namespace rollcheck::cli {

inline void add_all_commands(CLI::App& app) {
    add_db_commands(app);
    add_host_commands(app);
}

inline void add_db_commands(CLI::App& app) {
    detail::commands::db::add_db_commands(app);
}

inline void add_host_commands(CLI::App& app) {
    detail::commands::cron::add_cron_commands(app);
    detail::commands::logs::add_logs_commands(app);
    detail::commands::job::add_job_commands(app);
    detail::commands::py::add_py_commands(app);
    detail::commands::files::add_files_commands(app);
    detail::commands::run::add_run_command(app);
    detail::commands::proc::add_proc_commands(app);
    detail::commands::net::add_net_commands(app);
    detail::commands::containers::add_containers_commands(app);
}

inline int exit_status() {
    return stop_requested() ? stop_exit_status() : detail::commands::exit_status_slot();
}

inline std::vector<std::string> command_words(const std::string& kind) {
    if (kind == "command.run") return {"run"};
    std::vector<std::string> words;
    std::size_t start = 0;
    for (std::size_t dot; (dot = kind.find('.', start)) != std::string::npos; start = dot + 1)
        words.push_back(kind.substr(start, dot - start));
    words.push_back(kind.substr(start));
    return words;
}

inline check_result run_declared_check(const std::string& kind,
                                       const std::vector<std::string>& arguments,
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
    detail::commands::captured_result() = &result;
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        result = check_result::error(kind, fmt::format("{}: {}", label, e.what()));
    }
    detail::commands::captured_result() = nullptr;
    return result;
}

inline bool is_check_kind(const std::string& kind) {
    CLI::App app{"rollcheck", "rollcheck"};
    add_all_commands(app);
    const CLI::App* at = &app;
    for (const auto& word : command_words(kind)) {
        const auto subcommands =
            at->get_subcommands([&](const CLI::App* s) { return s->get_name() == word; });
        if (subcommands.size() != 1) return false;
        at = subcommands.front();
    }
    // A check prints a result: add_check gave it --show; `cron next` and
    // `cron snapshot` print other things and are no check.
    return at != &app && at->get_subcommands([](const CLI::App*) { return true; }).empty() &&
           at->get_option_no_throw("--show") != nullptr;
}

inline std::string declared_check_fault(const std::string& kind,
                                        const std::vector<std::string>& arguments) {
    const bool before = std::exchange(detail::commands::parse_only(), true);
    const auto r = run_declared_check(kind, arguments, "");
    detail::commands::parse_only() = before;
    if (r.status == verdict::pass) return {};
    // The summary starts with the label run_declared_check gave it.
    const auto label = fmt::format("{} (): ", kind);
    return r.summary.rfind(label, 0) == 0 ? r.summary.substr(label.size()) : r.summary;
}

} // namespace rollcheck::cli
