/// \file detail/process/processes_impl.hpp
/// Definitions of processes.hpp, included at its end.
#pragma once

#include "../../processes.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "proc.hpp"

namespace rollcheck {

namespace detail {

/// Processes now whose command line matches `re`, this process excepted (its
/// own command line usually holds the pattern). Kernel threads and zombies
/// have no command line and never match; a process that ends while it is
/// being read is left out.
inline std::vector<matched_process> matching_processes(const RE2& re) {
    std::vector<matched_process> found;
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
        if (!search(re, line)) continue;
        const auto uid = read_proc_uid(pid);
        if (!uid) continue;
        found.push_back({pid, user_name(*uid), start_time(stat->start_ticks), std::move(line)});
    }
    return found;
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
        auto found = detail::matching_processes(*re);
        int looks = 1;
        while (!detail::expectation_holds(spec, found.size()) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                spec.poll_interval, deadline - std::chrono::steady_clock::now()));
            found = detail::matching_processes(*re);
            ++looks;
        }
        const bool holds = detail::expectation_holds(spec, found.size());
        check_result r;
        r.check = name;
        r.status = holds ? verdict::pass : verdict::fail;
        r.evidence = bounded_evidence(spec.show);
        r.summary = fmt::format(
            "{} {} '{}' ({}){}", counted(found.size(), "process", "processes"),
            agreeing(found.size(), "matches", "match"), spec.pattern,
            detail::describe_expectation(spec),
            holds || spec.wait.count() == 0 ? "" : " after waiting " + describe_span(spec.wait));
        for (const auto& p : found)
            r.evidence.add(
                {fmt::format("pid {} user {} started {}: {}", p.pid, p.user,
                             detail::utc_time(p.started), detail::printable(p.command_line)),
                 {{"pid", p.pid},
                  {"user", p.user},
                  {"started", detail::utc_time(p.started)},
                  {"command_line", p.command_line}}});
        r.totals = {{"matching", found.size()}, {"looks", looks}};
        return r;
    });
}

} // namespace rollcheck
