// Validation: every problem of a crontab named by file, line and column,
// the warnings for what cron accepts but that bites, and bad input.
#include <string>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/cron.hpp>

#include "test_support.hpp"

using namespace rollcheck;

namespace {

std::vector<std::string> diagnostics(const std::string& text, crontab_options options = {}) {
    std::vector<std::string> out;
    for (const auto& d : parse_crontab(text, "crontab", options).diagnostics)
        out.push_back(d.text());
    return out;
}

check_result lint(std::vector<cron_source> sources) {
    cron_lint_spec spec;
    spec.sources = std::move(sources);
    return check_cron_lint(spec);
}

using lines = std::vector<std::string>;

} // namespace

TEST_CASE("lint finds each problem of a broken crontab at its line and column") {
    const std::string text = "# m h dom mon dow command\n"
                             "SHELL=/bin/sh\n"
                             "0 60 * * * /bin/true\n"
                             "0 0 * jna * /bin/true\n"
                             "*/0 * * * * /bin/true\n"
                             "0 0 30 2 * /bin/true\n"
                             "0 1 * * * date +%F\n"
                             "0 1 * * * date +\\%F\n"
                             "0 2 * * * /bin/true\n"
                             "0 2 * * 0-7   /bin/true\n"
                             "0 3 * * * /nonexistent/run.sh\n"
                             "0 4 * * *\n"
                             "0 5 * * * /bin/true";
    CHECK(diagnostics(text) ==
          lines{"crontab:3:3: hour 60 out of range 0-23", "crontab:4:7: unknown month name 'jna'",
                "crontab:5:3: minute step 0 (a step must be 1 to 60)",
                "crontab:6:5: warning: schedule '0 0 30 2 *' never fires: no month it names has "
                "such a day",
                "crontab:7:17: warning: unescaped '%': cron ends the command here and sends the "
                "rest to its standard input (write '\\%' for a literal '%')",
                "crontab:10:1: warning: duplicate of the entry at line 9",
                "crontab:11:11: warning: program '/nonexistent/run.sh' does not exist",
                "crontab:12:10: missing command after the schedule",
                "crontab:13:20: no newline at the end of the last line: crontab(1) refuses to "
                "install the file (missing newline before EOF), and cron ignores the whole file "
                "when it finds it in its spool or in /etc/cron.d"});

    const auto r = lint({cron_source::text("crontab", text)});
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "5 errors, 4 warnings in crontab (7 entries)");
    CHECK(r.evidence.items().front().text == "crontab:3:3: hour 60 out of range 0-23");
    CHECK(r.evidence.items().front().data ==
          nlohmann::json{{"file", "crontab"},
                         {"line", 3},
                         {"column", 3},
                         {"severity", "error"},
                         {"message", "hour 60 out of range 0-23"}});
}

TEST_CASE("a clean crontab passes and warnings alone warn") {
    const auto clean = lint({cron_source::text("crontab", "MAILTO=ops\n@daily /bin/true\n")});
    REQUIRE_VERDICT(clean, verdict::pass);
    CHECK(clean.summary == "no problems in crontab (1 entry)");
    const auto warned = lint({cron_source::text("crontab", "0 0 31 4 * /bin/true\n")});
    REQUIRE_VERDICT(warned, verdict::warn);
    CHECK(warned.summary == "0 errors, 1 warning in crontab (1 entry)");
}

TEST_CASE("environment lines: optional blanks, quotes kept off, CRON_TZ and PATH") {
    const auto tab = parse_crontab("A = 1\nB='  x  '\nC=\"q\"\nD\r=4\f\nCRON_TZ=Europe/Berlin\n"
                                   "0 2 * * * /bin/true\n",
                                   "crontab");
    REQUIRE(tab.diagnostics.empty());
    REQUIRE(tab.environment.size() == 5);
    CHECK(tab.environment[0].value == "1");
    CHECK(tab.environment[1].value == "  x  ");
    CHECK(tab.environment[2].value == "q");
    CHECK(tab.environment[3].value == "4");
    // crontab(1) refuses a quote left open, where the line once read as a value.
    CHECK(diagnostics("D=\"half\n") == lines{"crontab:1:3: the value of 'D' opens a quote that "
                                             "does not close: cron refuses the line"});
    REQUIRE(tab.entries.size() == 1);
    CHECK(tab.entries[0].zone == "Europe/Berlin");

    CHECK(diagnostics("CRON_TZ=Mars/Olympus\n") ==
          lines{"crontab:1:9: CRON_TZ: unknown time zone 'Mars/Olympus' (no file "
                "/usr/share/zoneinfo/Mars/Olympus)"});
}

