/// \file detail/process/runs.hpp
/// What a process runs, read from /proc: the script its interpreter runs,
/// resolved against its working directory, the module of `-m`, or else its
/// program. What process_match::runs searches the pattern in.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>

#include "argv.hpp"
#include "proc.hpp"

namespace rollcheck::detail {

/// Interpreters whose first word that is not an option is the script they
/// run, and the option that makes them run code given on the command line.
inline bool is_script_interpreter(const std::string& name, std::string_view& code_option) {
    if (is_shell_name(name)) {
        code_option = "-c";
        return true;
    }
    static const RE2 others(R"((?:perl|ruby|node|nodejs|php)[0-9.]*)");
    code_option = "-e";
    return RE2::FullMatch(name, others);
}

/// `path` as the process `pid` means it: relative to its working directory.
inline std::string resolve_for(pid_t pid, const std::string& path) {
    std::filesystem::path p(path);
    if (p.is_relative()) {
        const auto cwd = read_proc_link(pid, "cwd");
        if (cwd.empty()) return path; // not this user's to read: as given
        p = std::filesystem::path(cwd) / p;
    }
    return p.lexically_normal().string();
}

/// What the process runs, as process_match::runs reads it: a description
/// ("script /srv/app/run.py") and the names the pattern is searched in.
struct process_runs {
    std::string description;
    std::vector<std::string> names;
};

inline process_runs what_runs(pid_t pid, const std::vector<std::string>& args) {
    const auto at = program_index(args);
    if (at == args.size()) return {"nothing (env alone)", {}};
    const auto program = program_name(args[at]);
    std::string_view code_option;
    if (is_python_name(program)) {
        const auto target = read_python_args(args, at + 1);
        switch (target.kind) {
        case python_target::script: {
            auto script = resolve_for(pid, target.name);
            return {"script " + script, {script}};
        }
        case python_target::module:
            return {"module " + target.name, {target.name}};
        case python_target::code:
            return {"code given with -c", {}};
        case python_target::none:
            return {"an interactive interpreter", {}};
        }
    } else if (is_script_interpreter(program, code_option)) {
        for (auto i = at + 1; i < args.size(); ++i) {
            if (args[i] == code_option) return {fmt::format("code given with {}", code_option), {}};
            if (args[i].rfind('-', 0) == 0) continue;
            auto script = resolve_for(pid, args[i]);
            return {"script " + script, {script}};
        }
        return {"an interactive interpreter", {}};
    }
    // A program of its own: as named, and as the kernel runs it.
    auto named = args[at].find('/') == std::string::npos ? args[at] : resolve_for(pid, args[at]);
    auto exe = read_proc_link(pid, "exe");
    if (const auto deleted = exe.rfind(" (deleted)"); deleted != std::string::npos)
        exe.erase(deleted);
    process_runs runs{"program " + (exe.empty() ? named : exe), {named}};
    if (!exe.empty() && exe != named) runs.names.push_back(exe);
    return runs;
}

} // namespace rollcheck::detail
