// Bad input: each gives a clear result in bounded time and memory: binary
// files, a 100 MB line without a newline, a file truncated or rotated while
// read, an empty, missing or unreadable file, a corrupt .gz.
#include <fstream>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/logs/patterns.hpp>
#include <rollcheck/detail/logs/scanner.hpp>
#include <rollcheck/detail/logs/source.hpp>
#include <rollcheck/detail/logs/time.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

/// A scan of one open log, as check_log_scan runs it, for tests that
/// change the file between opening and reading.
std::string scan_open_log(detail::open_log& log) {
    detail::pattern_set patterns;
    patterns.add("ERROR", detail::pattern_role::error);
    REQUIRE(patterns.compile(false).empty());
    const detail::timestamp_reader clock;
    const detail::line_clock text_clock(clock);
    const detail::scan_context ctx{patterns, text_clock, std::nullopt, false};
    detail::scan_tally tally(10, 1);
    detail::log_cursor cursor;
    cursor.name = log.name;
    cursor.fd = log.fd.get();
    try {
        detail::region_scan(ctx, cursor, tally, 0, log.size).run();
    } catch (const std::exception& e) {
        return e.what();
    }
    return fmt::format("{} error lines", tally.error_lines);
}

} // namespace

TEST_CASE("a binary file with NUL bytes is scanned as bytes and printed escaped") {
    rollcheck_test::temp_dir dir;
    std::string bytes;
    for (int i = 0; i < 4096; ++i)
        bytes += static_cast<char>(i * 7 % 256);
    const auto log =
        dir.write("core.bin", bytes + std::string("ERROR\0in binary\n", 16) + bytes).string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::fail);
    REQUIRE(r.evidence.total() == 1);
    CHECK_THAT(r.evidence.items()[0].text, Catch::Contains("ERROR\\x00in binary"));
    CHECK(nlohmann::json::parse(to_json(r).dump())["evidence"][0]["text"].get<std::string>().find(
              "ERROR\\x00in binary") != std::string::npos);
}

TEST_CASE("a 100 MB line without a newline is read in bounded memory") {
    rollcheck_test::temp_dir dir;
    const auto path = dir / "one-line.log";
    {
        std::ofstream out(path, std::ios::binary);
        const std::string mebibyte(1 << 20, 'a');
        for (int i = 0; i < 100; ++i)
            out << mebibyte;
        out << " ERROR at the very end";
    }
    const long before = rollcheck_test::peak_rss_kib();
    const auto r = check_log_scan(log_test::scan_of({path.string()}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.evidence.items()[0].text ==
          path.string() + ":1:" + std::string(1000, 'a') + " [… 104856622 more bytes]");
    if (rollcheck_test::peak_memory_is_meaningful)
        CHECK(rollcheck_test::peak_rss_kib() - before < 64 * 1024);
}

TEST_CASE("a file truncated while it is read is an error naming the point, never a pass") {
    rollcheck_test::temp_dir dir;
    const auto path = dir.write("app.log", log_test::python_log_lines(0, 20000, "line")).string();
    detail::open_log log;
    REQUIRE(detail::open_input({path, false}, log).empty());
    REQUIRE(::truncate(path.c_str(), 300000) == 0);
    CHECK(scan_open_log(log) == path + " shrank to 300000 bytes while it was read (truncated or "
                                       "rewritten in place); nothing after that point was checked");
}

TEST_CASE("a file truncated while a match's line is being located is the same error") {
    rollcheck_test::temp_dir dir;
    // the match is in the first block, its line runs past the truncation
    const auto path = dir.write("app.log", "x\nERROR " + std::string(600000, 'a') + "\n").string();
    detail::open_log log;
    REQUIRE(detail::open_input({path, false}, log).empty());
    REQUIRE(::truncate(path.c_str(), 300000) == 0);
    CHECK(scan_open_log(log) == path + " shrank to 300000 bytes while it was read (truncated or "
                                       "rewritten in place); nothing after that point was checked");
}

TEST_CASE("a file rotated away while it is read is read to its end") {
    rollcheck_test::temp_dir dir;
    const auto path = dir.write("app.log", log_test::python_log_lines(0, 20000, "line") +
                                               "2026-11-28 20:00:00,000 ERROR last line\n")
                          .string();
    detail::open_log log;
    REQUIRE(detail::open_input({path, false}, log).empty());
    std::filesystem::rename(path, path + ".1");
    dir.write("app.log", "2026-11-28 20:00:01,000 ERROR new file\n");
    CHECK(scan_open_log(log) == "1 error lines");
}

TEST_CASE("an empty file gives no data to check, which is an error") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("empty.log", "").string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "no log lines to check in " + log + ": empty");
}

TEST_CASE("a missing file, a directory and a FIFO are errors naming the file") {
    rollcheck_test::temp_dir dir;
    const auto missing = (dir / "missing.log").string();
    auto r = check_log_scan(log_test::scan_of({missing}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == missing + ": cannot open: No such file or directory");

    r = check_log_scan(log_test::scan_of({dir.path().string()}, {"ERROR"}));
    CHECK(r.summary == dir.path().string() + ": not a regular file");

    const auto fifo = (dir / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    r = check_log_scan(log_test::scan_of({fifo}, {"ERROR"})); // must not block waiting for a writer
    CHECK(r.summary == fifo + ": not a regular file");

    r = check_log_scan(log_test::scan_of({(dir / "*.nothing").string()}, {"ERROR"}));
    CHECK(r.summary == "no file matches '" + (dir / "*.nothing").string() + "'");
}

TEST_CASE("an unreadable file is an error naming the file") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("secret.log", "ERROR x\n").string();
    ::chmod(log.c_str(), 0);
    // root reads it anyway: then the scan must simply work
    const bool root = ::geteuid() == 0;
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    if (root)
        CHECK(r.status == verdict::fail);
    else
        CHECK(r.summary == log + ": cannot open: Permission denied");
}

TEST_CASE("a corrupt or cut .gz is an error saying where the data broke") {
    rollcheck_test::temp_dir dir;
    const auto plain = dir.write("app.log.1", log_test::python_log_lines(0, 5000, "line")).string();
    auto gzip = run_command(command_spec::shell("gzip -k '" + plain + "'"));
    REQUIRE(gzip.succeeded());
    const auto gz = plain + ".gz";
    const auto size = std::filesystem::file_size(gz);

    std::filesystem::resize_file(gz, size / 2);
    auto r = check_log_scan(log_test::scan_of({gz}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(gz + ": corrupt gzip data after ") &&
                              Catch::EndsWith("uncompressed bytes: unexpected end of file"));

    std::fstream f(gz, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.write("garbage-garbage-garbage", 23);
    f.close();
    r = check_log_scan(log_test::scan_of({gz}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(gz + ": corrupt gzip data after "));
}

TEST_CASE("a binary file without an error line is an error naming the file and never a pass") {
    rollcheck_test::temp_dir dir;
    std::string bytes;
    for (int i = 0; i < 4096; ++i)
        bytes += static_cast<char>(i % 64 == 63 ? '\n' : 'a' + i % 26);
    bytes[1000] = '\0';
    const auto log = dir.write("core.bin", bytes).string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith(log + ": not a text log (a NUL byte at byte 1000)"));
    CHECK(r.totals["not_text"]["byte"] == 1000);
}