TEST_CASE("the system format has a user field before the command") {
    crontab_options system;
    system.system = true;
    const auto tab = parse_crontab("17 * * * * root cd / && run-parts --report /etc/cron.hourly\n",
                                   "/etc/crontab", system);
    REQUIRE(tab.entries.size() == 1);
    CHECK(tab.entries[0].user == "root");
    CHECK(tab.entries[0].command == "cd / && run-parts --report /etc/cron.hourly");
    CHECK(diagnostics("0 2 * * * root\n", system) ==
          lines{"crontab:1:15: missing command after the schedule"});
    CHECK(diagnostics("0 2 * * *   \n", system) ==
          lines{"crontab:1:13: missing user field (the system crontab format is: schedule, user, "
                "command)"});
}

TEST_CASE("a command's program is looked up on the crontab's PATH") {
    rollcheck_test::temp_dir dir;
    const auto job = dir.write("job", "#!/bin/sh\n");
    ::chmod(job.c_str(), 0755);
    const auto plain = dir.write("plain", "not a program\n");
    const auto text = fmt::format("PATH={0}\n0 1 * * * job --flag\n0 1 * * * nojob\n"
                                  "0 2 * * * {1}\n0 3 * * * cd /srv && make\n"
                                  "0 4 * * * $HOME/bin/run\n0 5 * * * FOO=1 x\n",
                                  dir.path().string(), plain.string());
    CHECK(diagnostics(text) ==
          lines{fmt::format("crontab:3:11: warning: program 'nojob' not found on PATH {}",
                            dir.path().string()),
                fmt::format("crontab:4:11: warning: program '{}' is not executable",
                            plain.string())});
    crontab_options quiet;
    quiet.check_programs = false;
    CHECK(diagnostics(text, quiet).empty());
}

TEST_CASE("bad input: empty, binary and a 10 MB line give precise results") {
    const auto empty = lint({cron_source::text("empty", "")});
    REQUIRE_VERDICT(empty, verdict::pass);
    CHECK(empty.summary == "no problems in empty (0 entries)");

    CHECK(diagnostics(std::string("\x7f"
                                  "ELF\x02\x01\x01\0\0\0\n",
                                  11)) == lines{"crontab:1:8: NUL byte: this is not a text line"});
    CHECK(diagnostics("0 2 * * * /" + std::string(10 << 20, 'x') + "\n") ==
          lines{"crontab:1:11: command of 10485761 bytes: cron refuses a command of 999 bytes or "
                "more (command too long)"});
}

TEST_CASE("what Debian's cron refuses is an error that says what cron does") {
    crontab_options quiet;
    quiet.check_programs = false;
    CHECK(diagnostics("*/10 * * * * * /bin/true\n0 */5 * * * * python job.py\n", quiet) ==
          lines{"crontab:1:14: 6 time fields ('*/10 * * * * *'): a schedule with a seconds "
                "field, written for another scheduler; cron has 5 and reads '*' as the start of "
                "the command, which it refuses (bad command)",
                "crontab:2:13: 6 time fields ('0 */5 * * * *'): a schedule with a seconds field, "
                "written for another scheduler; cron has 5 and reads '*' as the start of the "
                "command, which it refuses (bad command)"});
    CHECK(diagnostics("@daily *.sh\n0 0 * * * *ls\n", quiet) ==
          lines{"crontab:1:8: command begins with '*': cron refuses it (bad command)",
                "crontab:2:11: command begins with '*': cron refuses it (bad command)"});
    // Debian's limit, found with crontab(1): 998 bytes install, 999 do not,
    // trailing blanks and a '\r' counted.
    const std::string schedule = "* * * * * ";
    CHECK(diagnostics(schedule + std::string(998, 'x') + "\n", quiet).empty());
    CHECK(diagnostics(schedule + std::string(997, 'x') + " \r\n", quiet) ==
          lines{"crontab:1:11: command of 999 bytes: cron refuses a command of 999 bytes or "
                "more (command too long)"});
    CHECK(diagnostics("0 1 * * * root " + std::string(999, 'x') + "\n",
                      crontab_options{true, false}) ==
          lines{"crontab:1:16: command of 999 bytes: cron refuses a command of 999 bytes or "
                "more (command too long)"});
    // A trailing comment or blanks without a newline are installed.
    CHECK(diagnostics("@daily /bin/true\n# end", quiet).empty());
    CHECK(diagnostics("@daily /bin/true\n  ", quiet).empty());
    CHECK(diagnostics("MAILTO=ops", quiet) ==
          lines{"crontab:1:11: no newline at the end of the last line: crontab(1) refuses to "
                "install the file (missing newline before EOF), and cron ignores the whole file "
                "when it finds it in its spool or in /etc/cron.d"});
}

