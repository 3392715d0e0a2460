// "The batch job ran since the rollback" against real sources: a process
// running the job's script, its log, cron's syslog record; and the verdict
// when none shows the run, or one cannot be read.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/job_ran.hpp>
#include <rollcheck/processes.hpp>

#include "code_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;

namespace {

/// A checkout with the job's script under a name no other process has,
/// its command as the crontab writes it, and the window of the check.
struct job_checkout {
    rollcheck_test::temp_dir dir;
    std::string stem = rollcheck_test::unique_name("batch_scoring");
    std::filesystem::path script = dir / ("scripts/core/" + stem + ".py");
    std::string command = "cd " + dir.path().string() + " && python3 scripts/core/" + stem + ".py";
    time_point since = std::chrono::system_clock::now() - 10min;

    job_checkout() {
        std::filesystem::create_directories(script.parent_path());
        std::filesystem::copy_file(
            std::string(CODE_FIXTURES) + "/processes/run_unified_pipeline.py", script);
    }
    [[nodiscard]] job_ran_spec spec() const {
        job_ran_spec s;
        s.command = command;
        s.since = since;
        return s;
    }
    /// A log line stamped `at`.
    [[nodiscard]] std::string line(time_point at, const std::string& text) const {
        return format_utc(at) + " " + text + "\n";
    }
};

/// The job's script run as cron would, from the checkout, until destroyed.
class running_job {
public:
    explicit running_job(const job_checkout& job) : stop_(job.dir / "stop") {
        command_spec spec;
        spec.argv = {rollcheck_test::python, "scripts/core/" + job.stem + ".py", stop_.string()};
        spec.working_directory = job.dir.path();
        spec.timeout = 30s;
        thread_ = std::thread([spec] { (void)run_command(spec); });
        process_spec up;
        up.pattern = job.stem;
        up.match = process_match::runs;
        up.wait = 5s;
        REQUIRE_VERDICT(check_processes(up), verdict::pass);
    }
    ~running_job() {
        std::ofstream(stop_).put('x');
        thread_.join();
    }
    running_job(const running_job&) = delete;
    running_job& operator=(const running_job&) = delete;

private:
    std::filesystem::path stop_;
    std::thread thread_;
};

} // namespace

TEST_CASE("the job's process is derived from its command: the .py word's stem, else its program") {
    CHECK(job_process_pattern("cd /srv/app && python3 scripts/core/batch_opportunity_scoring.py "
                              "--limit 10") == "batch_opportunity_scoring");
    CHECK(job_process_pattern("/usr/local/bin/run-job.sh nightly") == "run\\-job\\.sh");
    // Cron sends what follows an unescaped % to the job's input.
    CHECK(job_process_pattern("/opt/report %scores.py") == "report");
    CHECK(job_process_pattern("  ").empty());
}

TEST_CASE("job ran: a process running the job's script proves it, whatever the log says") {
    job_checkout job;
    const auto log = job.dir.write("logs/batch.log", job.line(job.since - 1h, "old run"));
    running_job running(job);
    auto spec = job.spec();
    spec.logs = {log.string()};
    const auto r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "job.ran");
    CHECK(r.summary == "'" + job.command + "' is running: its process shows it: 1 process runs '" +
                           job.stem + "' (at least 1 expected)");
    CHECK(r.totals["proved_by"] == "its process");
    CHECK(r.totals["sources"]["its process"]["matching"] == 1);
    REQUIRE(r.evidence.items().size() == 1);
    CHECK_THAT(r.evidence.items()[0].text, Catch::Contains("runs script " + job.script.string()));
}

