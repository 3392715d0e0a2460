// Expectations over crontab sources (files and `crontab -l` through a fake
// crontab program), snapshot and diff, and "did the job run".
#include <string>
#include <utility>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/cron.hpp>
#include <rollcheck/cron_ran.hpp>

#include "evidence_text.hpp"
#include "test_support.hpp"

using namespace rollcheck;

namespace {

const char* const batch = "python scripts/core/batch_opportunity_scoring.py";

/// A `crontab` that lists tabs/USER beside it, as Debian's does, so no test
/// depends on the machine's real crontabs.
std::string fake_crontab(const rollcheck_test::temp_dir& dir) {
    const auto program = dir.write("bin/crontab", "#!/bin/sh\n"
                                                  "user=$(id -un)\n"
                                                  "[ \"$2\" = -u ] && user=$3\n"
                                                  "tab=\"$(dirname \"$0\")/../tabs/$user\"\n"
                                                  "[ -f \"$tab\" ] && exec cat \"$tab\"\n"
                                                  "echo \"no crontab for $user\" >&2\n"
                                                  "exit 1\n");
    ::chmod(program.c_str(), 0755);
    return program.string();
}

cron_expect_spec expect_in(const std::filesystem::path& file) {
    cron_expect_spec spec;
    spec.sources = {cron_source::file(file)};
    spec.present = {{"0 2 * * *", batch, ""}};
    return spec;
}

/// "Did it run" for a job scheduled `0 2 * * *` whose lines contain
/// `match`, checked at `now` (UTC).
cron_ran_spec job_at_two(std::string match, const std::string& now) {
    cron_ran_spec spec;
    spec.schedule = "0 2 * * *";
    spec.match = std::move(match);
    spec.now = parse_cron_time(now);
    return spec;
}

} // namespace

TEST_CASE("expect: the entry is found by fire times and normalised command") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("crontab", "MAILTO=ops\n0 2 * * 0-7 python   "
                                           "scripts/core/batch_opportunity_scoring.py\n");
    auto spec = expect_in(file);
    spec.absent = {"run_unified"};
    const auto r = check_cron_expect(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 expected entry present, none matches 1 forbidden pattern, no duplicates "
                       "among 1 entry in 1 crontab");
}

TEST_CASE("expect: a missing entry says what the crontab has instead") {
    rollcheck_test::temp_dir dir;
    const auto file =
        dir.write("crontab", "0 3 * * * python scripts/core/batch_opportunity_scoring.py\n");
    const auto r = check_cron_expect(expect_in(file));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 expected entry missing among 1 entry in 1 crontab");
    CHECK(
        r.evidence.items().at(0).text ==
        fmt::format("missing: '0 2 * * * {}' ({}:1 runs it at '0 3 * * *')", batch, file.string()));
}

TEST_CASE("expect: a forbidden entry and a duplicate fail, each named") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("crontab", fmt::format("0 2 * * * {0}\n"
                                                       "*/5 * * * * /opt/run_unified_pipeline.py\n"
                                                       "@daily /bin/true\n0 0 * * * /bin/true\n",
                                                       batch));
    auto spec = expect_in(file);
    spec.absent = {"unified_pipeline"};
    const auto r = check_cron_expect(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary ==
          "1 forbidden entry scheduled, 1 duplicated entry among 4 entries in 1 crontab");
    CHECK(r.evidence.items().at(0).text ==
          fmt::format("{}:2: '*/5 * * * * /opt/run_unified_pipeline.py' matches forbidden "
                      "pattern 'unified_pipeline'",
                      file.string()));
    CHECK(r.evidence.items().at(1).text ==
          fmt::format("{0}:4: '0 0 * * * /bin/true' duplicates {0}:3", file.string()));
}