TEST_CASE("a CRLF crontab: each job line reported, its entries counted") {
    const std::string text = "# nightly\r\n"
                             "MAILTO=ops\r\n"
                             "0 2 * * * /bin/true\r\n"
                             "@daily /bin/true --all\r\n";
    crontab_options quiet;
    quiet.check_programs = false;
    const auto tab = parse_crontab(text, "crontab", quiet);
    CHECK(tab.entries.size() == 2);
    CHECK(diagnostics(text, quiet) ==
          lines{"crontab:3:20: command ends with a carriage return (CRLF line end): cron keeps "
                "the '\\r' in the command, which fails when it runs",
                "crontab:4:23: command ends with a carriage return (CRLF line end): cron keeps "
                "the '\\r' in the command, which fails when it runs"});
    // Found with crontab(1): a blank line's '\r' is refused, a comment's is not.
    CHECK(diagnostics("# nightly\r\n\r\n  \r\n", quiet) ==
          lines{"crontab:2:1: blank line ending with a carriage return (CRLF line end): cron "
                "reads the '\\r' as a minute field and refuses the file (bad minute)",
                "crontab:3:3: blank line ending with a carriage return (CRLF line end): cron "
                "reads the '\\r' as a minute field and refuses the file (bad minute)"});
    const auto r = lint({cron_source::text("crontab", text)});
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "2 errors, 0 warnings in crontab (2 entries)");
}

TEST_CASE("lines written for something else are named for what they are") {
    struct line_case {
        const char* text;
        const char* message;
    };
    const line_case cases[] = {
        {"This runs the backup every night\n",
         "crontab:1:1: not a crontab line: 'This runs the backup every night' is neither a job "
         "(5 time fields or an @keyword, then a command), an environment setting (NAME=value) "
         "nor a comment"},
        {"0 3 * * * /usr/bin/backup \\\n    --all --verbose\n",
         "crontab:2:5: cron has no line continuation: the '\\' ending line 1 does not join this "
         "line to it, and on its own this line is not a crontab line (expected 5 time fields, "
         "found 2)"},
        {"0 0 ? * MON /bin/true\n",
         "crontab:1:5: day of month: '?' is Quartz's 'no specific value': cron has no '?' "
         "(write '*')"},
        {"0 0 12 * * ? /bin/true\n",
         "crontab:1:12: 6 time fields ('0 0 12 * * ?'): a schedule with a seconds field, written "
         "for another scheduler; cron has 5 and reads '?' as the start of the command"},
        {"17 * * * * root cd / && run-parts /etc/cron.hourly\n",
         "crontab:1:12: warning: 'root' is a user name, not a program: a line of a system "
         "crontab (schedule, user, command)? A user crontab has no user field, so cron runs "
         "'root cd / && run-parts /etc/cron.hourly' as the command; lint a system crontab with "
         "--system"},
    };
    crontab_options quiet;
    quiet.check_programs = false;
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(diagnostics(c.text, quiet) == lines{c.message});
    }
    crontab_options system = quiet;
    system.system = true;
    CHECK(diagnostics("17 * * * * root cd / && run-parts /etc/cron.hourly\n", system).empty());
}

TEST_CASE("a file that cannot be read is an error naming it and why") {
    rollcheck_test::temp_dir dir;
    const auto missing = lint({cron_source::file(dir / "missing")});
    REQUIRE_VERDICT(missing, verdict::error);
    CHECK(missing.summary == fmt::format("could not read 1 of 1 crontab source: cannot read "
                                         "'{}': No such file or directory",
                                         (dir / "missing").string()));
    // Tests run as root, whom permission bits do not stop: a path through a
    // regular file cannot be read by anyone.
    dir.write("file", "x");
    const auto through_file = lint({cron_source::file(dir / "file" / "crontab")});
    REQUIRE_VERDICT(through_file, verdict::error);
    CHECK(through_file.summary ==
          fmt::format("could not read 1 of 1 crontab source: cannot read '{}': Not a directory",
                      (dir / "file" / "crontab").string()));
    const auto directory = lint({cron_source::file(dir.path())});
    CHECK(directory.summary == fmt::format("could not read 1 of 1 crontab source: cannot read "
                                           "'{}': is a directory",
                                           dir.path().string()));
    CHECK(lint({}).summary == "no crontab source given");
}

TEST_CASE("a cron.d directory is read in the system format and misnamed files are ignored") {
    rollcheck_test::temp_dir dir;
    dir.write("cron.d/backup", "0 1 * * * root /bin/true\n");
    dir.write("cron.d/backup.dpkg-old", "0 1 * * * root /bin/false\n");
    const auto r = lint({cron_source::directory(dir / "cron.d")});
    REQUIRE_VERDICT(r, verdict::warn);
    CHECK(r.summary == fmt::format("0 errors, 1 warning in {0}/backup, {0}/backup.dpkg-old "
                                   "(1 entry)",
                                   (dir / "cron.d").string()));
    CHECK(r.evidence.items().at(0).text ==
          fmt::format("{}/backup.dpkg-old: warning: cron ignores this file: its name has "
                      "characters other than letters, digits, '_' and '-'",
                      (dir / "cron.d").string()));
    const auto missing = lint({cron_source::directory(dir / "nope")});
    REQUIRE_VERDICT(missing, verdict::error);
    CHECK(missing.summary == fmt::format("could not read 1 of 1 crontab source: cannot read "
                                         "directory '{}': No such file or directory",
                                         (dir / "nope").string()));
}
