// Timestamps at the start of lines and --since: the formats recognised,
// the zone and year rules, bisection on rising logs, a line-by-line filter
// on logs that are not, and a clear error for a format not known.
#include <cstdlib>
#include <ctime>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/detail/logs/time.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;
using detail::timestamp_reader;

namespace {

/// Runs with TZ set to `zone` (restored to UTC after).
struct time_zone {
    explicit time_zone(const char* zone) {
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~time_zone() {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

std::string iso(std::optional<detail::log_millis> t) {
    return t ? detail::format_log_time(*t) : "none";
}

std::chrono::system_clock::time_point at(const std::string& text) {
    return std::chrono::system_clock::time_point(
        std::chrono::milliseconds(*timestamp_reader().whole_text(text)));
}

} // namespace

TEST_CASE("ISO 8601, Python logging, syslog and epoch seconds are read at the start of a line") {
    time_zone utc("UTC");
    const timestamp_reader clock(at("2026-11-28T12:00:00Z"));
    CHECK(iso(clock.at_line_start("2026-11-28T09:26:24Z job ok")) == "2026-11-28T09:26:24.000Z");
    CHECK(iso(clock.at_line_start("2026-11-28T09:26:24.5+02:00 x")) == "2026-11-28T07:26:24.500Z");
    CHECK(iso(clock.at_line_start("2026-11-28 09:26:24.123456-0130 x")) ==
          "2026-11-28T10:56:24.123Z");
    CHECK(iso(clock.at_line_start("2026-11-28 09:26:24,123 ERROR x")) ==
          "2026-11-28T09:26:24.123Z");
    CHECK(iso(clock.at_line_start("[2026-11-28 09:26:24] x")) == "2026-11-28T09:26:24.000Z");
    CHECK(iso(clock.at_line_start("Nov 28 09:26:24 host app[1]: x")) == "2026-11-28T09:26:24.000Z");
    CHECK(iso(clock.at_line_start("Nov  8 09:26:24 host app[1]: x")) == "2026-11-08T09:26:24.000Z");
    CHECK(iso(clock.at_line_start("1795857984.25 x")) == "2026-11-28T09:26:24.250Z");
    CHECK(iso(clock.at_line_start("  File \"x.py\", line 3")) == "none");
    CHECK(iso(clock.at_line_start("28/11/2026 09:26:24 x")) == "none");
    CHECK(iso(clock.at_line_start("2026-13-28 09:26:24 x")) == "none");
    CHECK(iso(clock.at_line_start("12345678901 digits are not a time")) == "none");
    // Ten digits past what an int holds: still seconds, not an overflow.
    CHECK(iso(clock.at_line_start("9999999999 x")) == "2286-11-20T17:46:39.000Z");
    CHECK(iso(clock.at_line_start("4294967296.5 x")) == "2106-02-07T06:28:16.500Z");
}

TEST_CASE("times without a zone are local time (TZ)") {
    time_zone berlin("Europe/Berlin");
    const timestamp_reader clock;
    CHECK(iso(clock.at_line_start("2026-11-28 10:26:24,123 x")) == "2026-11-28T09:26:24.123Z");
    CHECK(iso(clock.at_line_start("2026-07-01 10:00:00 x")) == "2026-07-01T08:00:00.000Z");
    CHECK(iso(clock.at_line_start("2026-11-28T10:26:24Z x")) == "2026-11-28T10:26:24.000Z");
}

TEST_CASE("times without a zone can be read on another clock than TZ") {
    time_zone utc("UTC");
    const timestamp_reader two_hours_ahead(at("2026-11-28T12:00:00Z"),
                                           [](std::int64_t wall) { return wall - 7200; });
    CHECK(iso(two_hours_ahead.at_line_start("2026-11-28 10:26:24,123 x")) ==
          "2026-11-28T08:26:24.123Z");
    CHECK(iso(two_hours_ahead.at_line_start("Nov 28 10:26:24 host x")) ==
          "2026-11-28T08:26:24.000Z");
    CHECK(iso(two_hours_ahead.at_line_start("2026-11-28T10:26:24+01:00 x")) ==
          "2026-11-28T09:26:24.000Z");
}

TEST_CASE("a syslog time takes the year that puts it at most a day after now") {
    time_zone utc("UTC");
    const timestamp_reader new_year(at("2027-01-02T08:00:00Z"));
    CHECK(iso(new_year.at_line_start("Dec 31 23:59:00 host x")) == "2026-12-31T23:59:00.000Z");
    CHECK(iso(new_year.at_line_start("Jan  2 07:00:00 host x")) == "2027-01-02T07:00:00.000Z");
    CHECK(iso(new_year.at_line_start("Jan  3 07:00:00 host x")) == "2027-01-03T07:00:00.000Z");
    CHECK(iso(new_year.at_line_start("Jan  4 07:00:00 host x")) == "2026-01-04T07:00:00.000Z");
}

TEST_CASE(
    "since on a rising log starts at the first line at or after the time, found by bisection") {
    time_zone utc("UTC");
    rollcheck_test::temp_dir dir;
    std::string text = log_test::python_log_lines(0, 1799, "processed batch");
    text += "2026-11-28 09:29:59,000 ERROR before the rollback\n"
            "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'old'\n";
    const auto since_offset = text.size();
    text += "2026-11-28 09:30:00,000 INFO rolled back\n";
    text += "2026-11-28 09:30:01,000 ERROR after the rollback\n"
            "Traceback (most recent call last):\n  File \"a.py\", line 2\nValueError: new\n";
    text += log_test::python_log_lines(1802, 1798, "processed batch");
    const auto log = dir.write("app.log", text).string();

    auto spec = log_test::scan_of({log}, {"ERROR|Traceback|Error"});
    spec.since = at("2026-11-28 09:30:00");
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("1 error event (3 lines) in " + log));
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              log + ":1805:2026-11-28 09:30:01,000 ERROR after the rollback",
              log + ":1806:Traceback (most recent call last):  ⇒ line 1808: ValueError: new",
              log + ":1808:ValueError: new"});
    CHECK(r.totals["files"][0]["from_byte"] == since_offset);
    CHECK(r.totals["since"] == "2026-11-28T09:30:00.000Z");
    CHECK(r.totals["time_range"]["from"] == "2026-11-28T09:30:00.000Z");
    CHECK(r.totals["time_range"]["to"] == "2026-11-28T09:59:59.000Z");
    CHECK(r.totals["bytes_scanned"] == text.size() - since_offset);
}

