// Times and durations as operators write them (time.hpp), and the wording
// every summary shares for counts, spans and sizes (wording.hpp). Times
// without a zone are local: ctest runs this with TZ=UTC.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <rollcheck/time.hpp>
#include <rollcheck/wording.hpp>

using namespace rollcheck;
using namespace std::chrono_literals;

namespace {

/// A fixed "now" for syslog's missing year and for durations before now.
const time_point noon = time_point(1795867200s); // 2026-11-28T12:00:00Z

/// `text` read by parse_time and written back in UTC, or why it was refused.
std::string utc(const std::string& text, time_point now = noon) {
    std::string why;
    const auto t = parse_time(text, why, now);
    return t ? format_utc(*t) : why;
}

std::string duration_why(const std::string& text) {
    std::string why;
    CHECK_FALSE(parse_duration(text, why));
    return why;
}

} // namespace

TEST_CASE("durations: a number and a unit, or several parts together") {
    std::string why;
    CHECK(parse_duration("250ms", why) == 250ms);
    CHECK(parse_duration("90s", why) == 90s);
    CHECK(parse_duration("15m", why) == 15min);
    CHECK(parse_duration("15min", why) == 15min);
    CHECK(parse_duration("1h30m", why) == 90min);
    CHECK(parse_duration("7d", why) == 168h);
    CHECK(parse_duration("1d2h3m4s5ms", why) == 26h + 3min + 4s + 5ms);
    CHECK(why.empty());
}

TEST_CASE("a text that is not a duration is refused, saying what a duration looks like") {
    CHECK(duration_why("") == "empty duration");
    CHECK(duration_why("5") == "'5' is not a duration (like 90s, 15m, 1h, 7d)");
    CHECK(duration_why("h") == "'h' is not a duration (like 90s, 15m, 1h, 7d)");
    CHECK(duration_why("5x") == "'5x': unknown unit 'x' (ms, s, m, h, d)");
    CHECK(duration_why("1h 30m") == "'1h 30m' is not a duration (like 90s, 15m, 1h, 7d)");
    CHECK(duration_why("-5m") == "'-5m' is not a duration (like 90s, 15m, 1h, 7d)");
    // Twelve digits of days would overflow milliseconds: refused, never wrapped.
    CHECK(duration_why("999999999999d") == "'999999999999d' is longer than 100 years");
    CHECK(duration_why("36500d1ms") == "'36500d1ms' is longer than 100 years");
    std::string why;
    CHECK(parse_duration("36500d", why) == 876000h);
}

TEST_CASE("ISO 8601 as people write it: T or a space, fractions, Z or an offset") {
    CHECK(utc("2026-11-28T09:26:24Z") == "2026-11-28T09:26:24.000Z");
    CHECK(utc("2026-11-28 09:26:24+01:00") == "2026-11-28T08:26:24.000Z");
    CHECK(utc("2026-11-28T09:26:24.250Z") == "2026-11-28T09:26:24.250Z");
    CHECK(utc("2026-11-28T09:26:24-0530") == "2026-11-28T14:56:24.000Z");
    CHECK(utc("2026-11-28T09:26:24+05") == "2026-11-28T04:26:24.000Z");
    CHECK(utc("2026-11-28T09:26Z") == "2026-11-28T09:26:00.000Z");
    // Without a zone: local time (UTC here).
    CHECK(utc("2026-11-28T09:26:24") == "2026-11-28T09:26:24.000Z");
}

TEST_CASE("Python logging, syslog, epoch seconds and a date alone") {
    CHECK(utc("2026-11-28 09:26:24,123") == "2026-11-28T09:26:24.123Z");
    CHECK(utc("Nov 28 09:26:24") == "2026-11-28T09:26:24.000Z");
    CHECK(utc("Nov  2 09:26:24") == "2026-11-02T09:26:24.000Z");
    // Syslog has no year: the one that puts the time at most a day after now.
    CHECK(utc("Nov 30 09:26:24") == "2025-11-30T09:26:24.000Z");
    CHECK(utc("Nov 29 09:26:24") == "2026-11-29T09:26:24.000Z");
    CHECK(utc("1795857984") == "2026-11-28T09:26:24.000Z");
    CHECK(utc("1795857984.5") == "2026-11-28T09:26:24.500Z");
    CHECK(utc("2026-11-28") == "2026-11-28T00:00:00.000Z");
    CHECK(utc("2026-11-28 ") == "2026-11-28T00:00:00.000Z");
}