TEST_CASE("expect: bad expectations are errors, not passes") {
    rollcheck_test::temp_dir dir;
    const auto file = dir.write("crontab", "0 2 * * * /bin/true\n");
    auto spec = expect_in(file);
    spec.present = {{"0 60 * * *", "x", ""}};
    const auto bad_schedule = check_cron_expect(spec);
    REQUIRE_VERDICT(bad_schedule, verdict::error);
    CHECK(bad_schedule.summary == "expected schedule '0 60 * * *': 1:3: hour 60 out of range 0-23");
    spec.present.clear();
    spec.absent = {"("};
    const auto bad_pattern = check_cron_expect(spec);
    REQUIRE_VERDICT(bad_pattern, verdict::error);
    CHECK(bad_pattern.summary ==
          "forbidden pattern '(' is not a valid RE2 regular expression: missing ): (");
}

TEST_CASE("user crontabs come from the crontab program and 'no crontab' is a clear result") {
    rollcheck_test::temp_dir dir;
    dir.write("tabs/app", fmt::format("0 2 * * * {}\n", batch));
    cron_expect_spec spec;
    spec.crontab_program = fake_crontab(dir);
    spec.sources = {cron_source::user_crontab("app")};
    spec.present = {{"0 2 * * *", batch, ""}};
    REQUIRE_VERDICT(check_cron_expect(spec), verdict::pass);

    spec.sources = {cron_source::user_crontab("nobody")};
    const auto none = check_cron_expect(spec);
    REQUIRE_VERDICT(none, verdict::fail);
    CHECK(none.summary == "1 expected entry missing among 0 entries in 1 crontab, "
                          "crontab -l -u nobody: no crontab for nobody");
}

TEST_CASE("a crontab program that is not installed is an error") {
    rollcheck_test::temp_dir dir;
    cron_expect_spec spec;
    spec.sources = {cron_source::user_crontab("app")};
    spec.present = {{"0 2 * * *", batch, ""}};
    spec.crontab_program = (dir / "crontab").string();
    const auto r = check_cron_expect(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == fmt::format("could not read 1 of 1 crontab source: crontab -l -u app: "
                                   "could not start: '{}' does not exist",
                                   (dir / "crontab").string()));
    spec.crontab_program = "rollcheck-no-such-crontab";
    CHECK(check_cron_expect(spec).summary ==
          "could not read 1 of 1 crontab source: crontab -l -u app: could not start: "
          "'rollcheck-no-such-crontab' not found on PATH");
}

TEST_CASE("snapshot, then diff: equal when nothing changed, each change named when it did") {
    rollcheck_test::temp_dir dir;
    dir.write("tabs/app", fmt::format("MAILTO=ops\n@daily /bin/true\n0 2 * * * {}\n"
                                      "0 3 * * * /bin/backup\n",
                                      batch));
    dir.write("cron.d/sessions", "09,39 * * * * root /usr/lib/php/sessionclean\n");
    cron_snapshot_spec take;
    take.crontab_program = fake_crontab(dir);
    take.sources = {cron_source::user_crontab("app"), cron_source::directory(dir / "cron.d")};
    take.output = dir / "cron.snapshot";
    const auto saved = check_cron_snapshot(take);
    REQUIRE_VERDICT(saved, verdict::pass);
    CHECK(saved.summary == fmt::format("saved 4 entries and 1 environment line from 2 crontabs "
                                       "to {}",
                                       take.output.string()));

    cron_diff_spec diff;
    diff.crontab_program = take.crontab_program;
    diff.snapshot = take.output;
    // Re-written the way a hand edit would: same jobs, other spelling.
    dir.write("tabs/app", fmt::format("MAILTO=ops\n0 0 * * *   /bin/true\n0 2 * * 0-7 {}\n"
                                      "0 3 * * * /bin/backup\n",
                                      batch));
    const auto same = check_cron_diff(diff);
    REQUIRE_VERDICT(same, verdict::pass);
    CHECK(same.summary == fmt::format("live crontabs match snapshot '{}' (4 entries in 2 "
                                      "crontabs)",
                                      take.output.string()));

    dir.write("tabs/app", fmt::format("MAILTO=\"\"\n0 0 * * * /bin/true\n0 4 * * * {}\n"
                                      "*/5 * * * * /opt/run_unified_pipeline.py\n",
                                      batch));
    const auto changed = check_cron_diff(diff);
    REQUIRE_VERDICT(changed, verdict::fail);
    CHECK(changed.summary == fmt::format("entries: 1 missing, 1 added, 1 changed; 1 environment "
                                         "variable differs against snapshot '{}'",
                                         take.output.string()));
    CHECK(rollcheck_test::evidence_texts(changed) ==
          std::vector<std::string>{
              fmt::format("changed: crontab -l -u app:3 '0 2 * * * {0}' is now "
                          "'0 4 * * * {0}' (crontab -l -u app:3)",
                          batch),
              "missing: crontab -l -u app:4 '0 3 * * * /bin/backup'",
              "added: crontab -l -u app:4 '*/5 * * * * /opt/run_unified_pipeline.py'",
              "environment: crontab -l -u app: MAILTO was 'ops', is ''"});
}

