// Next and previous fire times: the day-of-month/day-of-week rule, month
// ends, leap days, and daylight-saving changes handled as Debian's cron does.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rollcheck/cron_schedule.hpp>

using namespace rollcheck;

namespace {

cron_zone zone(const std::string& name) {
    std::string why;
    auto z = cron_zone::load(name, why);
    INFO(why);
    REQUIRE(z);
    return *z;
}

/// The next `count` fire times of `expr` after `from`, on `tz`'s clock.
std::vector<std::string> next(const std::string& expr, const std::string& from, std::size_t count,
                              const std::string& tz = "UTC") {
    std::string why;
    const auto s = parse_cron_schedule(expr, why);
    INFO(why);
    REQUIRE(s);
    const auto z = zone(tz);
    std::vector<std::string> out;
    for (const auto t : cron_next(*s, *parse_cron_time(from, z), count, z))
        out.push_back(format_cron_time(t, z));
    return out;
}

/// The same times in UTC, to tell a repeated local time's two occurrences apart.
std::vector<std::string> next_utc(const std::string& expr, const std::string& from,
                                  std::size_t count, const std::string& tz) {
    std::string why;
    const auto s = parse_cron_schedule(expr, why);
    const auto z = zone(tz);
    std::vector<std::string> out;
    for (const auto t : cron_next(*s, *parse_cron_time(from, z), count, z))
        out.push_back(format_cron_time(t) + "Z");
    return out;
}

std::string previous(const std::string& expr, const std::string& before,
                     const std::string& tz = "UTC") {
    std::string why;
    const auto s = parse_cron_schedule(expr, why);
    const auto z = zone(tz);
    const auto t = cron_previous(*s, *parse_cron_time(before, z), z);
    return t ? format_cron_time(*t, z) : "none";
}

using times = std::vector<std::string>;

} // namespace

TEST_CASE("both day fields restricted: a day matches if either matches") {
    // 2026-05-01 is a Friday: the 1st and a Friday runs once.
    CHECK(next("30 4 1,15 * 5", "2026-04-30T12:00", 7) ==
          times{"2026-05-01T04:30", "2026-05-08T04:30", "2026-05-15T04:30", "2026-05-22T04:30",
                "2026-05-29T04:30", "2026-06-01T04:30", "2026-06-05T04:30"});
}

TEST_CASE("a day field starting with '*' is unrestricted: both must match") {
    // Odd days that are Mondays (May 2026: 11, 25; June: 1, 15, 29).
    CHECK(next("0 0 */2 * 1", "2026-05-01T00:00", 5) ==
          times{"2026-05-11T00:00", "2026-05-25T00:00", "2026-06-01T00:00", "2026-06-15T00:00",
                "2026-06-29T00:00"});
    CHECK(next("0 0 1-31 * 1", "2026-05-01T00:00", 2) ==
          times{"2026-05-02T00:00", "2026-05-03T00:00"});
}

TEST_CASE("the 31st fires only in months that have one") {
    CHECK(next("0 0 31 * *", "2026-01-31T00:00", 5) == times{"2026-03-31T00:00", "2026-05-31T00:00",
                                                             "2026-07-31T00:00", "2026-08-31T00:00",
                                                             "2026-10-31T00:00"});
    CHECK(next("59 23 30 * *", "2026-01-30T23:59", 2) ==
          times{"2026-03-30T23:59", "2026-04-30T23:59"});
}

TEST_CASE("February 29 fires in leap years only, and not in 2100") {
    CHECK(next("0 0 29 2 *", "2026-01-01T00:00", 3) ==
          times{"2028-02-29T00:00", "2032-02-29T00:00", "2036-02-29T00:00"});
    CHECK(next("0 0 29 2 *", "2096-03-01T00:00", 1) == times{"2104-02-29T00:00"});
    CHECK(previous("0 0 29 2 *", "2104-02-28T00:00") == "2096-02-29T00:00");
    // February 29 that is a Sunday, both required ('*/7' starts with '*'): every 28 years.
    CHECK(next("0 0 29 2 */7", "2026-01-01T00:00", 3) ==
          times{"2032-02-29T00:00", "2060-02-29T00:00", "2088-02-29T00:00"});
}

