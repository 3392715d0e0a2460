/// \file detail/draft/process_steps.hpp
/// Steps that stop what runs: `killall` and `pkill` (proc.absent, by what
/// processes run), `docker-compose … down` (containers.down), with the trap
/// of a script's name given to killall.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "shell.hpp"
#include "step_context.hpp"
#include "words.hpp"

namespace rollcheck::detail::draft {

/// What a script's name ends with: its process is named after its interpreter.
inline constexpr std::string_view script_suffixes[] = {".py", ".sh", ".rb", ".pl", ".js"};

/// The script suffix `name` ends with ("job.py" → ".py"), or "".
[[nodiscard]] inline std::string_view script_suffix(const std::string& name) {
    for (const std::string_view suffix : script_suffixes)
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            return suffix;
    return {};
}

/// A name as a key of `[defaults.pipeline]`: "run_unified_pipeline.py" → "run_unified_pipeline".
[[nodiscard]] inline std::string pipeline_key(std::string name) {
    name = program_name(name);
    if (const auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    std::string key;
    for (const char c : lower(name))
        key += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    return key.empty() ? "process" : key;
}

/// `text` with RE2's special characters escaped.
[[nodiscard]] inline std::string re2_literal(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

inline std::string stopped(step_context& s, const std::string& program,
                           const std::vector<std::string>& words) {
    const bool whole_line = program == "pkill" && has_flag(words, {"-f", "--full"}, 'f');
    const auto names =
        operands(words, 1, {"-s", "--signal", "-u", "--user", "-U", "-g", "-G", "-P", "-t", "-o"});
    if (names.empty()) return fmt::format("{} of no process", program);
    for (const auto& name : names) {
        const bool script = name.find('/') != std::string::npos || !script_suffix(name).empty();
        if (!whole_line && script)
            s.warn(fmt::format("`{}` matches a process by its name, and a script's process "
                               "is named after its interpreter (python3): it stops nothing. "
                               "`pkill -f {}` matches the command line; proc.absent proves "
                               "that none runs",
                               s.step.text, name));
        else if (!whole_line && name.size() > 15)
            s.warn(fmt::format("`{}`: the kernel keeps 15 characters of a process's name, "
                               "and {} is longer: it matches nothing. `pkill -f` matches the "
                               "command line",
                               s.step.text, name));
        const auto key = pipeline_key(name.substr(0, name.find(' ')));
        const auto pattern = s.values.refer(
            "pipeline", key,
            whole_line ? name
                       : re2_literal(program_name(
                             name.substr(0, name.size() - script_suffix(name).size()))),
            s.step.line, fmt::format("what `{}` stops: proc.absent looks for it", s.step.text));
        s.check("proc.absent", fmt::format("no process runs {}", pattern))
            .flag("runs")
            .text("wait", "5s")
            .text("pattern", pattern);
    }
    return {};
}

inline std::string containers_down(step_context& s, std::size_t verb_from,
                                   const std::vector<std::string>& words) {
    static const std::set<std::string> with_value = {
        "-f", "--file", "-p", "--project-name", "--env-file", "--profile"};
    const auto verbs = operands(words, verb_from, with_value);
    const auto verb = verbs.empty() ? "" : verbs.front();
    if (verb != "down" && verb != "stop" && verb != "kill" && verb != "rm")
        return fmt::format("compose `{}`: only down, stop, kill and rm are checked "
                           "(containers.down)",
                           verb);
    const auto file = option_value(words, {"-f", "--file"});
    const auto named = option_value(words, {"-p", "--project-name"});
    std::string project;
    if (!named.empty()) {
        project = s.values.refer("pipeline", "compose_project", named, s.step.line);
    } else {
        s.values.leave("pipeline", "compose_project", false,
                       fmt::format("the compose project `{}` stops: `docker compose ls` "
                                   "names it (by default, the directory of {})",
                                   s.step.text, file.empty() ? "docker-compose.yml" : file));
        project = "${pipeline.compose_project}";
    }
    auto& c = s.check("containers.down",
                      fmt::format("no container of the compose project {}{} runs", project,
                                  file.empty() ? "" : fmt::format(" ({})", file)));
    c.text("project", project);
    if (!file.empty()) c.text("file", literal(file));
    if (verb == "down" || verb == "rm") c.flag("removed");
    return {};
}

} // namespace rollcheck::detail::draft