TEST_CASE("diff: a snapshot that is missing or not a snapshot is an error") {
    rollcheck_test::temp_dir dir;
    cron_diff_spec diff;
    diff.snapshot = dir / "none.json";
    CHECK(check_cron_diff(diff).summary ==
          fmt::format("snapshot: cannot read '{}': No such file or directory",
                      diff.snapshot.string()));
    diff.snapshot = dir.write("other.json", "{\"format\": \"something else\"}");
    const auto r = check_cron_diff(diff);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          fmt::format("'{}' is not a rollcheck cron snapshot", diff.snapshot.string()));
}

TEST_CASE("did it run: a log line after the last scheduled time, within the grace period") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("batch_opportunity_scoring", "2026-11-28T10:00");
    spec.log =
        dir.write("batch.log", "2026-11-27 02:00:04,120 INFO batch_opportunity_scoring start\n"
                               "2026-11-28 02:00:05,311 INFO batch_opportunity_scoring start\n"
                               "2026-11-28 02:00:09,002 INFO other job\n");
    const auto ran = check_cron_ran(spec);
    REQUIRE_VERDICT(ran, verdict::pass);
    CHECK(ran.summary == fmt::format("'0 2 * * *' logged a line containing "
                                     "'batch_opportunity_scoring' at 2026-11-28T02:00 ({}:2), "
                                     "after the run due at 2026-11-28T02:00 UTC",
                                     spec.log.string()));

    spec.log = dir.write("stale.log", "2026-11-27T02:00:04Z batch_opportunity_scoring start\n");
    const auto stale = check_cron_ran(spec);
    REQUIRE_VERDICT(stale, verdict::fail);
    CHECK(stale.summary == fmt::format("no line containing 'batch_opportunity_scoring' in '{}' "
                                       "since the run of '0 2 * * *' due at 2026-11-28T02:00 UTC "
                                       "(grace 15m); the last one is from 2026-11-27T02:00 "
                                       "(line 1)",
                                       spec.log.string()));
    // Within the grace period of today's run, yesterday's line is the proof.
    spec.now = parse_cron_time("2026-11-28T02:10");
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::pass);
}

TEST_CASE("did it run: a line without a time of its own has the time of the line above it") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("scored", "2026-11-28T10:00");
    spec.log = dir.write("batch.log", "2026-11-27 02:00:04,120 INFO batch start\n"
                                      "scored 120 submissions\n"
                                      "2026-11-28 02:00:05,311 INFO batch start\n"
                                      "scored 98 submissions\n"
                                      "2026-11-28 02:00:09,002 INFO other job\n");
    const auto ran = check_cron_ran(spec);
    REQUIRE_VERDICT(ran, verdict::pass);
    CHECK(ran.summary == fmt::format("'0 2 * * *' logged a line containing 'scored' at "
                                     "2026-11-28T02:00 ({}:4), after the run due at "
                                     "2026-11-28T02:00 UTC",
                                     spec.log.string()));
    CHECK(ran.totals["matching_lines"] == 2);
}

TEST_CASE("did it run: an empty log fails, and a log's name is a path, never a pattern") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("", "2026-11-28T10:00");
    spec.log = dir.write("job.log", ""); // rotated, and the job never wrote since
    const auto empty = check_cron_ran(spec);
    REQUIRE_VERDICT(empty, verdict::fail);
    CHECK_THAT(empty.summary, Catch::EndsWith("(grace 15m); none at all"));

    spec.log = dir.write("job[1].log", "2026-11-28T02:00:03Z job done\n");
    dir.write("job1.log", "2026-11-20T02:00:03Z another job\n");
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::pass);
}