TEST_CASE("a schedule that never fires has no next or previous time") {
    CHECK(next("0 0 30 2 *", "2026-01-01T00:00", 3).empty());
    CHECK(previous("0 0 31 4,6,9,11 *", "2026-01-01T00:00") == "none");
    CHECK(next("@reboot", "2026-01-01T00:00", 3).empty());
}

TEST_CASE("next times are strictly after the start, the previous strictly before") {
    CHECK(next("0 2 * * *", "2026-11-28T02:00", 1) == times{"2026-11-29T02:00"});
    CHECK(previous("0 2 * * *", "2026-11-28T02:00") == "2026-11-27T02:00");
    CHECK(previous("0 2 * * *", "2026-11-28T02:01") == "2026-11-28T02:00");
    CHECK(next("59 23 31 12 *", "2026-12-31T23:58", 2) ==
          times{"2026-12-31T23:59", "2027-12-31T23:59"});
}

TEST_CASE("clock jumps forward: a fixed-time job in the skipped hour runs at the jump") {
    // Europe/Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST.
    CHECK(next("30 2 * * *", "2026-03-28T00:00", 3, "Europe/Berlin") ==
          times{"2026-03-28T02:30", "2026-03-29T03:00", "2026-03-30T02:30"});
    CHECK(next("0 2 * * *", "2026-03-29T00:00", 1, "Europe/Berlin") == times{"2026-03-29T03:00"});
    // Several skipped fixed times run once, at the jump.
    CHECK(next("0,30 2 * * *", "2026-03-29T00:00", 2, "Europe/Berlin") ==
          times{"2026-03-29T03:00", "2026-03-30T02:00"});
    // America/New_York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
    CHECK(next_utc("30 2 * * *", "2026-03-08T00:00", 1, "America/New_York") ==
          times{"2026-03-08T07:00Z"});
}

TEST_CASE("clock jumps forward: a wildcard job follows the new clock") {
    CHECK(next("30 * * * *", "2026-03-29T00:00", 3, "Europe/Berlin") ==
          times{"2026-03-29T00:30", "2026-03-29T01:30", "2026-03-29T03:30"});
    CHECK(next("@hourly", "2026-03-29T01:30", 2, "Europe/Berlin") ==
          times{"2026-03-29T03:00", "2026-03-29T04:00"});
}

TEST_CASE("clock jumps back: a fixed-time job runs once in the repeated hour") {
    // Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    CHECK(next_utc("30 2 * * *", "2026-10-24T12:00", 2, "Europe/Berlin") ==
          times{"2026-10-25T00:30Z", "2026-10-26T01:30Z"});
    // America/New_York, 2026-11-01: 01:30 EDT and 01:30 EST; only the first.
    CHECK(next_utc("30 1 * * *", "2026-10-31T12:00", 2, "America/New_York") ==
          times{"2026-11-01T05:30Z", "2026-11-02T06:30Z"});
}

TEST_CASE("clock jumps back: a wildcard job runs in both repeated hours") {
    CHECK(next_utc("30 * * * *", "2026-10-25T01:00", 3, "Europe/Berlin") ==
          times{"2026-10-24T23:30Z", "2026-10-25T00:30Z", "2026-10-25T01:30Z"});
    CHECK(next("*/30 2 * * *", "2026-10-25T01:59", 4, "Europe/Berlin") ==
          times{"2026-10-25T02:00", "2026-10-25T02:30", "2026-10-25T02:00", "2026-10-25T02:30"});
}

TEST_CASE("a change of 3 hours or more is a correction that fixed-time jobs follow too") {
    // Pacific/Apia skipped 2011-12-30 whole (UTC-10 to UTC+14): nothing runs at the jump.
    CHECK(next("0 12 * * *", "2011-12-29T13:00", 2, "Pacific/Apia") ==
          times{"2011-12-31T12:00", "2012-01-01T12:00"});
}

