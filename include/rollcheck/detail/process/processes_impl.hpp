/// \file detail/process/processes_impl.hpp
/// Definitions of processes.hpp, included at its end.
#pragma once

#include "../../processes.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "proc.hpp"
#include "runs.hpp"

namespace rollcheck {

namespace detail {

/// The processes /proc lists now that match, and, with process_match::runs,
/// those whose command line names the pattern without running it.
struct process_look {
    std::vector<matched_process> found;
    std::vector<matched_process> named;
};

/// Looks at every process now, this process excepted (its own command line
/// usually holds the pattern). Kernel threads and zombies have no command
/// line and never match; a process that ends while it is being read is left out.
inline process_look look_at_processes(const RE2& re, process_match match) {
    process_look look;
    const pid_t self = ::getpid();
    for (const pid_t pid : list_pids()) {
        if (pid == self) continue;
        const auto stat = read_proc_stat(pid);
        if (!stat || stat->state == 'Z') continue;
        const auto args = read_proc_cmdline(pid);
        if (args.empty()) continue;
        std::string line;
        for (const auto& arg : args)
            line += (line.empty() ? "" : " ") + arg;
        const bool names = search(re, line);
        process_runs runs;
        bool runs_it = false;
        if (match == process_match::runs) {
            runs = what_runs(pid, args);
            runs_it = std::any_of(runs.names.begin(), runs.names.end(),
                                  [&](const std::string& name) { return search(re, name); });
        }
        if (!(match == process_match::runs ? runs_it || names : names)) continue;
        const auto uid = read_proc_uid(pid);
        if (!uid) continue;
        auto& into = match == process_match::runs && !runs_it ? look.named : look.found;
        into.push_back({pid, user_name(*uid), start_time(stat->start_ticks), std::move(line),
                        std::move(runs.description)});
    }
    return look;
}

/// `text` with control characters (a newline inside an argument) shown as \xNN,
/// so that one process stays one line of evidence.
inline std::string printable(const std::string& text) {
    std::string shown;
    for (const char c : text)
        shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7f
                     ? fmt::format("\\x{:02x}", static_cast<unsigned char>(c))
                     : std::string(1, c);
    return shown;
}

inline bool expectation_holds(const process_spec& spec, std::size_t running) {
    switch (spec.expect) {
    case process_expectation::at_least:
        return running >= spec.count;
    case process_expectation::exactly:
        return running == spec.count;
    case process_expectation::none:
        return running == 0;
    }
    return false;
}

inline std::string utc_time(std::time_t t) {
    std::tm parts{};
    ::gmtime_r(&t, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

inline std::string describe_expectation(const process_spec& spec) {
    switch (spec.expect) {
    case process_expectation::at_least:
        return fmt::format("at least {} expected", spec.count);
    case process_expectation::exactly:
        return fmt::format("exactly {} expected", spec.count);
    case process_expectation::none:
        return "none expected";
    }
    return {};
}

} // namespace detail

ROLLCHECK_INLINE check_result check_processes(const process_spec& spec) {
    const std::string name =
        spec.expect == process_expectation::none ? "proc.absent" : "proc.running";
    return timed_check(name, [&] {
        if (spec.pattern.empty()) return check_result::error(name, "no pattern given");
        std::string why;
        const auto re = detail::compile_pattern(spec.pattern, why);
        if (!re) return check_result::error(name, why);
        const auto deadline = std::chrono::steady_clock::now() + spec.wait;
        auto look = detail::look_at_processes(*re, spec.match);
        int looks = 1;
        while (!detail::expectation_holds(spec, look.found.size()) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                spec.poll_interval, deadline - std::chrono::steady_clock::now()));
            look = detail::look_at_processes(*re, spec.match);
            ++looks;
        }
        const auto& found = look.found;
        const bool holds = detail::expectation_holds(spec, found.size());
        const bool by_runs = spec.match == process_match::runs;
        check_result r;
        r.check = name;
        r.status = holds ? verdict::pass : verdict::fail;
        r.evidence = bounded_evidence(spec.show);
        r.summary = fmt::format(
            "{} {} '{}' ({}){}", counted(found.size(), "process", "processes"),
            by_runs ? agreeing(found.size(), "runs", "run")
                    : agreeing(found.size(), "matches", "match"),
            spec.pattern, detail::describe_expectation(spec),
            holds || spec.wait.count() == 0 ? "" : " after waiting " + describe_span(spec.wait));
        if (!look.named.empty())
            r.summary += fmt::format("; {} {} it without running it",
                                     counted(look.named.size(), "process", "processes"),
                                     agreeing(look.named.size(), "names", "name"));
        for (const auto& p : found) {
            const auto runs = p.runs.empty() ? "" : fmt::format("runs {}: ", p.runs);
            nlohmann::json data = {{"pid", p.pid},
                                   {"user", p.user},
                                   {"started", detail::utc_time(p.started)},
                                   {"command_line", p.command_line}};
            if (by_runs) data["runs"] = p.runs;
            r.evidence.add(
                {fmt::format("pid {} user {} started {}: {}{}", p.pid, p.user,
                             detail::utc_time(p.started), runs, detail::printable(p.command_line)),
                 std::move(data)});
        }
        for (const auto& p : look.named)
            r.evidence.add(
                {fmt::format("pid {} `{}` names '{}' but does not run it: it runs {}", p.pid,
                             detail::printable(p.command_line), spec.pattern, p.runs),
                 {{"pid", p.pid},
                  {"user", p.user},
                  {"command_line", p.command_line},
                  {"runs", p.runs},
                  {"problem", "names it without running it"}}});
        r.totals = {{"matching", found.size()}, {"looks", looks}};
        if (by_runs) r.totals["naming_only"] = look.named.size();
        return r;
    });
}

} // namespace rollcheck