TEST_CASE("did it run: log times without an offset are on the log's zone, not the job's") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("", "2026-11-28T09:00");
    spec.zone = "Europe/Berlin"; // 02:00 there is 01:00 UTC in winter
    spec.log = dir.write("job.log", "2026-11-28 01:30:00 job done\n");
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::fail); // 01:30 Berlin is 00:30 UTC
    spec.log_zone = "UTC";
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::pass); // 01:30 UTC
}

TEST_CASE("did it run: syslog lines, CRON_TZ zones, unreadable logs and undated lines") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("CMD (python", "2026-11-28T09:00");
    spec.zone = "Europe/Berlin";
    spec.log = dir.write("syslog", "Nov 28 02:00:01 host CRON[812]: (app) CMD (python x.py)\n");
    const auto syslog = check_cron_ran(spec);
    REQUIRE_VERDICT(syslog, verdict::pass);
    CHECK(syslog.summary == fmt::format("'0 2 * * *' logged a line containing 'CMD (python' at "
                                        "2026-11-28T02:00 ({}:1), after the run due at "
                                        "2026-11-28T02:00 Europe/Berlin",
                                        spec.log.string()));
    spec.log = dir.write("undated", "CMD (python x.py) done\n");
    const auto undated = check_cron_ran(spec);
    REQUIRE_VERDICT(undated, verdict::error);
    CHECK(undated.summary == fmt::format("1 line of '{}' matches, but no time rollcheck can read "
                                         "is on or above it (line 1; ISO 8601, Python logging, "
                                         "syslog, epoch seconds)",
                                         spec.log.string()));
    spec.log = dir.write("late-undated", "Nov 28 02:00:01 host CRON[812]: CMD (python x.py)\n" +
                                             std::string(300, '\n') + "CMD (python x.py) done\n");
    CHECK(check_cron_ran(spec).summary ==
          fmt::format("2 lines of '{}' match, but no time rollcheck can read is on or above the "
                      "last (line 302; ISO 8601, Python logging, syslog, epoch seconds)",
                      spec.log.string()));
    spec.log = dir / "missing.log";
    CHECK(check_cron_ran(spec).summary ==
          fmt::format("{}: cannot open: No such file or directory", spec.log.string()));
    spec.schedule = "@reboot";
    CHECK(check_cron_ran(spec).summary == "@reboot runs when cron starts, not on a clock: there "
                                          "is no scheduled time to check");
}

TEST_CASE("did it run: cron's own record of starting the entry's command proves the run") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("", "2026-11-28T09:00");
    spec.command = "cd /srv/app &&  python scripts/core/batch_opportunity_scoring.py "
                   "> /dev/null 2>&1 % 50\\%";
    // Debian's rsyslog writes RFC 3339 times; a classic syslog line is older.
    spec.cron_logs = {dir.write("syslog",
                                "Nov 27 02:00:01 host CRON[700]: (app) CMD (cd /srv/app && python "
                                "scripts/core/batch_opportunity_scoring.py > /dev/null 2>&1)\n"
                                "2026-11-28T02:00:01.204311+00:00 host CRON[812]: (app) CMD (cd "
                                "/srv/app && python scripts/core/other.py)\n"
                                "2026-11-28T02:00:01.204900+00:00 host CRON[813]: (app) CMD (cd "
                                "/srv/app && python scripts/core/batch_opportunity_scoring.py > "
                                "/dev/null 2>&1 )\n"
                                "2026-11-28T02:00:02.000000+00:00 host cron[500]: (*system*) "
                                "RELOAD (/etc/crontab)\n")
                          .string()};
    const auto ran = check_cron_ran(spec);
    REQUIRE_VERDICT(ran, verdict::pass);
    CHECK(ran.summary ==
          fmt::format("'0 2 * * *' ran: cron recorded starting 'cd /srv/app &&  python "
                      "scripts/core/batch_opportunity_scoring.py > /dev/null 2>&1' at "
                      "2026-11-28T02:00 ({}:3), after the run due at 2026-11-28T02:00 UTC",
                      spec.cron_logs[0]));
    CHECK(ran.totals["proved_by"] == "cron's record");
    CHECK(ran.totals["cron_records"] == 2);
    CHECK_FALSE(ran.totals.contains("matching_lines")); // no job log was read

    // Another user's run of the same command is not this crontab's.
    spec.user = "root";
    const auto other_user = check_cron_ran(spec);
    REQUIRE_VERDICT(other_user, verdict::fail);
    CHECK(other_user.summary ==
          fmt::format("no record of cron starting 'cd /srv/app &&  python "
                      "scripts/core/batch_opportunity_scoring.py > /dev/null 2>&1' in '{}' since "
                      "the run of '0 2 * * *' due at 2026-11-28T02:00 UTC (grace 15m); none at all",
                      spec.cron_logs[0]));
    spec.user = "app";
    spec.now = parse_cron_time("2026-11-29T09:00"); // today's run has no record
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::fail);
}

