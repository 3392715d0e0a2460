// The systemd journal as a log source: real journal files, written by
// systemd-journal-remote from export format and read through sd-journal, for
// `logs scan` and for cron's record in `cron ran` and `job ran`.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rollcheck/command.hpp>
#include <rollcheck/cron_ran.hpp>
#include <rollcheck/job_ran.hpp>
#include <rollcheck/log_scan.hpp>

#include "log_test_support.hpp"
#include "run_program.hpp"

using namespace rollcheck;

namespace {

/// 2026-11-28T09:00:00Z, the first entry's time.
constexpr std::int64_t base_seconds = 1795856400;

/// One entry in journal export format, `second` seconds after 09:00:00.
std::string entry(int second, const std::string& unit, const std::string& identifier,
                  const std::string& message, int priority = 6) {
    std::string text = fmt::format("__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n"
                                   "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=app1\n"
                                   "PRIORITY={}\nMESSAGE={}\n",
                                   (base_seconds + second) * 1000000,
                                   (std::int64_t{second} + 1) * 1000000, priority, message);
    if (!unit.empty()) text += "_SYSTEMD_UNIT=" + unit + "\n";
    if (!identifier.empty()) text += "SYSLOG_IDENTIFIER=" + identifier + "\n";
    return text + "\n";
}

/// `entries` (export format) written as the journal file `name` in `dir`,
/// by the program journald's remote side uses.
std::string write_journal(const rollcheck_test::temp_dir& dir, const std::string& name,
                          const std::string& entries) {
    const auto file = (dir / name).string();
    command_spec spec;
    spec.argv = {ROLLCHECK_JOURNAL_REMOTE, "--output=" + file, "--compress=no", "-"};
    spec.input = entries;
    spec.timeout = std::chrono::seconds(30);
    const auto run = run_command(spec);
    REQUIRE(run.exit_code == 0);
    REQUIRE(std::filesystem::is_regular_file(file));
    return file;
}

/// The scan of journal file `file` for `errors`, every error kept.
log_scan_spec journal_scan(const std::string& file, std::vector<std::string> errors,
                           const std::string& unit = "") {
    auto spec = log_test::scan_of({}, std::move(errors));
    spec.journal.files = {file};
    spec.journal.unit = unit;
    return spec;
}

std::chrono::system_clock::time_point at_second(int second) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(base_seconds + second));
}

/// A batch job's day in the journal: its service's lines, another
/// service's error, and cron starting it.
std::string batch_day() {
    return entry(0, "batch.service", "batch", "starting batch") +
           entry(5, "other.service", "other", "ERROR other failed", 3) +
           entry(10, "batch.service", "batch", "processed 10 submissions") +
           entry(20, "cron.service", "CRON", "(app) CMD (/opt/app/run_batch.sh --all)") +
           entry(30, "batch.service", "batch", "processed 12 submissions");
}

} // namespace

TEST_CASE("a clean unit in a journal file passes, naming the unit, its entries and times") {
    rollcheck_test::temp_dir dir;
    const auto file = write_journal(dir, "clean.journal", batch_day());
    auto spec = journal_scan(file, {"ERROR|Traceback"}, "batch");
    spec.rules.required = {{"processed [0-9]+ submissions", 2}};
    const auto r = check_log_scan(spec);
    INFO(r.summary);
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "no error line in journal file " + file +
                           " of batch.service (3 entries, 2026-11-28T09:00:00.000Z to "
                           "2026-11-28T09:00:30.000Z); required 'processed [0-9]+ submissions' "
                           "matched 2 lines");
    CHECK(r.totals["journal"]["entries"] == 3);
    CHECK(r.totals["journal"]["unit"] == "batch.service");
}

