// The resume state: a second run reads only what is new, keeps exact line
// numbers, and notices rotation (even into .gz) and truncation in between.
#include <fstream>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

void append(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::app | std::ios::binary) << text;
}

struct resumed_scan {
    rollcheck_test::temp_dir dir;
    std::filesystem::path log = dir / "app.log";
    log_scan_spec spec = log_test::scan_of({log.string()}, {"ERROR"});

    resumed_scan() {
        spec.state_file = dir / "state.json";
        spec.rotated = true;
    }
    check_result run() { return check_log_scan(spec); }
    std::string resume_note(const check_result& r, std::size_t file = 0) {
        return r.totals["files"][file]["resume"].get<std::string>();
    }
};

} // namespace

TEST_CASE("a second run reads only the lines added since the first, with their real numbers") {
    resumed_scan s;
    s.dir.write("app.log",
                log_test::python_log_lines(0, 100, "ok") + "2026-11-28 09:01:40,000 ERROR first\n");
    auto r = s.run();
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(s.resume_note(r) == "not seen by the last run: read from the start");

    append(s.log, "2026-11-28 09:01:41,000 INFO fine\n2026-11-28 09:01:42,000 ERROR second\n");
    r = s.run();
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{s.log.string() + ":103:2026-11-28 09:01:42,000 ERROR second"});
    CHECK(s.resume_note(r) == "continued from byte 3526");
    CHECK(r.totals["bytes_scanned"] == 71);

    r = s.run();
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "no log lines to check in " + s.log.string() + ": nothing new since the last run");
}

TEST_CASE("after rotation the old file is finished from where the last run stopped") {
    resumed_scan s;
    s.dir.write("app.log", log_test::python_log_lines(0, 10, "ok"));
    REQUIRE_VERDICT(s.run(), verdict::pass);

    append(s.log, "2026-11-28 09:00:10,000 ERROR written before the rotation\n");
    std::filesystem::rename(s.log, s.dir / "app.log.1");
    REQUIRE(run_command(command_spec::shell("gzip '" + (s.dir / "app.log.1").string() + "'"))
                .succeeded());
    s.dir.write("app.log", "2026-11-28 09:00:11,000 ERROR written after\n");
    const auto r = s.run();
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              s.log.string() + ".1.gz:11:2026-11-28 09:00:10,000 ERROR written before the rotation",
              s.log.string() + ":1:2026-11-28 09:00:11,000 ERROR written after"});
    CHECK(s.resume_note(r, 0) == "continued from byte 340 (it was " + s.log.string() + ")");
    CHECK(s.resume_note(r, 1) == "rotated, truncated or rewritten since the last run (its first "
                                 "bytes differ): read from the start");
}

TEST_CASE("a truncated file is read again from the start, and the run says so") {
    resumed_scan s;
    s.dir.write("app.log", log_test::python_log_lines(0, 10, "ok"));
    REQUIRE_VERDICT(s.run(), verdict::pass);

    std::filesystem::resize_file(s.log, 0);
    append(s.log, "2026-11-28 10:00:00,000 ERROR after copytruncate\n");
    const auto r = s.run();
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{s.log.string() +
                                   ":1:2026-11-28 10:00:00,000 ERROR after copytruncate"});
    CHECK(s.resume_note(r) == "rotated, truncated or rewritten since the last run (its first bytes "
                              "differ): read from the start");
}

TEST_CASE("a state file that is not one is an error, and the state is not written on error") {
    resumed_scan s;
    s.dir.write("app.log", "2026-11-28 10:00:00,000 INFO ok\n");
    s.dir.write("state.json", "{\"logs\": 3}");
    auto r = s.run();
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("state file " + s.spec.state_file.string() +
                                            ": not a rollcheck log state: "));

    std::filesystem::remove(s.spec.state_file);
    s.spec.files.push_back((s.dir / "missing.log").string());
    r = s.run();
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_FALSE(std::filesystem::exists(s.spec.state_file));
}
