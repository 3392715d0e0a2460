// The command runner against real processes: deadlines that take down the
// whole tree, bounded capture, exit codes and signals, clear start failures.
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <rollcheck/command.hpp>

#include "process_mark.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;

TEST_CASE("arguments reach the program as they are, without a shell") {
    command_spec spec;
    spec.argv = {"printf", "%s|", "a b", "$HOME", "*"};
    const auto r = run_command(spec);
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out.text() == "a b|$HOME|*|");
    CHECK(r.command == "printf '%s|' 'a b' '$HOME' '*'");
}

TEST_CASE("exit status, stderr, working directory and added environment are reported") {
    rollcheck_test::temp_dir dir;
    auto spec = command_spec::shell("pwd; echo \"$GREETING\" >&2; exit 3");
    spec.working_directory = dir.path();
    spec.environment["GREETING"] = "hello";
    const auto r = run_command(spec);
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 3);
    CHECK_FALSE(r.succeeded());
    CHECK(r.out.text() == std::filesystem::canonical(dir.path()).string() + "\n");
    CHECK(r.err.text() == "hello\n");
    CHECK(r.describe() == "exited with status 3");
}

TEST_CASE("a program killed by a signal reports the signal") {
    const auto r = run_command(command_spec::shell("kill -SEGV $$"));
    REQUIRE(r.status == command_status::signaled);
    CHECK(r.signal == SIGSEGV);
    CHECK_THAT(r.describe(), Catch::StartsWith("killed by signal 11"));
}

TEST_CASE("a program that cannot start says why") {
    rollcheck_test::temp_dir dir;
    command_spec spec;

    spec.argv = {"rollcheck-no-such-program-xyz"};
    auto r = run_command(spec);
    CHECK(r.status == command_status::failed_to_start);
    CHECK(r.describe() == "could not start: 'rollcheck-no-such-program-xyz' not found on PATH");

    const auto script = dir.write("not-executable.sh", "#!/bin/sh\necho hi\n");
    spec.argv = {script.string()};
    r = run_command(spec);
    CHECK(r.status == command_status::failed_to_start);
    CHECK_THAT(r.error, Catch::Contains("is not executable"));

    spec.argv = {dir.path().string()};
    r = run_command(spec);
    CHECK(r.status == command_status::failed_to_start);
    CHECK_THAT(r.error, Catch::Contains("is a directory"));

    spec.argv = {"true"};
    spec.working_directory = dir / "missing";
    r = run_command(spec);
    CHECK(r.status == command_status::failed_to_start);
    CHECK_THAT(r.error, Catch::Contains("is not a directory"));

    spec = command_spec{};
    r = run_command(spec);
    CHECK(r.status == command_status::failed_to_start);
}

TEST_CASE("the deadline kills the whole process group: sh -c 'sleep 100 & sleep 100'") {
    rollcheck_test::process_mark mark;
    auto spec = command_spec::shell("sleep 100 & sleep 100");
    spec.timeout = 1s;
    const auto r = run_command(spec);
    CHECK(r.status == command_status::timed_out);
    CHECK(r.elapsed < spec.timeout + 1s);
    CHECK(mark.marked_processes().empty());
    CHECK_THAT(r.describe(), Catch::StartsWith("timed out after"));
}