TEST_CASE("an error entry fails the scan with journal:UNIT:TIME: MESSAGE as evidence") {
    rollcheck_test::temp_dir dir;
    const auto file =
        write_journal(dir, "failed.journal",
                      batch_day() + entry(40, "batch.service", "batch", "ERROR scoring failed", 3));
    const auto r = check_log_scan(journal_scan(file, {"ERROR"}, "batch.service"));
    CHECK(r.status == verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("1 error event (1 line) in journal file " + file +
                                            " of batch.service (4 entries"));
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              "journal:batch.service:2026-11-28T09:00:40.000Z: ERROR scoring failed"});
    const auto& data = r.evidence.items().at(0).data;
    CHECK(data["time"] == "2026-11-28T09:00:40.000Z");
    CHECK_THAT(data["cursor"].get<std::string>(), Catch::StartsWith("s="));

    SECTION("without a unit, every entry is read: the other service's error too") {
        const auto all = check_log_scan(journal_scan(file, {"ERROR"}));
        CHECK(all.status == verdict::fail);
        CHECK(all.totals["error_events"] == 2);
        CHECK(log_test::evidence_texts(all).at(0) ==
              "journal:other.service:2026-11-28T09:00:05.000Z: ERROR other failed");
    }
    SECTION("an identifier picks entries as the unit does") {
        auto by_identifier = journal_scan(file, {"ERROR"});
        by_identifier.journal.identifier = "other";
        const auto other = check_log_scan(by_identifier);
        CHECK(other.status == verdict::fail);
        CHECK(other.totals["journal"]["entries"] == 1);
        CHECK_THAT(other.summary, Catch::Contains(" of identifier other (1 entry, "));
    }
}

TEST_CASE("only the journal's entries since the given time count") {
    rollcheck_test::temp_dir dir;
    const auto file = write_journal(
        dir, "since.journal",
        entry(0, "batch.service", "batch", "ERROR before the rollback", 3) + batch_day());
    auto spec = journal_scan(file, {"ERROR"}, "batch");
    CHECK(check_log_scan(spec).status == verdict::fail);
    spec.since = at_second(1);
    const auto r = check_log_scan(spec);
    INFO(r.summary);
    CHECK(r.status == verdict::pass);
    CHECK(r.totals["since"] == "2026-11-28T09:00:01.000Z");
    CHECK(r.totals["journal"]["entries"] == 2);

    SECTION("a window with no entry of the unit is an error, never a pass") {
        spec.since = at_second(31);
        const auto empty = check_log_scan(spec);
        CHECK(empty.status == verdict::error);
        CHECK(empty.summary == "no log lines to check in journal file " + file +
                                   " of batch.service: no entry at or after "
                                   "2026-11-28T09:00:31.000Z");
    }
    SECTION("a unit with no entry at all is an error") {
        const auto none = check_log_scan(journal_scan(file, {"ERROR"}, "missing"));
        CHECK(none.status == verdict::error);
        CHECK(none.summary ==
              "no log lines to check in journal file " + file + " of missing.service: no entry");
    }
}

TEST_CASE("a Python traceback over several journal entries is one error event") {
    rollcheck_test::temp_dir dir;
    const auto file = write_journal(
        dir, "traceback.journal",
        entry(1, "batch.service", "batch", "Traceback (most recent call last):", 3) +
            entry(1, "batch.service", "batch", "  File \"score.py\", line 12, in score", 3) +
            entry(1, "batch.service", "batch", "    raise ValueError(\"empty batch\")", 3) +
            entry(2, "batch.service", "batch", "ValueError: empty batch", 3) +
            entry(3, "batch.service", "batch", "ERROR retry failed", 3));
    const auto r = check_log_scan(journal_scan(file, {"Traceback|Error|ERROR"}, "batch"));
    CHECK(r.status == verdict::fail);
    CHECK(r.totals["error_events"] == 2);
    CHECK(r.totals["error_lines"] == 4);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              "journal:batch.service:2026-11-28T09:00:01.000Z: Traceback (most recent call "
              "last):  ⇒ 2026-11-28T09:00:02.000Z: ValueError: empty batch",
              "journal:batch.service:2026-11-28T09:00:01.000Z:     raise "
              "ValueError(\"empty batch\")",
              "journal:batch.service:2026-11-28T09:00:02.000Z: ValueError: empty batch",
              "journal:batch.service:2026-11-28T09:00:03.000Z: ERROR retry failed"});
}

