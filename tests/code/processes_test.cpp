// The process verifier against real child processes: counts, absence,
// waiting for a process to start or to die, processes that vanish mid-read.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <re2/re2.h>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/processes.hpp>

#include "code_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::worker;

namespace {

/// Waits until `n` processes match `token` (the workers start on threads).
void wait_for(const std::string& token, std::size_t n) {
    process_spec spec;
    spec.pattern = token;
    spec.expect = process_expectation::exactly;
    spec.count = n;
    spec.wait = 5s;
    REQUIRE_VERDICT(check_processes(spec), verdict::pass);
}

} // namespace

TEST_CASE("running processes are counted, with pid, user, start time and command line") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("pipeline");
    worker a(dir, token), b(dir, token);
    wait_for(token, 2);

    process_spec spec;
    spec.pattern = token + "$";
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "proc.running");
    CHECK(r.summary == "2 processes match '" + token + "$' (at least 1 expected)");
    REQUIRE(r.evidence.items().size() == 2);
    const auto& first = r.evidence.items()[0];
    CHECK_THAT(first.text, Catch::Matches("pid [0-9]+ user root started "
                                          "20[0-9-]+T[0-9:]+Z: /usr/bin/python3 -c import .* " +
                                          token));
    CHECK(first.data["user"] == "root");
    // Started within the last minute: start times are read from /proc/PID/stat's starttime.
    const auto now = std::time(nullptr);
    const auto started = detail::start_time(detail::read_proc_stat(first.data["pid"])->start_ticks);
    CHECK(started <= now);
    CHECK(started > now - 60);

    spec.expect = process_expectation::exactly;
    spec.count = 1;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "2 processes match '" + token + "$' (exactly 1 expected)");

    spec.expect = process_expectation::none;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.check == "proc.absent");
    CHECK(r.summary == "2 processes match '" + token + "$' (none expected)");
}

TEST_CASE("absent processes pass, and this process's own command line never matches") {
    std::string own;
    for (const auto& arg : detail::read_proc_cmdline(::getpid()))
        own += (own.empty() ? "" : " ") + arg;
    process_spec spec;
    spec.pattern = "^" + RE2::QuoteMeta(own) + "$";
    spec.expect = process_expectation::none;
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::StartsWith("0 processes match"));

    spec.expect = process_expectation::at_least;
    spec.pattern = rollcheck_test::unique_name("nothing_runs_this");
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "0 processes match '" + spec.pattern + "' (at least 1 expected)");
}

TEST_CASE("waiting: a process that dies or starts within the deadline passes") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("unified");
    process_spec spec;
    spec.pattern = token;
    spec.wait = 5s;
    SECTION("a process that takes a while to die") {
        worker w(dir, token);
        wait_for(token, 1);
        std::thread stopper([&w] {
            std::this_thread::sleep_for(300ms);
            w.stop();
        });
        spec.expect = process_expectation::none;
        const auto r = check_processes(spec);
        stopper.join();
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.totals["looks"] > 1);
        CHECK(r.elapsed < 3s);
    }
    SECTION("a process that takes a while to start") {
        worker w(dir, token, 300ms);
        const auto r = check_processes(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.elapsed >= 250ms);
    }
}

TEST_CASE("waiting ends at the deadline with a failure naming what still runs") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("stubborn");
    worker w(dir, token);
    wait_for(token, 1);
    process_spec spec;
    spec.pattern = token;
    spec.expect = process_expectation::none;
    spec.wait = 400ms;
    const auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 process matches '" + token + "' (none expected) after waiting 400 ms");
    CHECK(r.elapsed < 1s);
}

TEST_CASE("processes that vanish while /proc is read are left out, not errors") {
    rollcheck_test::process_mark mark;
    const auto token = rollcheck_test::unique_name("flicker");
    std::atomic<bool> done{false};
    std::thread churn([&] {
        auto spec = command_spec::shell("while true; do /bin/true " + token + "; done");
        spec.timeout = 1500ms;
        (void)run_command(spec);
        done = true;
    });
    process_spec spec;
    spec.pattern = "^/bin/true " + token;
    spec.expect = process_expectation::none;
    int looks = 0;
    while (!done) {
        const auto r = check_processes(spec);
        INFO(r.summary);
        CHECK((r.status == verdict::pass || r.status == verdict::fail));
        ++looks;
    }
    churn.join();
    CHECK(looks > 3);
    CHECK(mark.marked_processes().empty());
    CHECK(detail::read_proc_cmdline(999999999).empty());
    CHECK_FALSE(detail::read_proc_uid(999999999).has_value());
}

TEST_CASE("control characters in a command line stay on one line of evidence") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("multi\nline");
    worker w(dir, token);
    wait_for(token, 1);
    process_spec spec;
    spec.pattern = token;
    const auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    const auto& item = r.evidence.items().at(0);
    CHECK_THAT(item.text, Catch::EndsWith(" multi\\x0aline" + token.substr(token.find('_'))));
    CHECK(item.data["command_line"].get<std::string>().find(token) != std::string::npos);
}

TEST_CASE("a missing or invalid pattern is an error") {
    process_spec spec;
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "no pattern given");
    spec.pattern = "[unclosed";
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "pattern '[unclosed' is not a valid RE2 regular expression: missing ]: [unclosed");
}
