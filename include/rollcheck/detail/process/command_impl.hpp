/// \file detail/process/command_impl.hpp
/// Definitions of command.hpp, included at its end.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../../command.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "../unique_fd.hpp"
#include "line_scan.hpp"
#include "output.hpp"
#include "pytest.hpp"
#include "spawn.hpp"
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
        auto path = search_path(name);
        if (path.empty()) why = fmt::format("'{}' not found on PATH", name);
        return path;
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

/// Sees each piece of a run's output as it is read, before the capture
/// drops any of it: the stream (0 stdout, 1 stderr) and the bytes.
using output_observer = std::function<void(int, std::string_view)>;

/// Reads what is ready on `fd` into `into`; returns false at end of file.
inline bool drain_ready(int fd, captured_output& into, std::size_t limit, int stream,
                        const output_observer& observe) {
    char buffer[64 * 1024];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
        into.append(buffer, static_cast<std::size_t>(n), limit);
        if (observe) observe(stream, std::string_view(buffer, static_cast<std::size_t>(n)));
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
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
            return;
        }
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }

private:
    int fd_ = -1;
};

/// Polls the open streams until both end or `until` passes.
inline void pump_output(int fds[2], captured_output* sinks[2], std::size_t limit,
                        std::chrono::steady_clock::time_point until,
                        const output_observer& observe) {
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
            if (!drain_ready(fds[i], *sinks[i], limit, i, observe)) {
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

namespace detail {

/// A program started for a run: its pid and the read ends of its stdout
/// and stderr.
struct started_program {
    pid_t pid = -1;
    unique_fd out, err;
};

/// stdin for a run: /dev/null, or `input` in an unlinked temporary file read
/// from its start; -1 with errno set when neither can be made.
inline unique_fd open_input(const std::string& input) {
    if (input.empty()) return unique_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
    if (!file || std::fwrite(input.data(), 1, input.size(), file.get()) != input.size() ||
        std::fflush(file.get()) != 0)
        return unique_fd();
    unique_fd fd(::fcntl(::fileno(file.get()), F_DUPFD_CLOEXEC, 0));
    if (fd.get() >= 0 && ::lseek(fd.get(), 0, SEEK_SET) != 0) fd.reset();
    return fd;
}

/// Starts `spec` as `program` in `cwd`, registered as this process's
/// child and stop group; or says why not in `why`.
inline started_program start_program(const command_spec& spec, const std::filesystem::path& program,
                                     const std::filesystem::path& cwd, std::string& why) {
    started_program started;
    const unique_fd input = open_input(spec.input);
    pipe_ends out, err;
    if (input.get() < 0 || !out.open() || !err.open()) {
        why =
            fmt::format("cannot prepare the program's stdin and output: {}", std::strerror(errno));
        return started;
    }
    environment_block env(spec.environment);
    spawn_request request;
    std::error_code ec;
    request.program = std::filesystem::absolute(program, ec);
    request.argv = spec.argv;
    request.argv.front() = program.string();
    request.envp = env.envp();
    request.working_directory = cwd;
    request.stdin_fd = input.get();
    request.stdout_fd = out.write.get();
    request.stderr_fd = err.write.get();

    become_child_subreaper();
    const auto registering = direct_children::registration();
    int error = 0;
    started.pid = spawn_in_own_group(request, error);
    if (started.pid < 0) {
        why = fmt::format("'{}': {}", spec.argv.front(), std::strerror(error));
        return started;
    }
    direct_children::add(started.pid);
    stop_registry::add_group(started.pid);
    started.out = std::move(out.read);
    started.err = std::move(err.read);
    return started;
}

/// waitpid for a program just killed, for at most `span`: one stuck in the
/// kernel (a hung NFS mount) ignores SIGKILL, and the run must still end.
inline child_state reap_within(pid_t pid, std::chrono::milliseconds span) {
    const auto until = std::chrono::steady_clock::now() + span;
    auto state = poll_child(pid);
    while (!state.ended && !state.lost && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        state = poll_child(pid);
    }
    return state;
}

/// On every way out of a run, an exception's included: what is left of the
/// program killed and reaped, its output's descriptors closed, its
/// registrations gone.
struct run_cleanup {
    pid_t pid;
    process_tree& tree;
    int (&fds)[2];
    bool ended = false; ///< the run ended it and reaped it already

    ~run_cleanup() {
        try {
            if (!ended) {
                tree.terminate(std::chrono::milliseconds(200));
                reap_within(pid, std::chrono::seconds(2));
            }
        } catch (...) { // a destructor must not throw; what it could not end, the stop path ends
        }
        for (int& fd : fds)
            if (fd >= 0) ::close(fd);
        direct_children::remove(pid);
        stop_registry::remove_group(pid);
    }
    run_cleanup(const run_cleanup&) = delete;
    run_cleanup& operator=(const run_cleanup&) = delete;
};

/// How the run ended, into `outcome`: from the flags when rollcheck ended
/// it, else from waitpid's state.
inline void record_end(const child_state& state, bool timed_out, bool interrupted,
                       command_outcome& outcome) {
    if (interrupted) {
        outcome.status = command_status::interrupted;
        outcome.error = stop_reason();
    } else if (timed_out) {
        outcome.status = command_status::timed_out;
    } else if (!state.ended) {
        outcome.status = command_status::failed_to_start;
        outcome.error = "it started, but its exit status was lost (reaped elsewhere: is SIGCHLD "
                        "ignored?)";
    } else if (WIFSIGNALED(state.status)) {
        outcome.status = command_status::signaled;
        outcome.signal = WTERMSIG(state.status);
    } else {
        outcome.status = command_status::exited;
        outcome.exit_code = WEXITSTATUS(state.status);
    }
}

/// run_command, with `observe` shown all the output as it is read.
inline command_outcome run_observed(const command_spec& spec, const output_observer& observe) {
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
    if (stop_requested()) {
        outcome.error = "the run was interrupted by " + stop_reason();
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
    auto child = start_program(spec, program, cwd, outcome.error);
    if (child.pid < 0) return finish();
    detail::process_tree tree(child.pid);
    const detail::exit_waiter exited(child.pid);

    int fds[2] = {child.out.release(), child.err.release()};
    run_cleanup cleanup{child.pid, tree, fds};
    captured_output* sinks[2] = {&outcome.out, &outcome.err};

    bool timed_out = false, interrupted = false;
    auto next_refresh = clock::now();
    child_state state;
    while (!(state = poll_child(child.pid)).ended && !state.lost) {
        if (clock::now() >= deadline) {
            timed_out = true;
            break;
        }
        if (stop_requested()) {
            interrupted = true;
            break;
        }
        if (clock::now() >= next_refresh) {
            tree.refresh();
            next_refresh = clock::now() + std::chrono::milliseconds(100);
        }
        const auto until = std::min(deadline, clock::now() + std::chrono::milliseconds(50));
        if (fds[0] < 0 && fds[1] < 0) exited.wait(until); // its output closed: wait for the exit
        detail::pump_output(fds, sinks, spec.output_limit, until, observe);
    }
    // The program is gone or out of time: take down what it left, keep its last words.
    // A stopped run does not wait out the grace: whoever stopped it waits for its reports.
    tree.terminate(timed_out && !interrupted ? spec.kill_grace : std::chrono::milliseconds(200));
    if (timed_out || interrupted) state = reap_within(child.pid, std::chrono::seconds(2));
    cleanup.ended = true;
    detail::pump_output(fds, sinks, spec.output_limit,
                        clock::now() + std::chrono::milliseconds(200), observe);
    record_end(state, timed_out, interrupted, outcome);
    return finish();
}

} // namespace detail

ROLLCHECK_INLINE command_outcome run_command(const command_spec& spec) {
    return detail::run_observed(spec, {});
}

namespace detail {

/// One evidence item per stream that printed: its last `lines` lines (none when 0).
inline void add_output_tail(bounded_evidence& evidence, const command_outcome& run,
                            std::size_t lines) {
    const std::pair<const char*, const captured_output*> streams[] = {{"stdout", &run.out},
                                                                      {"stderr", &run.err}};
    for (const auto& [name, stream] : streams) {
        if (stream->total_bytes == 0 || lines == 0) continue;
        const auto tail = last_lines(stream->text(), lines);
        std::string text = fmt::format("{} (last {}):", name, counted(tail.size(), "line"));
        for (const auto& line : tail)
            text += "\n      " + line;
        evidence.add({std::move(text), {{"stream", name}, {"tail", tail}}});
    }
}

/// Evidence for what the scanner found: each required pattern no line
/// matched, each line a forbidden or error pattern matched; returns the
/// worst verdict it found (pass when all hold).
inline verdict check_output_patterns(const command_check_spec& spec,
                                     const std::vector<std::string>& unwanted,
                                     const line_scanner& scan, check_result& r) {
    verdict worst = verdict::pass;
    for (std::size_t i = 0; i < spec.must_match.size(); ++i) {
        if (scan.found(i)) continue;
        const auto& pattern = spec.must_match[i];
        r.evidence.add({fmt::format("required pattern '{}' not found in the output", pattern),
                        {{"pattern", pattern}, {"problem", "required pattern missing"}}});
        worst = verdict::fail;
    }
    for (const auto& hit : scan.hits()) {
        const bool forbidden = hit.pattern < spec.must_not_match.size();
        const auto& pattern = unwanted[hit.pattern];
        r.evidence.add(
            {fmt::format("{} line {} matches {} pattern '{}': {}", hit.stream, hit.number,
                         forbidden ? "forbidden" : "error", pattern, hit.line),
             {{"pattern", pattern},
              {"problem", forbidden ? "forbidden pattern" : "error line"},
              {"stream", hit.stream},
              {"line_number", hit.number},
              {"line", hit.line}}});
        worst = verdict::fail;
    }
    return worst;
}

inline void add_pytest_items(bounded_evidence& evidence, const std::vector<pytest_item>& items,
                             const char* what) {
    for (const auto& item : items)
        evidence.add({item.message.empty() ? fmt::format("{} {}", item.id, what)
                                           : fmt::format("{} {}: {}", item.id, what, item.message),
                      {{"test", item.id}, {"problem", what}, {"message", item.message}}});
}

/// The verdict of an exited pytest run by pytest's exit statuses; `why`
/// gets what the status means, the evidence the tests and files it names.
inline verdict judge_pytest(int status, const pytest_session& s, std::string& why,
                            bounded_evidence& evidence) {
    switch (status) {
    case 0:
        if (s.counts.empty()) {
            why = "pytest: tests passed, but it printed no summary line: how many ran is unknown";
            return verdict::error;
        }
        if (s.ran() == 0) {
            why = "pytest: no test ran, every one skipped or deselected: nothing was verified";
            return verdict::error;
        }
        why = "pytest: tests passed";
        return verdict::pass;
    case 1:
        why = "pytest: tests failed";
        add_pytest_items(evidence, s.failed, "failed");
        add_pytest_items(evidence, s.errored, "errored");
        if (s.failed.empty() && s.errored.empty())
            evidence.add({"pytest named no failed test (no `FAILED` line in the output kept)",
                          {{"problem", "failed tests not named"}}});
        return verdict::fail;
    case 2:
        if (!s.uncollected.empty()) {
            why = fmt::format("pytest: interrupted: {} did not collect",
                              counted(s.uncollected.size(), "file"));
            add_pytest_items(evidence, s.uncollected, "did not collect");
            return verdict::fail;
        }
        why = s.interruption.empty() ? "pytest: interrupted"
                                     : fmt::format("pytest: interrupted: {}", s.interruption);
        return verdict::error;
    case 3:
        why = fmt::format("pytest: internal error: {}", s.internal_error);
        return verdict::error;
    case 4:
        why = fmt::format("pytest: usage error: {}", s.usage_error);
        return verdict::error;
    case 5:
        why = "pytest: no tests ran";
        return verdict::error;
    default:
        why = "not one of pytest's exit statuses: pytest may not have run";
        return verdict::error;
    }
}

} // namespace detail

ROLLCHECK_INLINE check_result check_command(const command_check_spec& spec) {
    return timed_check("command.run", [&] {
        const std::pair<const char*, const std::vector<std::string>*> lists[] = {
            {"required pattern", &spec.must_match},
            {"forbidden pattern", &spec.must_not_match},
            {"error pattern", &spec.error_patterns}};
        for (const auto& [role, patterns] : lists)
            for (const auto& pattern : *patterns)
                if (std::string why; !detail::compile_pattern(pattern, why, {}, role))
                    return check_result::error("command.run", why + "; the command was not run");
        const bool pytest =
            spec.pytest == pytest_reading::yes ||
            (spec.pytest == pytest_reading::detect && detail::runs_pytest(spec.command.argv));
        // pytest prints ERROR in its own reports: its exit status sums them up.
        auto unwanted = spec.must_not_match;
        if (!pytest)
            unwanted.insert(unwanted.end(), spec.error_patterns.begin(), spec.error_patterns.end());
        detail::line_scanner scan(spec.must_match, unwanted, spec.show);
        const auto run = detail::run_observed(
            spec.command, [&scan](int stream, std::string_view data) { scan.feed(stream, data); });
        scan.finish();

        check_result r;
        r.evidence = bounded_evidence(spec.show);
        r.totals = {{"command", run.command},
                    {"outcome", run.describe()},
                    {"stdout_bytes", run.out.total_bytes},
                    {"stderr_bytes", run.err.total_bytes}};
        if (run.status == command_status::exited) r.totals["exit_status"] = run.exit_code;

        std::string summary = fmt::format("`{}` {}", run.command, run.describe());
        verdict v = verdict::pass;
        const auto session =
            pytest ? detail::read_pytest(run.out.text(), run.err.text()) : detail::pytest_session{};
        if (run.status == command_status::failed_to_start ||
            run.status == command_status::timed_out || run.status == command_status::interrupted) {
            v = verdict::error;
        } else if (pytest && run.status == command_status::exited) {
            std::string why;
            v = detail::judge_pytest(run.exit_code, session, why, r.evidence);
            summary += fmt::format(" ({})", why);
        } else if (run.status == command_status::signaled || run.exit_code != spec.expect_exit) {
            v = verdict::fail;
            summary += fmt::format(" (expected status {})", pytest ? 0 : spec.expect_exit);
        }
        if (v != verdict::error)
            v = std::max(v, detail::check_output_patterns(spec, unwanted, scan, r));
        if (!pytest) {
            std::uint64_t errors = 0;
            for (auto i = spec.must_not_match.size(); i < unwanted.size(); ++i)
                errors += scan.lines_matching(i);
            r.totals["error_lines"] = errors;
            if (errors > 0)
                summary += fmt::format("; {} {} an error pattern", counted(errors, "line"),
                                       agreeing(errors, "matches", "match"));
        }
        if (pytest) {
            r.totals["pytest"] = session.counts;
            summary += session.counts.empty() && run.status == command_status::timed_out
                           ? "; tests: unknown, pytest printed no summary line"
                           : "; tests: " + session.describe();
        }
        detail::add_output_tail(r.evidence, run, spec.tail_lines);
        r.status = v;
        r.summary = std::move(summary);
        return r;
    });
}

} // namespace rollcheck