TEST_CASE("a program that ignores SIGTERM is killed after the grace period") {
    rollcheck_test::process_mark mark;
    auto spec = command_spec::shell("trap '' TERM; echo ready; sleep 100; sleep 100");
    spec.timeout = 500ms;
    spec.kill_grace = 300ms;
    const auto r = run_command(spec);
    CHECK(r.status == command_status::timed_out);
    CHECK(r.elapsed < spec.timeout + 1s);
    CHECK(r.out.text() == "ready\n");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("what a program leaves running when it exits is taken down too") {
    rollcheck_test::process_mark mark;
    auto spec = command_spec::shell("sleep 100 & echo started");
    const auto r = run_command(spec);
    REQUIRE(r.status == command_status::exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out.text() == "started\n");
    CHECK(r.elapsed < 2s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a grandchild that leaves the group with setsid is still taken down") {
    rollcheck_test::process_mark mark;
    SECTION("its parent still runs at the deadline") {
        auto spec = command_spec::shell("setsid sleep 100 & sleep 100");
        spec.timeout = 700ms;
        const auto r = run_command(spec);
        CHECK(r.status == command_status::timed_out);
    }
    SECTION("its parent exits at once, leaving it an orphan") {
        auto spec = command_spec::shell("setsid sleep 100 & exit 0");
        const auto r = run_command(spec);
        CHECK(r.status == command_status::exited);
        CHECK(r.elapsed < 2s);
    }
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("200 MB of output stays bounded: head and tail kept, all counted") {
    const long before = rollcheck_test::peak_rss_kib();
    auto spec =
        command_spec::shell("head -c 200000000 /dev/zero | tr '\\0' 'x'; echo; echo last line");
    spec.output_limit = 64 * 1024;
    const auto r = run_command(spec);
    REQUIRE(r.status == command_status::exited);
    CHECK(r.out.total_bytes == 200000000 + 1 + 10);
    CHECK(r.out.truncated());
    CHECK(r.out.head.size() + r.out.tail.size() == spec.output_limit);
    CHECK(r.out.head == std::string(32 * 1024, 'x'));
    CHECK_THAT(r.out.tail, Catch::EndsWith("xxx\nlast line\n"));
    CHECK_THAT(r.out.text(), Catch::Contains("bytes not kept"));
    // Peak memory grows by far less than the output (the limit is a few MB).
    if (rollcheck_test::peak_memory_is_meaningful)
        CHECK(rollcheck_test::peak_rss_kib() - before < 16 * 1024);
}

TEST_CASE("large output on both streams at once does not deadlock") {
    auto spec = command_spec::shell(
        "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero");
    spec.timeout = 20s;
    const auto r = run_command(spec);
    REQUIRE(r.status == command_status::exited);
    CHECK(r.out.total_bytes == 6000000);
    CHECK(r.err.total_bytes == 3000000);
}

TEST_CASE("a program that closes its output but keeps running still meets the deadline") {
    rollcheck_test::process_mark mark;
    auto spec = command_spec::shell("exec >/dev/null 2>&1; sleep 100");
    spec.timeout = 500ms;
    const auto r = run_command(spec);
    CHECK(r.status == command_status::timed_out);
    CHECK(r.elapsed < spec.timeout + 1s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a program one thread starts is never taken down by another thread's command") {
    std::atomic<bool> done{false};
    std::vector<command_outcome> slow_runs;
    std::thread slow([&] {
        command_spec spec;
        spec.argv = {"sleep", "0.2"};
        for (int i = 0; i < 15; ++i)
            slow_runs.push_back(run_command(spec));
        done = true;
    });
    command_spec quick;
    quick.argv = {"true"};
    int quick_runs = 0;
    while (!done) {
        CHECK(run_command(quick).status == command_status::exited);
        ++quick_runs;
    }
    slow.join();
    INFO(quick_runs << " quick runs beside them");
    for (const auto& r : slow_runs) {
        CHECK(r.status == command_status::exited);
        CHECK(r.exit_code == 0);
    }
}

namespace {

/// Whether `pid` is still the process that started at `start_ticks` and has not exited.
bool still_running(pid_t pid, unsigned long long start_ticks) {
    const auto s = detail::read_proc_stat(pid);
    return ::kill(pid, 0) == 0 && s && s->start_ticks == start_ticks && s->state != 'Z';
}

/// Waits until `condition` holds, or `limit` passes; returns whether it held.
template <typename Condition>
bool wait_for(Condition condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

/// The pid a command wrote to `file` (written whole, then renamed into place).
pid_t read_pid(const std::filesystem::path& file) {
    std::ifstream in(file);
    pid_t pid = 0;
    in >> pid;
    return pid;
}

} // namespace

TEST_CASE("an orphan one thread's command leaves is taken down with that command, not with "
          "another thread's") {
    rollcheck_test::process_mark mark;
    rollcheck_test::temp_dir dir;
    // The inner shell exits at once, so the helper is orphaned and handed to
    // this process as subreaper; the command runs on until the test releases it.
    const std::string helper = GENERATE("sleep 30", "setsid sleep 30");
    auto first =
        command_spec::shell("sh -c '" + helper +
                            " >/dev/null 2>&1 & echo $! >helper.tmp && mv helper.tmp helper.pid';"
                            " while [ ! -e release ]; do sleep 0.02; done");
    first.working_directory = dir.path();
    first.timeout = 30s;
    command_outcome first_outcome;
    std::thread first_thread([&] { first_outcome = run_command(first); });

    const auto pid_file = dir / "helper.pid";
    pid_t helper_pid = 0;
    unsigned long long helper_start = 0;
    const bool orphaned = wait_for(
        [&] {
            helper_pid = std::filesystem::exists(pid_file) ? read_pid(pid_file) : 0;
            const auto s = helper_pid > 0 ? detail::read_proc_stat(helper_pid) : std::nullopt;
            if (s) helper_start = s->start_ticks;
            return s && s->ppid == ::getpid();
        },
        10s);
    INFO(helper << ": helper pid " << helper_pid);

    const auto second = run_command(command_spec::shell("exit 0"));
    CHECK(second.status == command_status::exited);
    const bool survived_second = orphaned && still_running(helper_pid, helper_start);

    dir.write("release", "");
    first_thread.join();
    REQUIRE(orphaned);
    CHECK(survived_second);
    CHECK(first_outcome.status == command_status::exited);
    CHECK(first_outcome.exit_code == 0);
    // Left alone, the helper would sleep on well past this deadline.
    CHECK(wait_for([&] { return !still_running(helper_pid, helper_start); }, 10s));
    CHECK(wait_for([&] { return mark.marked_processes().empty(); }, 10s));
}
