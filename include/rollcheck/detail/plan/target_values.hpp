/// \file detail/plan/target_values.hpp
/// The target's values as a plan's references read them: each a list of
/// words (none: not given), or a boolean.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../../plan.hpp"
#include "../../time.hpp"

namespace rollcheck::detail::plan {

/// One value of the target, as references read it.
struct target_value {
    std::vector<std::string> words; ///< empty: the target does not give it
    bool boolean = false;           ///< a boolean: `truth` is its value
    bool truth = false;
};

[[nodiscard]] inline target_value words(std::vector<std::string> list) {
    target_value v;
    for (auto& w : list)
        if (!w.empty()) v.words.push_back(std::move(w));
    return v;
}

[[nodiscard]] inline target_value word(std::string text) {
    return words({std::move(text)});
}

[[nodiscard]] inline target_value path_word(const std::filesystem::path& p) {
    return word(p.string());
}

[[nodiscard]] inline target_value truth(bool on) {
    target_value v;
    v.boolean = true;
    v.truth = on;
    v.words = {on ? "true" : "false"};
    return v;
}

[[nodiscard]] inline target_value project_value(const target& t, std::string_view key) {
    if (key == "root") return path_word(t.project_root);
    if (key == "python") return word(t.python);
    if (key == "revision") return word(t.revision);
    if (key == "entry_points") return words(t.entry_points);
    if (key == "old_modules") return words(t.old_modules);
    std::vector<std::string> environment;
    for (const auto& [name, value] : t.environment)
        environment.push_back(name + "=" + value);
    return words(std::move(environment));
}

[[nodiscard]] inline target_value database_value(const target& t, std::string_view key) {
    if (key == "dsn") return word(t.connection.dsn);
    if (key == "table") return word(t.table.name.empty() ? "" : t.table.display());
    if (key == "key") return word(t.key);
    if (key == "timestamp") return word(t.timestamp_column);
    if (key == "backup") return path_word(t.backup);
    if (key == "baseline") return path_word(t.baseline);
    return word(t.connection.max_scan_rows ? std::to_string(*t.connection.max_scan_rows) : "");
}

[[nodiscard]] inline target_value cron_value(const target& t, std::string_view key) {
    if (key == "crontab") return path_word(t.crontab_file);
    if (key == "user") return word(t.crontab_user);
    if (key == "snapshot") return path_word(t.crontab_snapshot);
    if (key == "schedule") return word(t.job_schedule);
    if (key == "command") return word(t.job_command);
    if (key == "syslog") return words(t.cron_logs);
    return truth(t.cron_journal);
}

[[nodiscard]] inline target_value other_value(const target& t, std::string_view section,
                                              std::string_view key) {
    if (section == "backup") {
        if (key == "restore_check") return truth(t.restore_check);
        if (key == "scratch_dsn") return word(t.restore_scratch_dsn);
        return path_word(t.postgres_bindir);
    }
    if (section == "logs") {
        if (key == "files") return words(t.log_files);
        if (key == "errors") return words(t.error_patterns);
        return words(t.progress_patterns);
    }
    if (key == "url") return word(t.api_url);
    if (key == "host") return word(t.api_host);
    return word(t.api_port > 0 ? std::to_string(t.api_port) : "");
}

/// The value `name` (a known name: is_reference_name) of `t` and `run`.
[[nodiscard]] inline target_value value_of(const target& t, const run_values& run,
                                           std::string_view name) {
    const auto dot = name.find('.');
    const auto section = name.substr(0, dot);
    const auto key = name.substr(dot + 1);
    if (section == "project") return project_value(t, key);
    if (section == "database") return database_value(t, key);
    if (section == "cron") return cron_value(t, key);
    if (section == "pipeline") {
        const auto found = t.pipeline.find(std::string(key));
        return found == t.pipeline.end() ? target_value{} : words(found->second);
    }
    if (section == "rollback")
        return word(run.rollback_started ? format_utc(*run.rollback_started) : "");
    return other_value(t, section, key);
}

} // namespace rollcheck::detail::plan