TEST_CASE("job ran: a progress line in its log since the window's start proves it") {
    job_checkout job;
    const auto log = job.dir.write("logs/batch.log",
                                   job.line(job.since - 1h, "INFO scored 40 submissions") +
                                       job.line(job.since + 5min, "INFO heartbeat") +
                                       job.line(job.since + 6min, "INFO scored 12 submissions"));
    auto spec = job.spec();
    spec.logs = {log.string()};
    spec.progress = "scored [0-9]+";
    const auto r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    // The first line since the window's start that matches: the heartbeat does not.
    CHECK(r.summary == "'" + job.command + "' ran since " + format_utc(job.since) +
                           ": its log shows it: a line matching 'scored [0-9]+' at " +
                           log.string() + ":3 (" + format_utc(job.since + 6min) + ")");
    CHECK(r.totals["proved_by"] == "its log");
    CHECK(r.totals["since"] == format_utc(job.since));
    CHECK(r.totals["sources"].contains("its process"));

    // The old run's line alone, before the window, is no proof.
    job.dir.write("logs/batch.log", job.line(job.since - 1h, "INFO scored 40 submissions") +
                                        job.line(job.since + 5min, "INFO heartbeat"));
    const auto old = check_job_ran(spec);
    CHECK_VERDICT(old, verdict::fail);
    CHECK_THAT(old.summary, Catch::EndsWith("; its log: no line matching 'scored [0-9]+' in '" +
                                            log.string() + "'"));
}

TEST_CASE("job ran: cron's syslog record of starting the command since then proves it") {
    job_checkout job;
    const auto syslog = job.dir.write(
        "syslog", job.line(job.since + 1min, "host CRON[4242]: (app) CMD (" + job.command + ")"));
    auto spec = job.spec();
    spec.cron_logs = {syslog.string()};
    spec.user = "app";
    auto r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "'" + job.command + "' ran since " + format_utc(job.since) +
                           ": cron's record shows it: a record of cron starting '" + job.command +
                           "' as app at " + syslog.string() + ":1 (" +
                           format_utc(job.since + 1min) + ")");
    CHECK(r.totals["proved_by"] == "cron's record");

    // Another crontab's run of the same command is not this one's.
    spec.user = "root";
    r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::EndsWith("; cron's record: no record of cron starting '" +
                                          job.command + "' as root in '" + syslog.string() + "'"));
}

TEST_CASE("job ran: no source showing the run fails, naming each source and what it showed") {
    job_checkout job;
    const auto log = job.dir.write("logs/batch.log", job.line(job.since - 1h, "INFO old run"));
    const auto syslog = job.dir.write(
        "syslog", job.line(job.since + 1min, "host CRON[7]: (app) CMD (/usr/bin/other-job)"));
    auto spec = job.spec();
    spec.logs = {log.string()};
    spec.cron_logs = {syslog.string()};
    const auto r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    const auto since = format_utc(job.since);
    CHECK(r.summary == "no sign that '" + job.command + "' ran since " + since +
                           ": its process: 0 processes run '" + job.stem +
                           "' (at least 1 expected); its log: no line in '" + log.string() +
                           "': nothing written since; cron's record: no record of cron starting '" +
                           job.command + "' in '" + syslog.string() + "'");
    CHECK(r.totals["sources"].size() == 3);
    CHECK_FALSE(r.totals.contains("proved_by"));
}

TEST_CASE("job ran: a log that cannot be read is an error unless another source proves the run") {
    job_checkout job;
    const auto missing = job.dir / "logs/missing.log";
    const auto syslog = job.dir.write("syslog", "");
    auto spec = job.spec();
    spec.logs = {missing.string()};
    spec.cron_logs = {syslog.string()};
    auto r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary,
               Catch::Contains("; its log: " + missing.string() + ": cannot open") &&
                   Catch::EndsWith("; cron's record: no record of cron starting '" + job.command +
                                   "' in '" + syslog.string() + "': nothing written since"));

    job.dir.write("syslog",
                  job.line(job.since + 1min, "host CRON[9]: (app) CMD (" + job.command + ")"));
    r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.totals["proved_by"] == "cron's record");
    CHECK(r.totals["sources"]["its log"].is_object());

    spec.command = " ";
    r = check_job_ran(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "no command given: the job's process and cron's record are known by it");
}
