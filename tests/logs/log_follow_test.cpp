// Following logs for a bounded window while a writer thread appends and
// rotates them: by rename-and-create and by copytruncate, every line is
// read once, none lost, none repeated.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;

namespace {

enum class rotation { none, rename_and_create, copytruncate, truncate_without_copy };

/// Appends `lines` heartbeat lines (one ERROR among them) to `path`, in
/// O_APPEND mode as loggers do, rotating it halfway as asked.
class log_writer {
public:
    log_writer(std::filesystem::path path, int lines, rotation how)
        : path_(std::move(path)), lines_(lines), how_(how) {}

    void run() {
        wait_until_followed();
        std::FILE* out = std::fopen(path_.c_str(), "a");
        for (int i = 0; i < lines_; ++i) {
            if (i == lines_ / 2) out = rotate(out);
            std::fprintf(out, "2026-11-28 09:00:00,%03d INFO processed %d submissions\n", i % 1000,
                         i);
            if (i == lines_ / 3)
                std::fprintf(out, "2026-11-28 09:00:01,000 ERROR scoring failed at %d\n", i);
            std::fflush(out);
            std::this_thread::sleep_for(4ms);
        }
        std::fclose(out);
    }

private:
    /// The window opens first: until this process has the log open (the
    /// follower, which reads from the end), nothing is written.
    void wait_until_followed() const {
        const auto canonical = std::filesystem::canonical(path_);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            std::error_code ec;
            for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
                std::error_code link_ec;
                if (std::filesystem::read_symlink(fd.path(), link_ec) == canonical) {
                    std::this_thread::sleep_for(20ms); // its end is taken right after the open
                    return;
                }
            }
            std::this_thread::sleep_for(5ms);
        }
    }

    std::FILE* rotate(std::FILE* out) {
        const auto rotated = path_.string() + ".1";
        if (how_ == rotation::rename_and_create) {
            std::filesystem::rename(path_, rotated);
            // the program writes on into the renamed file until it reopens
            for (int k = 0; k < 3; ++k)
                std::fprintf(out, "2026-11-28 09:00:00,000 INFO processed late %d submissions\n",
                             k);
            std::fclose(out);
            return std::fopen(path_.c_str(), "a");
        }
        if (how_ == rotation::copytruncate) std::filesystem::copy_file(path_, rotated);
        if (how_ == rotation::copytruncate || how_ == rotation::truncate_without_copy)
            std::filesystem::resize_file(path_, 0);
        return out;
    }

    std::filesystem::path path_;
    int lines_;
    rotation how_;
};

/// A 2.5 s window on `log` that needs `heartbeats` progress lines and
/// counts lines matching `errors`.
log_follow_spec heartbeat_spec(const std::filesystem::path& log, std::size_t heartbeats,
                               std::string errors = "ERROR") {
    log_follow_spec spec;
    spec.files = {log.string()};
    spec.rules.errors = {std::move(errors)};
    spec.rules.required = {{"processed .* submissions", heartbeats}};
    spec.window = 2500ms;
    spec.poll_interval = 20ms;
    return spec;
}

/// Follows the one file of `spec` while `lines` lines are written to it.
check_result follow_while_writing(const log_follow_spec& spec, int lines, rotation how) {
    log_writer writer(spec.files.front(), lines, how);
    std::thread thread([&writer] { writer.run(); });
    auto r = check_log_follow(spec);
    thread.join();
    return r;
}

std::uint64_t heartbeat_lines(const check_result& r) {
    return r.totals["patterns"][1]["lines"];
}

} // namespace

TEST_CASE("follow sees every new line of its window, and only those") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "2026-11-28 08:00:00,000 ERROR before the window\n");
    const auto r = follow_while_writing(heartbeat_spec(log, 150), 150, rotation::none);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(heartbeat_lines(r) == 150);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log.string() +
                                   ":53:2026-11-28 09:00:01,000 ERROR scoring failed at 50"});
    CHECK_THAT(r.summary, Catch::StartsWith("1 error event (1 line) in 2.5 s of " + log.string()) &&
                              Catch::Contains("at most 0 allowed"));
}

TEST_CASE("follow survives rotation by rename-and-create without losing or repeating a line") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "");
    const auto r = follow_while_writing(heartbeat_spec(log, 200), 200, rotation::rename_and_create);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(heartbeat_lines(r) == 203); // with the three written into the renamed file
    CHECK(r.evidence.total() == 1);
    CHECK(r.totals["rotations"][0]["kind"] == "rename");
}

TEST_CASE("follow survives copytruncate rotation without losing or repeating a line") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "");
    const auto r = follow_while_writing(heartbeat_spec(log, 200), 200, rotation::copytruncate);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(heartbeat_lines(r) == 200);
    CHECK(r.evidence.total() == 1);
    CHECK(r.totals["rotations"][0]["kind"] == "copytruncate");
    CHECK(r.totals["rotations"][0]["rest_read_from"] == log.string() + ".1");
}

TEST_CASE("follow cannot pass when a truncation left no copy of what it had not read") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "");
    // No CRITICAL line is written: only the truncation can keep a pass off.
    const auto r = follow_while_writing(heartbeat_spec(log, 1, "CRITICAL"), 200,
                                        rotation::truncate_without_copy);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains(", but no copy of the truncated file at " + log.string() +
                                          ".1: lines written after byte "));
    CHECK(r.totals["rotations"][0]["kind"] == "copytruncate");
}

TEST_CASE("follow fails when the heartbeat falls short, within the window and a second") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "2026-11-28 08:00:00,000 INFO processed 5 submissions\n");
    log_follow_spec spec;
    spec.files = {log.string()};
    spec.rules.required = {{"processed [0-9]+ submissions", 1}};
    spec.window = 300ms;
    const auto r = check_log_follow(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "no error line in 300 ms of " + log.string() +
                           " (0 bytes written); required 'processed [0-9]+ submissions' matched 0 "
                           "lines, at least 1 needed");
    CHECK(r.elapsed < 1300ms);
}

TEST_CASE("follow needs a heartbeat pattern and a file it can open") {
    rollcheck_test::temp_dir dir;
    log_follow_spec spec;
    spec.files = {(dir / "app.log").string()};
    spec.rules.errors = {"ERROR"};
    auto r = check_log_follow(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "following needs a required pattern (a heartbeat): without one, a silent log would pass");

    spec.rules.required = {{"processed", 1}};
    r = check_log_follow(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == (dir / "app.log").string() + ": cannot open: No such file or directory");
}
