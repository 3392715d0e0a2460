// The schedule parser against a table of cases written from crontab(5):
// what each form means (as a canonical schedule), and the exact message for
// each form cron rejects.
#include <string>

#include <catch2/catch.hpp>
#include <rollcheck/cron_schedule.hpp>

using namespace rollcheck;

namespace {

struct meaning {
    const char* text;
    const char* canonical;
};

std::string canonical_of(const std::string& text) {
    std::string why;
    const auto s = parse_cron_schedule(text, why);
    return s ? s->canonical() : "invalid: " + why;
}

std::string error_of(const std::string& text) {
    std::string why;
    const auto s = parse_cron_schedule(text, why);
    return s ? "valid: " + s->canonical() : why;
}

} // namespace

TEST_CASE("each crontab(5) form means what the manual says") {
    const meaning cases[] = {
        // A field may be '*', first-last.
        {"* * * * *", "* * * * *"},
        {"0 2 * * *", "0 2 * * *"},
        // Ranges are inclusive; lists mix numbers and ranges.
        {"0 8-11 * * *", "0 8-11 * * *"},
        {"1,2,5,9 * * * *", "1,2,5,9 * * * *"},
        {"0-4,8-12 * * * *", "0-4,8-12 * * * *"},
        // Steps after a range or after '*'.
        {"0 0-23/2 * * *", "0 0,2,4,6,8,10,12,14,16,18,20,22 * * *"},
        {"*/15 * * * *", "0,15,30,45 * * * *"},
        {"1-30/5 * * * *", "1,6,11,16,21,26 * * * *"},
        {"1-9/2 * * * *", "1,3,5,7,9 * * * *"},
        {"5-5/2 * * * *", "5 * * * *"},
        // Names: first three letters, case does not matter; 0 and 7 are Sunday.
        {"5 4 * * sun", "5 4 * * 0"},
        {"5 4 * * SUN", "5 4 * * 0"},
        {"0 0 1 Jan *", "0 0 1 1 *"},
        {"0 0 * * 7", "0 0 * * 0"},
        {"0 0 * * 0,7", "0 0 * * 0"},
        {"0 2 * * 0-7", "0 2 * * *"},
        // Debian's cron also takes names in ranges and lists.
        {"0 22 * * mon-fri", "0 22 * * 1-5"},
        {"0 0 1 jan,jul *", "0 0 1 1,7 *"},
        // Both day fields restricted: either matches.
        {"30 4 1,15 * 5", "30 4 1,15 * 5"},
        {"0 0 1-31 * 1", "0 0 * * *"},
        {"0 0 1 * 0-6", "0 0 * * *"},
        // A day field starting with '*' counts as unrestricted: both must match.
        {"0 0 */2 * 1", "0 0 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * 1 [day and weekday]"},
        {"0 0 1 * */1", "0 0 1 * *"},
        // The special strings.
        {"@reboot", "@reboot"},
        {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
        {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},
        {"@daily", "0 0 * * *"},
        {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
        // Blanks between fields are spaces or tabs.
        {"0\t2 \t * *  *", "0 2 * * *"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(canonical_of(c.text) == c.canonical);
    }
}

TEST_CASE("schedules that fire at the same times compare equal") {
    std::string why;
    const auto same = [&](const char* a, const char* b) {
        return parse_cron_schedule(a, why)->same_times(*parse_cron_schedule(b, why));
    };
    CHECK(same("0 2 * * 0-7", "0 2 * * *"));
    CHECK(same("@daily", "0 0 * * *"));
    CHECK(same("0-59 * * * *", "* * * * *"));
    CHECK(same("0 0 * * sun", "0 0 * * 7"));
    CHECK_FALSE(same("0 0 */2 * 1", "0 0 1-31/2 * 1")); // both days vs either day
    CHECK_FALSE(same("0 2 * * *", "0 3 * * *"));
}

TEST_CASE("each form cron rejects has a message naming the column and the problem") {
    const meaning cases[] = {
        {"60 * * * *", "1:1: minute 60 out of range 0-59"},
        {"0 24 * * *", "1:3: hour 24 out of range 0-23"},
        {"0 0 0 * *", "1:5: day of month 0 out of range 1-31"},
        {"0 0 32 * *", "1:5: day of month 32 out of range 1-31"},
        {"0 0 * 13 *", "1:7: month 13 out of range 1-12"},
        {"0 0 * 0 *", "1:7: month 0 out of range 1-12"},
        {"0 0 * * 8", "1:9: day of week 8 out of range 0-7"},
        {"99999999999 * * * *", "1:1: minute 99999999999 out of range 0-59"},
        {"0 0 * jna *", "1:7: unknown month name 'jna'"},
        {"0 0 * mon *", "1:7: unknown month name 'mon'"},
        {"0 0 * * mnd", "1:9: unknown day of week name 'mnd'"},
        {"0 0 * * monday", "1:9: unknown day of week name 'monday'"},
        {"0 mon * * *",
         "1:3: hour: names are allowed only in the month and day of week fields, found 'mon'"},
        {"5-1 * * * *", "1:1: minute range 5-1 is backwards"},
        {"0 0 * dec-jan *", "1:7: month range dec-jan is backwards"},
        {"*/0 * * * *", "1:3: minute step 0 (a step must be 1 to 60)"},
        {"0 1-5/0 * * *", "1:7: hour step 0 (a step must be 1 to 24)"},
        {"-5 * * * *", "1:1: minute: expected a number or '*', found '-'"},
        {"0 0 * * -1", "1:9: day of week: expected a number, a name or '*', found '-'"},
        {"5x * * * *", "1:2: minute: unexpected 'x'"},
        {"*5 * * * *", "1:2: minute: unexpected '5'"},
        {"*-5 * * * *", "1:2: minute: unexpected '-'"},
        {"1,,2 * * * *", "1:3: minute: expected a number or '*', found ','"},
        {"0 0 * * 1-", "1:11: day of week: missing value"},
        {"*/ * * * *", "1:3: minute: unexpected end of field"},
        {"5/2 * * * *", "1:2: minute: a step must follow a range or '*' ('5/2')"},
        {"0 0 * * * extra", "1:11: unexpected 'extra' after the schedule"},
        {"* * *", "1:6: expected 5 time fields, found 3"},
        {"", "1:1: expected 5 time fields, found 0"},
        {"@daly", "1:1: unknown special string '@daly'"},
        {"@Daily", "1:1: unknown special string '@Daily'"},
        {"0 0 * * \x01", "1:9: day of week: expected a number, a name or '*', found '\\x01'"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(error_of(c.text) == c.canonical);
    }
}

TEST_CASE("a very long field is reported without echoing all of it") {
    const std::string field(10 << 20, 'a');
    CHECK(error_of(field + " * * * *") ==
          "1:1: minute: names are allowed only in the month and day of week fields, found "
          "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…'");
}
