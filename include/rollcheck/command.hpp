/// \file command.hpp
/// The one way rollcheck starts a process: argv without a shell (unless
/// asked), a deadline that takes down the whole process tree, and stdout and
/// stderr captured in bounded memory (head and tail kept, the middle counted).
///
/// Threads: run_command and check_command may run at once on several threads.
/// Each run takes down only what it can tie to its own program: its process
/// group, whatever it saw below the program through /proc, and the groups and
/// sessions those lead (setsid escapees). An orphan handed back to this
/// process that nothing ties to a run (a setsid escapee whose parent exited
/// before it was seen) is taken down only by a run that ends while no other
/// program is running, so while several run it may outlive its own command.
/// Not safe: changing this process's environment or working directory while
/// another thread starts a command (both are read at the start), and starting
/// children by other means (a run that ends alone takes down any child of this
/// process it did not start). Output pipes are close-on-exec, so no program
/// holds another run's output open.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "detail/inline.hpp"
#include "result.hpp"
#include "wording.hpp"

namespace rollcheck {
/// What to run and how.
struct command_spec {
    /// Program and arguments; a program without '/' is looked up on PATH.
    std::vector<std::string> argv;
    /// Where it runs; empty: this process's working directory.
    std::filesystem::path working_directory;
    /// Variables added to (or replacing those of) this process's environment.
    std::map<std::string, std::string> environment;
    /// Deadline for the whole run; at the deadline the tree gets SIGTERM, then SIGKILL.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// Time between SIGTERM and SIGKILL.
    std::chrono::milliseconds kill_grace{std::chrono::milliseconds(500)};
    /// Bytes kept per stream: the first and the last half of this many.
    std::size_t output_limit = 64 * 1024;
    /// What the program reads on stdin (from an unlinked temporary file, so
    /// a program that never reads it cannot block the run); empty: /dev/null.
    std::string input;

    /// `/bin/sh -c script`: for when a pipeline or redirection is the point.
    [[nodiscard]] static command_spec shell(std::string script) {
        command_spec spec;
        spec.argv = {"/bin/sh", "-c", std::move(script)};
        return spec;
    }
    /// argv as a person would type it, for messages (the environment, which
    /// may hold secrets, is never shown).
    [[nodiscard]] std::string display() const;
};

/// One output stream, bounded: the head and the tail, and how much there was.
struct captured_output {
    std::string head;
    std::string tail;
    std::uint64_t total_bytes = 0;

    [[nodiscard]] bool truncated() const noexcept {
        return total_bytes > head.size() + tail.size();
    }
    /// Head and tail, with a marker saying how much was left out between them.
    [[nodiscard]] std::string text() const {
        if (!truncated()) return head + tail;
        return fmt::format("{}\n[… {} bytes not kept …]\n{}", head,
                           total_bytes - head.size() - tail.size(), tail);
    }
    /// Keeps `data` within `limit` bytes in all.
    void append(const char* data, std::size_t size, std::size_t limit) {
        total_bytes += size;
        const std::size_t head_room = limit / 2 > head.size() ? limit / 2 - head.size() : 0;
        const std::size_t to_head = std::min(head_room, size);
        head.append(data, to_head);
        tail.append(data + to_head, size - to_head);
        const std::size_t tail_limit = limit - limit / 2;
        if (tail.size() > tail_limit) tail.erase(0, tail.size() - tail_limit);
    }
};

/// How a run ended.
enum class command_status {
    exited,         ///< the program exited; see exit_code
    signaled,       ///< a signal ended it; see signal
    timed_out,      ///< the deadline passed and rollcheck killed the tree
    interrupted,    ///< the run was stopped (stop.hpp) and rollcheck killed the tree
    failed_to_start ///< not found, not executable, bad working directory; see error
};

/// Everything known about a finished run.
struct command_outcome {
    std::string command; ///< command_spec::display()
    command_status status = command_status::failed_to_start;
    int exit_code = -1; ///< when status is exited
    int signal = 0;     ///< when status is signaled
    std::string error;  ///< why it failed to start; what interrupted it
    captured_output out;
    captured_output err;
    std::chrono::milliseconds elapsed{0};