TEST_CASE("zones south of the equator and zones without daylight-saving time") {
    // Australia/Sydney, 2026-10-04: 02:00 AEST becomes 03:00 AEDT.
    CHECK(next("30 2 * * *", "2026-10-03T12:00", 2, "Australia/Sydney") ==
          times{"2026-10-04T03:00", "2026-10-05T02:30"});
    CHECK(next_utc("0 9 * * *", "2026-06-01T00:00", 1, "Asia/Kolkata") ==
          times{"2026-06-01T03:30Z"});
}

TEST_CASE("years beyond the zone file's table follow its footer rule") {
    // 2045-03-26 is the last Sunday of March.
    CHECK(next("30 2 * * *", "2045-03-25T00:00", 2, "Europe/Berlin") ==
          times{"2045-03-25T02:30", "2045-03-26T03:00"});
    CHECK(next_utc("30 1 * * *", "2060-11-06T12:00", 1, "America/New_York") ==
          times{"2060-11-07T05:30Z"});
}

TEST_CASE("a local time the clock skips or repeats reads as the jump or the first occurrence") {
    const auto berlin = zone("Europe/Berlin");
    CHECK(format_cron_time(*parse_cron_time("2026-03-29T02:30", berlin)) == "2026-03-29T01:00");
    CHECK(format_cron_time(*parse_cron_time("2026-10-25T02:30", berlin)) == "2026-10-25T00:30");
    CHECK(format_cron_time(*parse_cron_time("2026-10-25 02:30:15", berlin)) == "2026-10-25T00:30");
    CHECK_FALSE(parse_cron_time("2026-02-29T00:00"));
    CHECK_FALSE(parse_cron_time("2026-01-01T24:00"));
    CHECK_FALSE(parse_cron_time("tomorrow"));
    CHECK_FALSE(parse_cron_time("2026-01-01T00:00junk"));
}

TEST_CASE("a time with Z or an offset is absolute on any zone, one without on the zone's clock") {
    const auto utc = zone("UTC"), berlin = zone("Europe/Berlin");
    for (const auto& z : {utc, berlin}) {
        INFO(z.name());
        CHECK(format_cron_time(*parse_cron_time("2026-03-28T00:00:00Z", z)) == "2026-03-28T00:00");
        CHECK(format_cron_time(*parse_cron_time("2026-03-28T00:00+01:00", z)) ==
              "2026-03-27T23:00");
        CHECK(format_cron_time(*parse_cron_time("2026-07-01 12:30-0530", z)) == "2026-07-01T18:00");
        // A fraction is dropped: cron's clock has whole seconds.
        CHECK(parse_cron_time("2026-03-28T00:00:00.5Z", z) ==
              parse_cron_time("2026-03-28T00:00:00Z", z));
        CHECK(parse_cron_time("2026-03-28T00:00:07,250Z", z)->time_since_epoch().count() % 60 == 7);
    }
    CHECK(format_cron_time(*parse_cron_time("2026-03-28T00:00", utc)) == "2026-03-28T00:00");
    CHECK(format_cron_time(*parse_cron_time("2026-03-28T00:00", berlin)) == "2026-03-27T23:00");
    CHECK(format_cron_time(*parse_cron_time("2026-07-01T00:00", berlin)) == "2026-06-30T22:00");
    // Next times from an absolute start, on the zone's clock.
    CHECK(next("0 2 * * *", "2026-03-28T01:30:00Z", 1, "Europe/Berlin") ==
          times{"2026-03-29T03:00"});
    CHECK_FALSE(parse_cron_time("2026-03-28T00:00:00+25:00"));
    CHECK_FALSE(parse_cron_time("2026-03-28T00:00ZZ"));
}

TEST_CASE("an unknown zone is refused with the file it looked for") {
    std::string why;
    CHECK_FALSE(cron_zone::load("Mars/Olympus_Mons", why));
    CHECK(why == "unknown time zone 'Mars/Olympus_Mons' (no file "
                 "/usr/share/zoneinfo/Mars/Olympus_Mons)");
    CHECK_FALSE(cron_zone::load("../etc/passwd", why));
    CHECK(why == "'../etc/passwd' is not a time zone name");
}