TEST_CASE("a text that is not a time is refused, with examples of what is") {
    const std::string examples = " is not a time (like 2026-11-28T09:26:24Z, '2026-11-28 "
                                 "09:26:24', 'Nov 28 09:26:24', 1795857984)";
    for (const std::string text :
         {"", "yesterday", "2026-11-28T25:00", "2026-13-01", "2026-11-28T09:26:24Zjunk", "12345",
          "2026-11-28T09:26:24+15:00", "Foo 28 09:26:24", "28/11/2026", "2026-02-29", "2100-02-29",
          "2026-04-31 10:00:00,000", "Feb 30 10:00:00"})
        CHECK(utc(text) == "'" + text + "'" + examples);
    CHECK(utc("2028-02-29") == "2028-02-29T00:00:00.000Z");
    CHECK(utc("2000-02-29T12:00Z") == "2000-02-29T12:00:00.000Z");
    // A real date that a time_point (nanoseconds in 64 bits) cannot hold is
    // refused, not wrapped into another century.
    const std::string range = " is out of range: a time must lie between the years 1678 and 2261";
    CHECK(utc("4052-11-28T09:00:00Z") == "'4052-11-28T09:00:00Z'" + range);
    CHECK(utc("1013-12-15") == "'1013-12-15'" + range);
    CHECK(utc("9999999999") == "'9999999999'" + range);
    CHECK(utc("2261-12-31T23:59:59Z") == "2261-12-31T23:59:59.000Z");
}

TEST_CASE("since: a time, or a duration meaning that long before now") {
    std::string why;
    CHECK(format_utc(*parse_since("30m", why, noon)) == "2026-11-28T11:30:00.000Z");
    CHECK(format_utc(*parse_since("1h30m", why, noon)) == "2026-11-28T10:30:00.000Z");
    CHECK(format_utc(*parse_since("7d", why, noon)) == "2026-11-21T12:00:00.000Z");
    CHECK(format_utc(*parse_since("2026-11-28T09:00:00Z", why, noon)) ==
          "2026-11-28T09:00:00.000Z");
    CHECK(why.empty());
    CHECK_FALSE(parse_since("soon", why, noon));
    CHECK(why == "'soon' is not a time (like 2026-11-28T09:26:24Z, '2026-11-28 09:26:24', 'Nov "
                 "28 09:26:24', 1795857984) nor a duration (like 30m: that long ago)");
    // Without a given now, the clock's.
    const auto before = std::chrono::system_clock::now();
    const auto since = parse_since("1h", why);
    CHECK(*since >= before - 1h);
    CHECK(*since <= std::chrono::system_clock::now() - 1h);
}

TEST_CASE("format_utc writes ISO 8601 in UTC to the millisecond") {
    CHECK(format_utc(time_point{}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_utc(time_point(1795857984123ms)) == "2026-11-28T09:26:24.123Z");
    CHECK(format_utc(time_point(1795857984123456us)) == "2026-11-28T09:26:24.123Z");
}

TEST_CASE("describe_span: milliseconds, seconds, then the two largest units") {
    CHECK(describe_span(0ms) == "0 ms");
    CHECK(describe_span(999ms) == "999 ms");
    CHECK(describe_span(1s) == "1 s");
    CHECK(describe_span(4500ms) == "4.5 s");
    CHECK(describe_span(59900ms) == "59.9 s");
    CHECK(describe_span(59999ms) == "59.9 s"); // rounded down, never "60.0 s"
    CHECK(describe_span(60s) == "1m");
    CHECK(describe_span(12min + 5s) == "12m 5s");
    CHECK(describe_span(12min + 5s + 999ms) == "12m 5s");
    CHECK(describe_span(3h) == "3h");
    CHECK(describe_span(3h + 40min + 59s) == "3h 40m");
    CHECK(describe_span(24h) == "1d");
    CHECK(describe_span(51h + 59min) == "2d 3h");
    CHECK(describe_span(-4500ms) == "4.5 s");
    CHECK(describe_span(-(12min + 5s)) == "12m 5s");
    // Seconds as the database reports ages.
    CHECK(describe_span(0.25) == "250 ms");
    CHECK(describe_span(4.5) == "4.5 s");
    CHECK(describe_span(-90.0) == "1m 30s");
}

TEST_CASE("counted and agreeing: one item reads as one") {
    CHECK(counted(1, "row") == "1 row");
    CHECK(counted(0, "row") == "0 rows");
    CHECK(counted(2, "row") == "2 rows");
    CHECK(counted(1, "entry", "entries") == "1 entry");
    CHECK(counted(3, "entry", "entries") == "3 entries");
    CHECK(counted(1, "row has", "rows have") == "1 row has");
    CHECK(agreeing(1, "is", "are") == "is");
    CHECK(agreeing(0, "is", "are") == "are");
    CHECK(agreeing(2, "matches", "match") == "match");
}

TEST_CASE("describe_bytes: exact below 10 KiB, then KiB, then MiB") {
    CHECK(describe_bytes(0) == "0 bytes");
    CHECK(describe_bytes(1) == "1 byte");
    CHECK(describe_bytes(812) == "812 bytes");
    CHECK(describe_bytes(10 * 1024 - 1) == "10239 bytes");
    CHECK(describe_bytes(10 * 1024) == "10 KiB");
    CHECK(describe_bytes(340 * 1024 + 1023) == "340 KiB");
    CHECK(describe_bytes(10 * 1024 * 1024 - 1) == "10239 KiB");
    CHECK(describe_bytes(10 * 1024 * 1024) == "10.0 MiB");
    CHECK(describe_bytes(64382566) == "61.4 MiB");
}
