// Inputs: globs, rotated siblings oldest first (FILE.N and FILE.N.gz read
// through zlib), several files in one check.
#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/logs/time.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

void gzip(const std::filesystem::path& file) {
    REQUIRE(run_command(command_spec::shell("gzip '" + file.string() + "'")).succeeded());
}

} // namespace

TEST_CASE("rotated siblings are read oldest first, .gz through zlib, only when asked") {
    rollcheck_test::temp_dir dir;
    dir.write("app.log.2", "2026-11-26 10:00:00,000 ERROR oldest\n");
    gzip(dir / "app.log.2");
    dir.write("app.log.1", "2026-11-27 10:00:00,000 ERROR older\n");
    dir.write("app.log.10", "2026-11-20 10:00:00,000 ERROR ancient\n");
    dir.write("app.log.old", "2026-11-27 10:00:00,000 ERROR not a rotation\n");
    const auto log = dir.write("app.log", "2026-11-28 10:00:00,000 ERROR current\n").string();

    auto spec = log_test::scan_of({log}, {"ERROR"});
    auto r = check_log_scan(spec);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log + ":1:2026-11-28 10:00:00,000 ERROR current"});

    spec.rotated = true;
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log + ".10:1:2026-11-20 10:00:00,000 ERROR ancient",
                                   log + ".2.gz:1:2026-11-26 10:00:00,000 ERROR oldest",
                                   log + ".1:1:2026-11-27 10:00:00,000 ERROR older",
                                   log + ":1:2026-11-28 10:00:00,000 ERROR current"});
    CHECK_THAT(r.summary,
               Catch::StartsWith("4 error events (4 lines) in 4 files (149 bytes, "
                                 "2026-11-20T10:00:00.000Z to 2026-11-28T10:00:00.000Z)"));
    CHECK(r.totals["files"].size() == 4);
}

TEST_CASE("since applies to rotated and compressed siblings too") {
    rollcheck_test::temp_dir dir;
    dir.write("app.log.1",
              log_test::python_log_lines(0, 3000, "old") + "2026-11-28 10:00:00,000 ERROR in .1\n");
    gzip(dir / "app.log.1");
    const auto log = dir.write("app.log", "2026-11-28 10:00:01,000 INFO current\n").string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.rotated = true;
    spec.since = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(*detail::timestamp_reader().whole_text("2026-11-28T09:59:00Z")));
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log + ".1.gz:3001:2026-11-28 10:00:00,000 ERROR in .1"});
}

TEST_CASE("globs expand to every matching file, in name order") {
    rollcheck_test::temp_dir dir;
    dir.write("b-worker.log", "ERROR in b\n");
    dir.write("a-worker.log", "ERROR in a\n");
    dir.write("notes.txt", "ERROR not a log\n");
    const auto r = check_log_scan(log_test::scan_of({(dir / "*-worker.log").string()}, {"ERROR"}));
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{(dir / "a-worker.log").string() + ":1:ERROR in a",
                                   (dir / "b-worker.log").string() + ":1:ERROR in b"});
}

TEST_CASE("a large file compressed by gzip is read in bounded blocks with exact line numbers") {
    rollcheck_test::temp_dir dir;
    std::string text = log_test::python_log_lines(0, 40000, "processed batch");
    text += "2026-11-28 20:00:00,000 CRITICAL disk full\n";
    dir.write("big.log.1", text);
    gzip(dir / "big.log.1");
    auto spec = log_test::scan_of({(dir / "big.log.1.gz").string()}, {"CRITICAL"});
    spec.rules.required = {{"processed batch", 40000}};
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.evidence.items()[0].data["line"] == 40001);
    CHECK(r.totals["bytes_scanned"] == text.size());
    CHECK_THAT(r.summary, Catch::EndsWith("; required 'processed batch' matched 40000 lines"));
}