TEST_CASE("did it run: the job's log and cron's record, either proves it, an unread one errs") {
    rollcheck_test::temp_dir dir;
    auto spec = job_at_two("scoring", "2026-11-28T09:00");
    spec.command = "python score.py";
    spec.log = dir.write("job.log", "2026-11-27T02:00:04Z scoring done\n");
    spec.cron_logs = {
        dir.write("cron.log", "2026-11-28T02:00:01Z host CRON[9]: (app) CMD (python score.py)\n")
            .string()};
    const auto by_record = check_cron_ran(spec);
    REQUIRE_VERDICT(by_record, verdict::pass);
    CHECK(by_record.totals["proved_by"] == "cron's record");
    CHECK(by_record.totals["matching_lines"] == 1);

    dir.write("cron.log", "2026-11-27T02:00:01Z host CRON[9]: (app) CMD (python score.py)\n");
    const auto neither = check_cron_ran(spec);
    REQUIRE_VERDICT(neither, verdict::fail);
    CHECK(neither.summary ==
          fmt::format("no line containing 'scoring' in '{}' and no record of cron starting "
                      "'python score.py' in '{}' since the run of '0 2 * * *' due at "
                      "2026-11-28T02:00 UTC (grace 15m); the job's log: the last one is from "
                      "2026-11-27T02:00 (line 1); cron's record: the last one is from "
                      "2026-11-27T02:00 ({}:1)",
                      spec.log.string(), spec.cron_logs[0], spec.cron_logs[0]));

    // Cron's record unreadable: the job's log alone can still prove the run…
    spec.cron_logs = {(dir / "no-such-syslog").string()};
    dir.write("job.log", "2026-11-28T02:00:04Z scoring done\n");
    const auto by_log = check_cron_ran(spec);
    REQUIRE_VERDICT(by_log, verdict::pass);
    CHECK(by_log.totals["proved_by"] == "the job's log");
    // …but cannot disprove it: the unread record might have held it.
    dir.write("job.log", "2026-11-27T02:00:04Z scoring done\n");
    const auto unread = check_cron_ran(spec);
    REQUIRE_VERDICT(unread, verdict::error);
    CHECK_THAT(unread.summary, Catch::Contains("no-such-syslog"));

    spec.command = " % only input";
    CHECK(check_cron_ran(spec).summary ==
          "cron's record is read by the entry's command, and none is given");
    spec.log.clear();
    spec.cron_logs.clear();
    REQUIRE_VERDICT(check_cron_ran(spec), verdict::error);
}

TEST_CASE("cron_record_pattern: the command as cron prints it, blanks loose, user exact") {
    const auto pattern = cron_record_pattern("a.sh  --x 1 %input\\%", "app");
    CHECK(pattern == "CRON\\[[0-9]+\\]: \\(app\\) CMD \\(a\\.sh[ \\t]+\\-\\-x[ \\t]+1[ \\t]*\\)");
    CHECK(cron_record_pattern("run \\% x") ==
          "CRON\\[[0-9]+\\]: \\([^)]*\\) CMD \\(run[ \\t]+\\%[ \\t]+x[ \\t]*\\)");
}