TEST_CASE("20,000 error entries: every one counted, ten kept, --until-met stops at the first") {
    rollcheck_test::temp_dir dir;
    std::string entries;
    for (int i = 0; i < 20000; ++i)
        entries += entry(i, "batch.service", "batch", fmt::format("ERROR item {} failed", i), 3);
    const auto file = write_journal(dir, "many.journal", entries);
    auto spec = journal_scan(file, {"ERROR"}, "batch");
    spec.show = 10;
    const auto r = check_log_scan(spec);
    CHECK(r.status == verdict::fail);
    CHECK(r.totals["error_events"] == 20000);
    CHECK(r.evidence.items().size() == 10);
    CHECK(r.evidence.total() == 20000);

    auto heartbeat = journal_scan(file, {}, "batch");
    heartbeat.rules.required = {{"item [0-9]+", 1}};
    heartbeat.stop_when_met = true;
    const auto met = check_log_scan(heartbeat);
    CHECK(met.status == verdict::pass);
    CHECK(met.totals["journal"]["entries"] == 1);
    heartbeat.rules.errors = {"ERROR"}; // an error could come after the stop
    CHECK_THAT(check_log_scan(heartbeat).summary,
               Catch::StartsWith("cannot stop once the requirements are met"));
}

TEST_CASE("a corrupt or truncated journal file is an error naming the file") {
    rollcheck_test::temp_dir dir;
    const auto good = write_journal(dir, "good.journal", batch_day());

    SECTION("garbage bytes") {
        std::string garbage(64 * 1024, '\0');
        for (std::size_t i = 0; i < garbage.size(); ++i)
            garbage[i] = static_cast<char>((i * 7919) % 251);
        const auto file = dir.write("garbage.journal", garbage).string();
        const auto r = check_log_scan(journal_scan(file, {"ERROR"}));
        CHECK(r.status == verdict::error);
        CHECK_THAT(r.summary,
                   Catch::StartsWith("journal file " + file + ": cannot read it as a journal ("));
    }
    SECTION("a journal file cut short, read with a good one") {
        const auto file = (dir / "cut.journal").string();
        std::filesystem::copy_file(good, file);
        std::filesystem::resize_file(file, 4096);
        auto spec = journal_scan(good, {"ERROR"});
        spec.journal.files.push_back(file);
        const auto r = check_log_scan(spec);
        CHECK(r.status == verdict::error);
        CHECK_THAT(r.summary, Catch::StartsWith("journal file " + file + ": cannot read it"));
    }
    SECTION("a damaged MESSAGE inside a readable file: the entry cannot vouch for itself") {
        const auto file = write_journal(
            dir, "damaged.journal",
            batch_day() + entry(40, "batch.service", "batch", "ERROR the only error", 3) +
                entry(50, "batch.service", "batch", "processed 14 submissions"));
        CHECK(check_log_scan(journal_scan(file, {"ERROR"}, "batch")).status == verdict::fail);
        std::string bytes;
        {
            std::ifstream in(file, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        const auto at = bytes.find("MESSAGE=ERROR the only error");
        REQUIRE(at != std::string::npos);
        for (std::size_t i = at - 16; i < at + 48; ++i)
            bytes[i] = static_cast<char>(i * 37 + 1);
        std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
        // sd-journal skips the damaged entry (and, through the unit's
        // index, the one after it) without a word: the gap it leaves in
        // the entries' numbers is what tells.
        const auto r = check_log_scan(journal_scan(file, {"ERROR"}, "batch"));
        CHECK(r.status == verdict::error);
        CHECK(r.summary ==
              "journal file " + file +
                  " of batch.service: 1 entry is missing before the entry at "
                  "2026-11-28T09:00:50.000Z: damaged (journalctl --verify names the file), or "
                  "in a file this user may not read; what it held cannot be checked");
        // Without error patterns, a requirement met (cron's record of a run)
        // stands: no missing entry can undo a line that was found.
        auto found = journal_scan(file, {}, "batch");
        found.rules.required = {{"processed 1[02] submissions", 2}};
        const auto met = check_log_scan(found);
        CHECK(met.status == verdict::pass);
        CHECK_THAT(met.summary, Catch::Contains("matched 2 lines"));
    }
    SECTION("an empty file and a missing one") {
        const auto empty = dir.write("empty.journal", "").string();
        CHECK_THAT(check_log_scan(journal_scan(empty, {"ERROR"})).summary,
                   Catch::StartsWith("journal file " + empty + ": cannot read it"));
        const auto missing = (dir / "missing.journal").string();
        CHECK(check_log_scan(journal_scan(missing, {"ERROR"})).summary ==
              "journal file " + missing + ": no such file");
    }
}

TEST_CASE("a machine without a journal is an error naming where it looked, never a pass") {
    rollcheck_test::temp_dir dir;
    std::filesystem::create_directories(dir / "journal");
    auto spec = log_test::scan_of({}, {"ERROR"});
    spec.journal.directory = (dir / "journal").string();
    const auto r = check_log_scan(spec);
    CHECK(r.status == verdict::error);
    CHECK_THAT(r.summary, Catch::StartsWith("journal directory " + spec.journal.directory +
                                            ": no journal file to read"));

    spec.journal.directory = (dir / "none").string();
    const auto missing = check_log_scan(spec);
    CHECK(missing.status == verdict::error);
    CHECK_THAT(missing.summary, Catch::StartsWith("journal directory " + spec.journal.directory +
                                                  ": cannot open it ("));

    SECTION("a unit without the journal is refused, not ignored") {
        rollcheck_test::temp_dir logs;
        auto files = log_test::scan_of({logs.write("app.log", "ok\n").string()}, {"ERROR"});
        files.journal.unit = "batch";
        const auto refused = check_log_scan(files);
        CHECK(refused.status == verdict::error);
        CHECK_THAT(refused.summary,
                   Catch::StartsWith("a unit or an identifier picks journal entries"));
    }
}

TEST_CASE("cron ran: cron's record in the journal proves the run, and the result says so") {
    rollcheck_test::temp_dir dir;
    const auto file = write_journal(dir, "cron.journal", batch_day());
    cron_ran_spec spec;
    spec.schedule = "*/15 * * * *";
    spec.command = "/opt/app/run_batch.sh   --all";
    spec.cron_journal.files = {file};
    spec.grace = std::chrono::minutes(1);
    spec.now = cron_time(std::chrono::seconds(base_seconds + 120)); // due at 09:00:00

    const auto r = check_cron_ran(spec);
    INFO(r.summary);
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "'*/15 * * * *' ran: cron recorded starting '/opt/app/run_batch.sh   "
                       "--all' at 2026-11-28T09:00 (journal file " +
                           file + "), after the run due at 2026-11-28T09:00 UTC");
    CHECK(r.totals["proved_by"] == "cron's record in the journal");
    CHECK(r.totals["cron_journal_records"] == 1);

    SECTION("another user's run is not this entry's") {
        spec.user = "root";
        const auto other = check_cron_ran(spec);
        CHECK(other.status == verdict::fail);
        CHECK_THAT(other.summary,
                   Catch::StartsWith("no record of cron starting '/opt/app/run_batch.sh   "
                                     "--all' in journal file " +
                                     file + " of identifier CRON since the run"));
    }
    SECTION("a run before the due time does not count") {
        spec.now = cron_time(std::chrono::seconds(base_seconds + 15 * 60 + 120)); // due 09:15
        const auto late = check_cron_ran(spec);
        CHECK(late.status == verdict::fail);
        CHECK_THAT(late.summary, Catch::EndsWith("the last one is from 2026-11-28T09:00 "
                                                 "(journal file " +
                                                 file + ")"));
    }
    SECTION("a journal without cron's entries cannot decide") {
        const auto bare =
            write_journal(dir, "bare.journal", entry(0, "batch.service", "batch", "hello"));
        spec.cron_journal.files = {bare};
        const auto none = check_cron_ran(spec);
        CHECK(none.status == verdict::error);
        CHECK(none.summary ==
              "no log lines to check in journal file " + bare + " of identifier CRON: no entry");
    }
}

TEST_CASE("job ran: cron's record in the journal since the window's start proves the run") {
    rollcheck_test::temp_dir dir;
    const auto file = write_journal(dir, "cron.journal", batch_day());
    job_ran_spec spec;
    spec.command = "/opt/app/run_batch.sh --all";
    spec.process = rollcheck_test::unique_name("no_such_job");
    spec.cron_journal.files = {file};
    spec.since = at_second(15);
    auto r = check_job_ran(spec);
    INFO(r.summary);
    CHECK(r.status == verdict::pass);
    CHECK(r.summary == "'/opt/app/run_batch.sh --all' ran since 2026-11-28T09:00:15.000Z: cron's "
                       "record in the journal shows it: a record of cron starting "
                       "'/opt/app/run_batch.sh --all' at journal file " +
                           file + " of identifier CRON (2026-11-28T09:00:20.000Z)");
    CHECK(r.totals["proved_by"] == "cron's record in the journal");

    // The record of 09:00:20 is before this window: the journal shows no run in it.
    spec.since = at_second(25);
    r = check_job_ran(spec);
    CHECK(r.status == verdict::fail);
    CHECK_THAT(r.summary,
               Catch::EndsWith("; cron's record in the journal: no record of cron "
                               "starting '/opt/app/run_batch.sh --all' in journal file " +
                               file + " of identifier CRON: nothing written since"));
}

TEST_CASE("rollcheck logs scan --journal-file prints journal findings and exits 1") {
    rollcheck_test::temp_dir dir;
    const auto file =
        write_journal(dir, "cli.journal",
                      batch_day() + entry(40, "batch.service", "batch", "ERROR scoring failed", 3));
    auto run = rollcheck_test::run_program(ROLLCHECK_CLI, {"logs", "scan", "--journal-file", file,
                                                           "--unit", "batch", "--error", "ERROR",
                                                           "--since", "2026-11-28T09:00:00Z"});
    CHECK(run.exit_code == 1);
    CHECK(std::regex_replace(run.out.text(), std::regex(R"(\(\d+ ms\))"), "(N ms)") ==
          "FAIL logs.scan: 1 error event (1 line) in journal file " + file +
              " of batch.service (4 entries, 2026-11-28T09:00:00.000Z to "
              "2026-11-28T09:00:40.000Z), at most 0 allowed (N ms)\n"
              "  - journal:batch.service:2026-11-28T09:00:40.000Z: ERROR scoring failed\n");

    run = rollcheck_test::run_program(
        ROLLCHECK_CLI,
        {"logs", "scan", "--journal-directory", (dir / "nothing").string(), "--error", "ERROR"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(), Catch::StartsWith("ERROR logs.scan: journal directory " +
                                                 (dir / "nothing").string() +
                                                 ": cannot open it (No such file or directory)"));

    // A journal's entries are not JSON lines: the record options are refused, not ignored.
    run = rollcheck_test::run_program(ROLLCHECK_CLI, {"logs", "scan", "--journal-file", file,
                                                      "--error", "^ERROR$", "--match-level"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.out.text(), Catch::StartsWith("ERROR logs.scan: the journal's entries are "
                                                 "not JSON lines: the format and the JSON "
                                                 "fields are for log files"));

    // The journal's cron record is from 2026-11-28: a run due since is missing.
    run = rollcheck_test::run_program(
        ROLLCHECK_CLI, {"cron", "ran", "--schedule", "*/15 * * * *", "--cron-journal-file", file,
                        "--command", "/opt/app/run_batch.sh --all", "--user", "app"});
    CHECK(run.exit_code == 1);
    CHECK_THAT(
        run.out.text(),
        Catch::Contains("in journal file " + file +
                        " of identifier CRON since the run of '*/15 * * * *' due at") &&
            Catch::Contains("the last one is from 2026-11-28T09:00 (journal file " + file + ")"));
}