TEST_CASE("since on a log whose times go back and forth filters line by line") {
    time_zone utc("UTC");
    rollcheck_test::temp_dir dir;
    const auto log =
        dir.write("mixed.log", "2026-11-28 09:40:00,000 ERROR late one, written first\n"
                               "2026-11-28 09:00:00,000 ERROR early\n" +
                                   log_test::python_log_lines(0, 2000, "filler") +
                                   "2026-11-28 09:10:00,000 ERROR early again\n")
            .string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.since = at("2026-11-28T09:30:00Z");
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(
        log_test::evidence_texts(r) ==
        std::vector<std::string>{log + ":1:2026-11-28 09:40:00,000 ERROR late one, written first"});
    CHECK(r.totals["files"][0]["from_byte"] == 0);
}

TEST_CASE("since on a log with timestamps it does not know is an error, not a guess") {
    rollcheck_test::temp_dir dir;
    const auto log =
        dir.write("odd.log", "28/11/2026 09:26:24 ERROR x\n28/11/2026 09:26:25 INFO y\n").string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.since = at("2026-11-28T09:00:00Z");
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == log + ": no timestamp in the 64 lines from byte 0 that this scanner knows "
                             "(ISO 8601, Python logging, syslog, epoch seconds): cannot tell which "
                             "lines are since 2026-11-28T09:00:00.000Z");
}

TEST_CASE("since after the last line leaves nothing to check, which is an error") {
    time_zone utc("UTC");
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", log_test::python_log_lines(0, 10, "x")).string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.since = at("2026-11-28T10:00:00Z");
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "no log lines to check in " + log + ": no line at or after 2026-11-28T10:00:00.000Z");
}
