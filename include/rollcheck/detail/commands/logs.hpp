// `rollcheck logs …`: log checks: errors since the rollback, required progress lines, bounded
// follow.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../log_scan.hpp"

#include "common.hpp"
#include "containers.hpp"

namespace rollcheck::detail::commands {
namespace logs {

/// `RE[:MIN]`: a trailing `:N` is the minimum (write `RE:1` to keep a pattern
/// that itself ends in `:N`).
inline log_requirement parse_requirement(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon != std::string::npos && colon + 1 < text.size() && colon > 0 &&
        text.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
        text.size() - colon - 1 <= 9)
        return {text.substr(0, colon), std::stoul(text.substr(colon + 1))};
    return {text, 1};
}

/// The options scan and follow share: files and patterns.
struct rules_options {
    std::vector<std::string> files;
    std::vector<std::string> errors, excludes, required;
    bool ignore_case = false;
    std::size_t max_errors = 0;

    /// `files_required`: false where the journal can be read instead.
    void add_to(CLI::App& cmd, bool files_required = true) {
        auto* option =
            cmd.add_option("files,--files", files, "log files or globs ('-': stdin for scan)");
        if (files_required) option->required();
        cmd.add_option("--error,-e", errors, "error pattern (RE2/ERE); repeatable");
        cmd.add_option("--exclude,-x", excludes,
                       "known benign lines: error lines matching one are not errors");
        cmd.add_option("--require,-r", required,
                       "RE[:MIN]: a pattern that must match at least MIN lines (default 1)");
        cmd.add_flag("--ignore-case,-i", ignore_case, "patterns ignore case");
        cmd.add_option("--max-errors", max_errors, "error events allowed (a traceback is one)")
            ->capture_default_str();
    }

    [[nodiscard]] log_rules rules() const {
        log_rules r;
        r.errors = errors;
        r.excludes = excludes;
        for (const auto& text : required)
            r.required.push_back(parse_requirement(text));
        r.ignore_case = ignore_case;
        r.max_errors = max_errors;
        return r;
    }
};

/// How scan reads its files: text or JSON lines, and a record's fields.
struct format_options {
    std::string format = "auto";
    json_log_fields json;

    void add_to(CLI::App& cmd) {
        cmd.add_option("--format", format,
                       "auto: JSON lines when the first line is a record with a time and a "
                       "message (Docker's json-file logs, structured logs), else text")
            ->check(CLI::IsMember({"auto", "text", "json"}))
            ->capture_default_str();
        cmd.add_option("--time-field", json.time,
                       "JSON lines: the record's time (default: time, timestamp, ts, @timestamp)");
        cmd.add_option("--message-field", json.message,
                       "JSON lines: the record's message (default: log, msg, message)");
        cmd.add_option("--level-field", json.level,
                       "JSON lines: the record's level (default: level, levelname, severity)");
        cmd.add_flag("--match-level", json.match_level,
                     "JSON lines: a pattern also matches a record by its level "
                     "(-e '^(ERROR|CRITICAL)$' --match-level)");
    }

    /// Into a log_scan_spec or a log_follow_spec.
    template <class Spec>
    void apply(Spec& spec) const {
        spec.format = format == "text"   ? log_format::text
                      : format == "json" ? log_format::json
                                         : log_format::automatic;
        spec.json = json;
    }
};

inline void add_scan(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "scan", "scan logs once: error lines since a time, required lines present");
    auto rules = std::make_shared<rules_options>();
    auto since = std::make_shared<std::string>();
    auto rotated = std::make_shared<bool>(false);
    auto state = std::make_shared<std::string>();
    auto until_met = std::make_shared<bool>(false);
    auto format = std::make_shared<format_options>();
    auto journal = std::make_shared<log_journal>();
    auto container = std::make_shared<std::string>();
    auto through_api = std::make_shared<bool>(false);
    auto docker = std::make_shared<containers::docker_options>();
    rules->add_to(*cmd, false);
    format->add_to(*cmd);
    cmd->add_flag("--journal", journal->enabled,
                  "read the systemd journal instead of files (this machine's, or "
                  "--journal-file, --journal-directory)");
    cmd->add_option("--journal-file", journal->files, "a journal file to read; repeatable");
    cmd->add_option("--journal-directory", journal->directory, "a journal directory to read");
    cmd->add_option("--unit,-u", journal->unit, "only the journal entries of this systemd unit");
    cmd->add_option("--identifier,-t", journal->identifier,
                    "only the journal entries with this SYSLOG_IDENTIFIER");
    cmd->add_option("--container", *container,
                    "read this container's log (name or id) instead of files: its json-file "
                    "where readable, else the Docker Engine API's");
    cmd->add_flag("--through-api", *through_api,
                  "--container: read the log through the API even where its file is readable");
    docker->add_to(*cmd, "--docker-host");
    cmd->add_option("--since", *since, "only lines at or after TIME (or DURATION ago)")
        ->check(since_validator());
    cmd->add_flag("--rotated", *rotated,
                  "also read rotated siblings FILE.N and FILE.N.gz, oldest first");
    cmd->add_option("--state", *state, "resume file: read only what is new since the last run");
    cmd->add_flag("--until-met", *until_met,
                  "stop reading once every --require has its minimum (no --error with it)");
    add_check(*cmd, [=](const output_options& out) {
        log_scan_spec spec;
        spec.files = rules->files;
        spec.journal = *journal;
        spec.rules = rules->rules();
        if (!since->empty()) spec.since = parse_since(*since);
        spec.rotated = *rotated;
        spec.state_file = *state;
        spec.stop_when_met = *until_met;
        spec.show = out.evidence_limit();
        format->apply(spec);
        if (container->empty()) return check_log_scan(spec);
        container_log_spec from;
        from.docker = docker->endpoint();
        from.container = *container;
        from.through_api = *through_api;
        from.scan = std::move(spec);
        return check_container_log_scan(from);
    });
}

inline void add_follow(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "follow", "follow logs for a bounded window: a heartbeat required, no error line");
    auto rules = std::make_shared<rules_options>();
    auto window = std::make_shared<std::string>();
    auto format = std::make_shared<format_options>();
    rules->add_to(*cmd);
    format->add_to(*cmd);
    cmd->add_option("--for", *window, "how long to watch (90s, 5m, …)")
        ->required()
        ->check(duration_validator());
    add_check(*cmd, [=](const output_options& out) {
        log_follow_spec spec;
        spec.files = rules->files;
        spec.rules = rules->rules();
        spec.window = parse_duration(*window);
        spec.show = out.evidence_limit();
        format->apply(spec);
        return check_log_follow(spec);
    });
}

inline void add_logs_commands(CLI::App& app) {
    auto* group = app.add_subcommand(
        "logs", "log checks: errors since the rollback, required progress lines, bounded follow");
    group->require_subcommand(1);
    add_scan(*group);
    add_follow(*group);
}

} // namespace logs
} // namespace rollcheck::detail::commands
