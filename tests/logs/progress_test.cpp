// Progress of long work: what a scan and a wait report to an installed sink,
// the line a terminal shows, and the command line under a pseudo-terminal,
// on a pipe and with --quiet.
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/converge.hpp>
#include <rollcheck/log_scan.hpp>
#include <rollcheck/progress.hpp>

#include "log_test_support.hpp"
#include "run_program.hpp"

using namespace std::chrono_literals;

namespace {

/// An event as kept by the test (the event's views last for the call only).
struct seen_event {
    std::string task, subject, note;
    rollcheck::progress_unit unit;
    std::uint64_t done, total;
    bool finished;
};

/// Collects every event while it lives.
class recorder {
public:
    recorder()
        : scope_([this](const rollcheck::progress_event& e) {
              const std::lock_guard<std::mutex> lock(mutex_);
              events_.push_back({std::string(e.task), std::string(e.subject), std::string(e.note),
                                 e.unit, e.done, e.total, e.finished});
          }) {}
    std::vector<seen_event> events() {
        const std::lock_guard<std::mutex> lock(mutex_);
        return events_;
    }

private:
    std::mutex mutex_;
    std::vector<seen_event> events_;
    rollcheck::progress_scope scope_;
};

/// `lines` lines of a job's log: about 55 bytes each.
std::string job_log(int lines) {
    std::string text;
    for (int i = 0; i < lines; ++i)
        text += "2026-11-28 09:26:24,123 INFO processed 42 submissions\n";
    return text;
}

nlohmann::json under_pty(const std::string& stderr_kind, const std::filesystem::path& input,
                         std::vector<std::string> args) {
    std::vector<std::string> argv = {
        ROLLCHECK_PTY_RUN, "--stderr", stderr_kind,  "--stdin-file", input.string(),
        "--chunks",        "15",       "--interval", "0.1",          "--",
        ROLLCHECK_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = rollcheck_test::run_program("/usr/bin/python3", argv, 60s);
    INFO(run.describe() << "\n" << run.err.text());
    REQUIRE(run.succeeded());
    return nlohmann::json::parse(run.out.text());
}

} // namespace

TEST_CASE("a log scan reports its bytes once a block to the installed sink, and ends finished",
          "[progress]") {
    rollcheck_test::temp_dir dir;
    const std::string content = job_log(20000); // 1.1 MB: five blocks
    const auto log = dir.write("job.log", content).string();
    recorder seen;
    const auto r = rollcheck::check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    CHECK(r.status == rollcheck::verdict::pass);
    const auto events = seen.events();
    REQUIRE(events.size() >= 2);
    CHECK(events.front().task == "logs.scan");
    CHECK(events.front().subject == log);
    CHECK(events.front().unit == rollcheck::progress_unit::bytes);
    CHECK(events.front().total == content.size());
    CHECK(events.front().done == 256 * 1024); // the first block, not the first line
    CHECK_FALSE(events.front().finished);
    CHECK(events.back().finished);
    CHECK(events.back().done == content.size());
}

TEST_CASE("without a sink, a scan reports nothing and the meter says nobody listens",
          "[progress]") {
    rollcheck::progress_meter meter("logs.scan", "job.log", rollcheck::progress_unit::bytes);
    CHECK_FALSE(meter.active());
    recorder seen;
    rollcheck::progress_meter watched("logs.scan", "job.log", rollcheck::progress_unit::bytes);
    CHECK(watched.active());
    meter.update(10); // made before the sink: still silent
    CHECK(seen.events().empty());
}

TEST_CASE("a check re-run until verified reports what waits, its last verdict and the time left",
          "[progress]") {
    recorder seen;
    int attempts = 0;
    rollcheck::retry_policy policy;
    policy.deadline = std::chrono::system_clock::now() + 30s;
    policy.first_delay = 300ms;
    policy.label = "the marker is back";
    const auto outcome = rollcheck::retry_until_verified(
        [&] {
            return ++attempts < 3 ? rollcheck::check_result::fail("command.run", "not yet")
                                  : rollcheck::check_result::pass("command.run", "back");
        },
        policy);
    CHECK(outcome.attempts == 3);
    const auto events = seen.events();
    REQUIRE(events.size() >= 2);
    CHECK(events.front().task == "wait");
    CHECK(events.front().subject == "the marker is back");
    CHECK_THAT(events.front().note,
               Catch::StartsWith("attempt 1: FAIL: not yet; next look in 300 ms, ") &&
                   Catch::EndsWith(" left"));
    CHECK(events.back().finished);
}

TEST_CASE("the terminal's line names the task, the amount, the share, the rate and the time",
          "[progress]") {
    rollcheck::progress_event e;
    e.task = "logs.scan";
    e.subject = "job.log";
    e.unit = rollcheck::progress_unit::bytes;
    e.done = 64ull << 20;
    e.total = 256ull << 20;
    e.elapsed = 2s;
    CHECK(rollcheck::terminal_progress::describe(e) ==
          "logs.scan: job.log: 64.0 MiB of 256.0 MiB (25%), 32.0 MiB/s [2 s]");
    e.unit = rollcheck::progress_unit::rows;
    e.done = 3000;
    e.total = 0;
    CHECK(rollcheck::terminal_progress::describe(e) ==
          "logs.scan: job.log: 3000 rows, 1500 rows/s [2 s]");
    e.task = "wait";
    e.subject = "the marker is back";
    e.unit = rollcheck::progress_unit::none;
    e.note = "attempt 2: FAIL: not yet; next look in 2 s, 40 s left";
    CHECK(rollcheck::terminal_progress::describe(e) ==
          "wait: the marker is back — attempt 2: FAIL: not yet; next look in 2 s, 40 s left [2 s]");
}

TEST_CASE("rollcheck shows a scan's progress on a terminal, and nothing on a pipe or with --quiet",
          "[progress][cli]") {
    rollcheck_test::temp_dir dir;
    // Fed in 15 pieces 0.1 s apart: reading stdin takes 1.5 s.
    const auto input = dir.write("job.log", job_log(40000));
    const std::vector<std::string> scan = {"logs", "scan", "-", "--error", "ERROR"};

    const auto shown = under_pty("pty", input, scan);
    INFO(shown.dump());
    CHECK(shown["exit"] == 0);
    CHECK_THAT(shown["stdout"].get<std::string>(), Catch::StartsWith("PASS logs.scan"));
    const auto progress = shown["stderr"].get<std::string>();
    CHECK_THAT(progress, Catch::Contains("\rlogs.scan: (stdin): reading: ") &&
                             Catch::Contains(" KiB/s [1") && Catch::EndsWith("\r\x1b[K"));

    const auto piped = under_pty("pipe", input, scan);
    CHECK(piped["exit"] == 0);
    CHECK(piped["stderr"] == "");

    auto quiet = scan;
    quiet.insert(quiet.begin(), "--quiet");
    const auto silenced = under_pty("pty", input, quiet);
    CHECK(silenced["exit"] == 0);
    CHECK(silenced["stderr"] == "");
}