    [[nodiscard]] bool succeeded() const noexcept {
        return status == command_status::exited && exit_code == 0;
    }
    /// "exited with status 3", "killed by signal 9 (Killed)", "timed out after 5000 ms".
    [[nodiscard]] std::string describe() const {
        switch (status) {
        case command_status::exited:
            return fmt::format("exited with status {}", exit_code);
        case command_status::signaled:
            return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
        case command_status::timed_out:
            return fmt::format("timed out after {}; its process tree was killed",
                               describe_span(elapsed));
        case command_status::interrupted:
            return fmt::format("interrupted by {} after {}; its process tree was killed", error,
                               describe_span(elapsed));
        case command_status::failed_to_start:
            return fmt::format("could not start: {}", error);
        }
        return "unknown";
    }
};

/// Runs `spec` to completion or to its deadline. Never throws for the
/// command's own failures: those are in the outcome.
///
/// The program runs in a process group of its own with stdin from
/// `spec.input`, or /dev/null.
/// When it exits, or at the deadline, whatever it left running (its group,
/// its descendants, orphans handed back to this process as child subreaper)
/// is terminated, so a run leaves no process behind. A stop of the run
/// (stop.hpp) kills the tree at once; after one, no command starts.
[[nodiscard]] ROLLCHECK_INLINE command_outcome run_command(const command_spec& spec);

/// Whether check_command reads a run as a pytest session.
enum class pytest_reading {
    /// When the argv runs pytest: `pytest` or `py.test` by any path (a
    /// virtualenv's `bin/pytest`), `python -m pytest` with any interpreter,
    /// either through `env`, or a `sh -c` (bash, dash, …) line with such a
    /// command in it (`cd tests && pytest -q`).
    detect,
    yes, ///< always: a wrapper that runs pytest and exits with its status
    no   ///< never: the exit status, patterns and error lines alone
};

/// The runbook's error lines: what a job prints when it fails, whatever its exit status.
inline const std::vector<std::string> runbook_error_patterns{"ERROR|CRITICAL|Traceback"};

/// What check_command runs and what it expects of the run.
///
/// Patterns (RE2) are tried on every line of stdout and stderr as the lines
/// arrive, so a line past what `output_limit` keeps is still seen; a line
/// longer than 8 KiB is matched on its first 8 KiB.
struct command_check_spec {
    /// The command, its deadline (`timeout`) and its output limit.
    command_spec command;
    /// The exit status that means success (not used for pytest, whose statuses say more).
    int expect_exit = 0;
    /// RE2 patterns each of which must match a line of stdout or stderr.
    std::vector<std::string> must_match;
    /// RE2 patterns none of which may match any line of stdout or stderr.
    std::vector<std::string> must_not_match;
    /// RE2 patterns of an error line: a job that prints one fails even when
    /// it exits 0. The runbook's by default; append the job's own markers
    /// (`"✗ Error"`), or replace them all. Not used when the run is read as
    /// pytest: its `ERROR` lines are its report, which its exit status sums up.
    std::vector<std::string> error_patterns = runbook_error_patterns;
    /// Whether the run is read as pytest's (see check_command).
    pytest_reading pytest = pytest_reading::detect;
    /// Lines of each stream's end shown as evidence.
    std::size_t tail_lines = 20;
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Runs `spec.command` through run_command and checks its exit status and
/// output ("command.run"). A command that cannot start or does not finish by
/// its deadline is an error (nothing was verified); a wrong exit status, a
/// signal, a pattern expectation not met or an error line is a failure.
///
/// A pytest run (`spec.pytest`) is judged by pytest's exit statuses: 0
/// passes when at least one test ran (all skipped or deselected verified
/// nothing: error); 1 fails naming each failed or erroring test (from the
/// `FAILED`/`ERROR` lines of its short summary); 2 fails naming each file
/// that did not collect and its exception, and is an error when nothing
/// failed to collect; 3 (internal error) and 4 (usage error) are errors
/// with pytest's own message; 5 is an error: no tests ran. The summary says
/// how many tests ran, failed, errored and were skipped; `totals.pytest`
/// holds every count of pytest's summary line.
[[nodiscard]] ROLLCHECK_INLINE check_result check_command(const command_check_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/process/command_impl.hpp"
#endif
