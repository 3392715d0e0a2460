// Next and previous fire times of generated schedules against an independent
// implementation, Debian's python3-croniter, run once over the whole batch.
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/ranges.h>
#include <rollcheck/command.hpp>
#include <rollcheck/cron_schedule.hpp>

#include "test_support.hpp"

using namespace rollcheck;

namespace {

constexpr std::size_t schedules = 10000;
constexpr std::size_t next_count = 5;

struct field_range {
    int lo, hi;
};
constexpr field_range ranges[5] = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
const char* const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/// Schedules of every form crontab(5) allows, numbers and names mixed.
class schedule_generator {
public:
    std::string schedule() {
        std::string out;
        for (int f = 0; f < 5; ++f)
            out += (f ? " " : "") + field(f);
        return out;
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

    std::string value(int f, int v) {
        if (f == 3 && pick(0, 4) == 0) return cased(month_names[v - 1]);
        if (f == 4 && v < 7 && pick(0, 4) == 0) return cased(day_names[v]);
        return std::to_string(v);
    }
    std::string cased(std::string name) {
        if (pick(0, 2) == 0) name[0] = static_cast<char>(name[0] - 'a' + 'A');
        return name;
    }
    std::string element(int f) {
        const auto [lo, hi] = ranges[f];
        const int a = pick(lo, hi), b = pick(a, hi);
        switch (pick(0, 2)) {
        case 0:
            return value(f, a);
        case 1:
            return value(f, a) + "-" + value(f, b);
        default:
            return value(f, a) + "-" + value(f, b) + "/" + std::to_string(pick(1, hi - lo));
        }
    }
    std::string field(int f) {
        const auto [lo, hi] = ranges[f];
        switch (pick(0, 5)) {
        case 0:
        case 1:
            return "*";
        case 2:
            return "*/" + std::to_string(pick(1, hi - lo + 1));
        case 3: {
            std::string list = element(f);
            for (int n = pick(1, 2); n > 0; --n)
                list += "," + element(f);
            return list;
        }
        default:
            return element(f);
        }
    }

    std::mt19937 rng_{20261128};
};

std::string iso(cron_time t) {
    return format_cron_time(t);
}

/// The schedule as croniter reads its day fields: a field is unrestricted
/// when it admits every value, where cron looks at whether it starts with '*'.
cron_schedule croniter_day_rule(cron_schedule s) {
    bool all_days = true;
    for (unsigned d = 1; d <= 31; ++d)
        all_days = all_days && s.days[d];
    s.days_star = all_days;
    s.weekdays_star = s.weekdays.all();
    return s;
}

struct answer {
    std::vector<std::string> next;
    std::string previous;
};

answer ours(const cron_schedule& s, cron_time from) {
    answer a;
    for (const auto t : cron_next(s, from, next_count))
        a.next.push_back(iso(t));
    const auto previous = cron_previous(s, from);
    a.previous = previous ? iso(*previous) : "none";
    return a;
}

/// "T1 … T5 | P" as croniter_reference.py writes it.
answer theirs(const std::string& line) {
    answer a;
    std::istringstream in(line);
    for (std::string word; in >> word;) {
        if (word == "|")
            in >> a.previous;
        else
            a.next.push_back(word);
    }
    return a;
}

bool on_feb_29(const std::string& t) {
    return t.substr(4, 6) == "-02-29";
}

/// Departure 4 (README): croniter skips the 1st of the month after February when
/// the day-of-month list also names a day February lacks (`*/15`: 1, 16, 31).
/// Its times must be ours less those on such a 1st.
bool skips_first_after_february(const std::vector<std::string>& cron,
                                const std::vector<std::string>& croniter) {
    std::vector<std::string> kept;
    for (const auto& t : cron)
        if (t.substr(4, 6) != "-03-01") kept.push_back(t);
    return kept.size() < cron.size() && !croniter.empty() &&
           std::equal(kept.begin(), kept.end(), croniter.begin());
}

/// Departure 5 (README): croniter's previous fire time skips February 29: it
/// must be ours before that day.
bool skips_feb_29_backwards(const cron_schedule& s, const std::string& cron,
                            const std::string& croniter) {
    if (!on_feb_29(cron)) return false;
    const auto day = parse_cron_time(cron.substr(0, 10) + "T00:00");
    const auto before = cron_previous(s, *day);
    return before && iso(*before) == croniter;
}

/// Departures 2 and 3 (README): croniter raises CroniterBadDateError for
/// schedules cron runs: both day fields restricted and the day of month in
/// none of the named months (`0 0 31 6 sat`: Saturdays in June), or, asked
/// for the previous time, a schedule that fires only on February 29.
bool croniter_gives_up(const cron_schedule& s, cron_time from) {
    const auto next = cron_next(s, from, next_count);
    if (next.empty()) return true; // never fires: cron never runs it either
    bool all_feb_29 = true;
    for (const auto t : next)
        all_feb_29 = all_feb_29 && on_feb_29(iso(t));
    auto days_only = s;
    days_only.weekdays.reset();
    return all_feb_29 ||
           (!s.days_star && !s.weekdays_star && cron_next(days_only, from, 1).empty());
}

} // namespace

TEST_CASE("fire times of 10,000 generated schedules agree with python3-croniter") {
    rollcheck_test::temp_dir dir;
    schedule_generator generate;
    std::mt19937 clock_rng(7);
    std::vector<std::string> exprs;
    std::vector<cron_time> starts;
    std::ofstream requests(dir / "requests.tsv");
    for (std::size_t i = 0; i < schedules; ++i) {
        exprs.push_back(generate.schedule());
        // Minutes from 2000 to 2040: month ends, leap days and 2000's leap century.
        const auto minute =
            std::uniform_int_distribution<std::int64_t>(15778080, 36816480)(clock_rng);
        starts.push_back(cron_time(std::chrono::minutes(minute)));
        requests << exprs.back() << '\t' << iso(starts.back()) << '\t' << next_count << '\n';
    }
    requests.close();

    command_spec spec;
    spec.argv = {"/usr/bin/python3", ROLLCHECK_CRONITER_SCRIPT, (dir / "requests.tsv").string(),
                 (dir / "answers.txt").string()};
    spec.timeout = std::chrono::minutes(4);
    const auto run = run_command(spec);
    INFO(run.describe() << "\n" << run.err.text());
    REQUIRE(run.succeeded());

    std::ifstream answers(dir / "answers.txt");
    std::size_t agree = 0, day_rule = 0, gave_up = 0, march_first = 0, feb_29 = 0;
    std::vector<std::string> mismatches;
    for (std::size_t i = 0; i < schedules; ++i) {
        std::string line;
        REQUIRE(std::getline(answers, line));
        std::string why;
        const auto s = parse_cron_schedule(exprs[i], why);
        INFO(exprs[i] << ": " << why);
        REQUIRE(s);
        const auto cron = ours(*s, starts[i]);
        const auto reference = theirs(line);
        if (reference.next == cron.next && reference.previous == cron.previous) {
            ++agree;
            continue;
        }
        if (line == "ERR CroniterBadDateError" && croniter_gives_up(*s, starts[i])) {
            ++gave_up;
            continue;
        }
        // Departure 1 (README): croniter treats a day field as unrestricted when it
        // admits every value; cron, when it starts with '*'. `*/2` days with a
        // weekday fire on either for croniter, on both for cron; `1-31` days with
        // a weekday fire every day for cron, on the weekday only for croniter.
        // Such cases must match croniter's rule exactly.
        const auto croniter_rule = croniter_day_rule(*s);
        const auto as_croniter = ours(croniter_rule, starts[i]);
        const bool rule_differs =
            as_croniter.next != cron.next || as_croniter.previous != cron.previous;
        bool next_ok = false, previous_ok = false;
        for (const auto& [schedule, expected] :
             {std::pair{&*s, &cron}, std::pair{&croniter_rule, &as_croniter}}) {
            if (reference.next == expected->next)
                next_ok = true;
            else if (skips_first_after_february(expected->next, reference.next))
                next_ok = true, ++march_first;
            if (reference.previous == expected->previous)
                previous_ok = true;
            else if (skips_feb_29_backwards(*schedule, expected->previous, reference.previous))
                previous_ok = true, ++feb_29;
        }
        if (next_ok && previous_ok) {
            day_rule += rule_differs ? 1 : 0;
            continue;
        }
        if (mismatches.size() < 20)
            mismatches.push_back(fmt::format("{} from {}:\n  rollcheck {}\n  croniter  {}",
                                             exprs[i], iso(starts[i]), fmt::join(cron.next, " "),
                                             line));
    }
    INFO("agree " << agree << ", day rule " << day_rule << ", croniter gave up " << gave_up
                  << ", March 1st skipped " << march_first << ", Feb 29 skipped " << feb_29);
    for (const auto& m : mismatches)
        UNSCOPED_INFO(m);
    CHECK(mismatches.empty());
    // The comparison means something only if most schedules are compared as they are.
    CHECK(agree > schedules * 3 / 4);
}
