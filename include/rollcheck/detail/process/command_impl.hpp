/// \file detail/process/command_impl.hpp
/// Definitions of command.hpp, included at its end.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>
#include <boost/process/start_dir.hpp>
#include <nlohmann/json.hpp>

#include "../../command.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "output.hpp"
#include "tree.hpp"

namespace rollcheck {

namespace detail {

inline std::string shell_quote(const std::string& word) {
    if (!word.empty() &&
        word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789@%+=:,./-_") == std::string::npos)
        return word;
    std::string quoted = "'";
    for (const char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

/// Resolves argv[0] the way execvp would, or says why it cannot be run.
inline std::filesystem::path resolve_program(const command_spec& spec, std::string& why) {
    const std::string& name = spec.argv.front();
    if (name.find('/') == std::string::npos) {
        auto path = boost::process::search_path(name);
        if (path.empty()) why = fmt::format("'{}' not found on PATH", name);
        return path.string();
    }
    std::error_code ec;
    std::filesystem::path program = name;
    if (!spec.working_directory.empty() && program.is_relative())
        program = spec.working_directory / program;
    if (!std::filesystem::exists(program, ec))
        why = fmt::format("'{}' does not exist", name);
    else if (std::filesystem::is_directory(program, ec))
        why = fmt::format("'{}' is a directory", name);
    else if (::access(program.c_str(), X_OK) != 0)
        why = fmt::format("'{}' is not executable: {}", name, std::strerror(errno));
    return program;
}

/// This process's environment with `overrides` applied, as execve takes it.
/// (Built here rather than with bp::environment, whose lookup in Boost 1.74
/// reads past the end of shorter variables.)
class environment_block {
public:
    explicit environment_block(const std::map<std::string, std::string>& overrides) {
        for (char** var = ::environ; *var != nullptr; ++var) {
            const std::string entry = *var;
            const auto name = entry.substr(0, entry.find('='));
            if (overrides.count(name) == 0) entries_.push_back(entry);
        }
        for (const auto& [name, value] : overrides)
            entries_.push_back(name + "=" + value);
        for (auto& entry : entries_)
            pointers_.push_back(entry.data());
        pointers_.push_back(nullptr);
    }
    [[nodiscard]] char** envp() { return pointers_.data(); }

private:
    std::vector<std::string> entries_;
    std::vector<char*> pointers_;
};

/// Reads what is ready on `fd` into `into`; returns false at end of file.
inline bool drain_ready(int fd, captured_output& into, std::size_t limit) {
    char buffer[64 * 1024];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
        into.append(buffer, static_cast<std::size_t>(n), limit);
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

/// Waits for a child's exit without reaping it: a pidfd (Linux 5.3) wakes
/// the moment it exits; without one, a short sleep stands in.
class exit_waiter {
public:
    explicit exit_waiter(pid_t pid) {
#ifdef SYS_pidfd_open
        fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
        (void)pid;
#endif
    }
    ~exit_waiter() {
        if (fd_ >= 0) ::close(fd_);
    }
    exit_waiter(const exit_waiter&) = delete;
    exit_waiter& operator=(const exit_waiter&) = delete;

    /// Returns at the exit, or at `until`, whichever comes first.
    void wait(std::chrono::steady_clock::time_point until) const {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        if (fd_ < 0) {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(1)));
            return;
        }
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }

private:
    int fd_ = -1;
};

/// Keeps `fds` out of every program started later, by this thread or
/// another: the child gets its ends as 1 and 2 by dup2, which clears the flag.
inline void close_on_exec(std::initializer_list<int> fds) {
    for (const int fd : fds)
        ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

/// Polls the open streams until both end or `until` passes.
inline void pump_output(int fds[2], captured_output* sinks[2], std::size_t limit,
                        std::chrono::steady_clock::time_point until) {
    using clock = std::chrono::steady_clock;
    while (fds[0] >= 0 || fds[1] >= 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
        if (left.count() <= 0) return;
        pollfd pfds[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        const int ready = ::poll(pfds, 2, static_cast<int>(std::min<long long>(left.count(), 50)));
        if (ready <= 0) return; // timeout slice over (or EINTR): let the caller look around
        for (int i = 0; i < 2; ++i) {
            if (fds[i] < 0 || pfds[i].revents == 0) continue;
            if (!drain_ready(fds[i], *sinks[i], limit)) {
                ::close(fds[i]);
                fds[i] = -1;
            }
        }
    }
}

} // namespace detail

ROLLCHECK_INLINE std::string command_spec::display() const {
    std::string shown;
    for (const auto& word : argv) {
        if (!shown.empty()) shown += ' ';
        shown += detail::shell_quote(word);
    }
    return shown;
}

ROLLCHECK_INLINE command_outcome run_command(const command_spec& spec) {
    namespace bp = boost::process;
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto deadline = start + spec.timeout;

    command_outcome outcome;
    outcome.command = spec.display();
    const auto finish = [&]() -> command_outcome {
        outcome.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
        return outcome;
    };
    if (spec.argv.empty()) {
        outcome.error = "empty command";
        return finish();
    }
    const auto program = detail::resolve_program(spec, outcome.error);
    if (!outcome.error.empty()) return finish();

    std::error_code ec;
    const auto cwd =
        spec.working_directory.empty() ? std::filesystem::current_path(ec) : spec.working_directory;
    if (!std::filesystem::is_directory(cwd, ec)) {
        outcome.error = fmt::format("working directory '{}' is not a directory", cwd.string());
        return finish();
    }

    detail::environment_block env(spec.environment);

    detail::become_child_subreaper();
    auto registering = detail::direct_children::registration();
    bp::pipe out_pipe, err_pipe;
    detail::close_on_exec({out_pipe.native_source(), out_pipe.native_sink(),
                           err_pipe.native_source(), err_pipe.native_sink()});
    const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
    // stdin: /dev/null, or the input in a temporary file read from its start.
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> input(
        spec.input.empty() ? std::fopen("/dev/null", "rbe") : std::tmpfile(), &std::fclose);
    if (!input ||
        (!spec.input.empty() &&
         (std::fwrite(spec.input.data(), 1, spec.input.size(), input.get()) != spec.input.size() ||
          std::fflush(input.get()) != 0 || std::fseek(input.get(), 0, SEEK_SET) != 0))) {
        outcome.error = fmt::format("cannot prepare stdin: {}", std::strerror(errno));
        return finish();
    }
    detail::close_on_exec({::fileno(input.get())});
    bp::child child(bp::exe = program.string(), bp::args = args, (bp::std_in < input.get()),
                    (bp::std_out > out_pipe), (bp::std_err > err_pipe),
                    bp::start_dir = cwd.string(),
                    bp::extend::on_setup([&env](auto& exec) { exec.env = env.envp(); }),
                    bp::extend::on_exec_setup([](auto&) { ::setpgid(0, 0); }), ec);
    if (ec) {
        outcome.error = fmt::format("'{}': {}", spec.argv.front(), ec.message());
        return finish();
    }
    detail::direct_children::add(child.id());
    registering.unlock();
    detail::process_tree tree(child.id());
    const detail::exit_waiter exited(child.id());

    int fds[2] = {out_pipe.native_source(), err_pipe.native_source()};
    out_pipe.assign_source(-1);
    err_pipe.assign_source(-1);
    captured_output* sinks[2] = {&outcome.out, &outcome.err};

    bool timed_out = false;
    auto next_refresh = clock::now();
    while (child.running(ec) && !ec) {
        if (clock::now() >= deadline) {
            timed_out = true;
            break;
        }
        if (clock::now() >= next_refresh) {
            tree.refresh();
            next_refresh = clock::now() + std::chrono::milliseconds(100);
        }
        const auto until = std::min(deadline, clock::now() + std::chrono::milliseconds(50));
        if (fds[0] < 0 && fds[1] < 0) exited.wait(until); // its output closed: wait for the exit
        detail::pump_output(fds, sinks, spec.output_limit, until);
    }
    // The program is gone or out of time: take down what it left, keep its last words.
    tree.terminate(timed_out ? spec.kill_grace : std::chrono::milliseconds(200));
    if (timed_out) child.wait(ec);
    detail::pump_output(fds, sinks, spec.output_limit,
                        clock::now() + std::chrono::milliseconds(200));
    for (int& fd : fds)
        if (fd >= 0) ::close(fd);

    detail::direct_children::remove(child.id());
    const int raw = child.native_exit_code();
    if (timed_out) {
        outcome.status = command_status::timed_out;
    } else if (WIFSIGNALED(raw)) {
        outcome.status = command_status::signaled;
        outcome.signal = WTERMSIG(raw);
    } else {
        outcome.status = command_status::exited;
        outcome.exit_code = WEXITSTATUS(raw);
    }
    return finish();
}

namespace detail {

/// One evidence item per stream that printed: its last lines.
inline void add_output_tail(bounded_evidence& evidence, const command_outcome& run,
                            std::size_t lines) {
    const std::pair<const char*, const captured_output*> streams[] = {{"stdout", &run.out},
                                                                      {"stderr", &run.err}};
    for (const auto& [name, stream] : streams) {
        if (stream->total_bytes == 0) continue;
        const auto tail = last_lines(stream->text(), lines);
        std::string text = fmt::format("{} (last {}):", name, counted(tail.size(), "line"));
        for (const auto& line : tail)
            text += "\n      " + line;
        evidence.add({std::move(text), {{"stream", name}, {"tail", tail}}});
    }
}

/// The first line of `text` where `re` matches (patterns work line by line, as grep's).
inline std::optional<std::string> matching_line(const RE2& re, std::string_view text) {
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = text.substr(0, newline);
        if (search(re, line)) return std::string(line);
        if (newline == std::string_view::npos) break;
        text.remove_prefix(newline + 1);
    }
    return std::nullopt;
}

/// Checks must_match and must_not_match against the kept output; returns the
/// worst verdict it found (pass when all hold).
inline verdict check_output_patterns(const command_check_spec& spec, const command_outcome& run,
                                     check_result& r) {
    const std::string text = run.out.text() + "\n" + run.err.text();
    const bool truncated = run.out.truncated() || run.err.truncated();
    verdict worst = verdict::pass;
    const auto judge = [&](const std::string& pattern, bool wanted) {
        std::string why; // check_command refused invalid patterns before running
        const auto re = compile_pattern(pattern, why);
        const auto line = matching_line(*re, text);
        const bool found = line.has_value();
        if (!found && truncated) {
            r.evidence.add({fmt::format("'{}' is not in the output kept, and the output was longer "
                                        "than output_limit: the part not kept is unknown",
                                        pattern),
                            {{"pattern", pattern}, {"problem", "output truncated"}}});
            worst = verdict::error;
            return;
        }
        if (found == wanted) return;
        if (found) {
            r.evidence.add(
                {fmt::format("forbidden pattern '{}' matched: {}", pattern, *line),
                 {{"pattern", pattern}, {"problem", "forbidden pattern"}, {"line", *line}}});
        } else {
            r.evidence.add({fmt::format("required pattern '{}' not found in the output", pattern),
                            {{"pattern", pattern}, {"problem", "required pattern missing"}}});
        }
        worst = std::max(worst, verdict::fail);
    };
    for (const auto& pattern : spec.must_match)
        judge(pattern, true);
    for (const auto& pattern : spec.must_not_match)
        judge(pattern, false);
    return worst;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_command(const command_check_spec& spec) {
    return timed_check("command.run", [&] {
        for (const auto* patterns : {&spec.must_match, &spec.must_not_match})
            for (const auto& pattern : *patterns)
                if (std::string why; !detail::compile_pattern(pattern, why))
                    return check_result::error("command.run", why + "; the command was not run");
        const auto run = run_command(spec.command);
        check_result r;
        r.evidence = bounded_evidence(spec.show);
        r.totals = {{"command", run.command},
                    {"outcome", run.describe()},
                    {"stdout_bytes", run.out.total_bytes},
                    {"stderr_bytes", run.err.total_bytes}};
        if (run.status == command_status::exited) r.totals["exit_status"] = run.exit_code;
        const auto pytest = detail::pytest_counts(run.out.text());
        if (!pytest.empty()) r.totals["pytest"] = pytest;

        std::string summary = fmt::format("`{}` {}", run.command, run.describe());
        verdict v = verdict::pass;
        if (run.status == command_status::failed_to_start ||
            run.status == command_status::timed_out) {
            v = verdict::error;
        } else if (run.status == command_status::signaled || run.exit_code != spec.expect_exit) {
            v = verdict::fail;
            summary += fmt::format(" (expected status {})", spec.expect_exit);
        }
        if (v != verdict::error) v = std::max(v, detail::check_output_patterns(spec, run, r));
        if (!pytest.empty()) summary += "; pytest: " + detail::describe_counts(pytest);
        detail::add_output_tail(r.evidence, run, spec.tail_lines);
        r.status = v;
        r.summary = std::move(summary);
        return r;
    });
}

} // namespace rollcheck
