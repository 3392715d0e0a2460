// The process verifier against real child processes: counts, absence,
// waiting for a process to start or to die, processes that vanish mid-read,
// and a process told by what it runs from one that only names a file.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <csignal>

#include <re2/re2.h>
#include <rollcheck/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/process/runs.hpp>
#include <rollcheck/processes.hpp>

#include "code_support.hpp"

using namespace rollcheck;
using namespace std::chrono_literals;
using rollcheck_test::worker;

namespace {

/// Waits until `n` processes match `token` (the workers start on threads).
void wait_for(const std::string& token, std::size_t n) {
    process_spec spec;
    spec.pattern = token;
    spec.expect = process_expectation::exactly;
    spec.count = n;
    spec.wait = 5s;
    REQUIRE_VERDICT(check_processes(spec), verdict::pass);
}

} // namespace

TEST_CASE("running processes are counted, with pid, user, start time and command line") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("pipeline");
    worker a(dir, token), b(dir, token);
    wait_for(token, 2);

    process_spec spec;
    spec.pattern = token + "$";
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.check == "proc.running");
    CHECK(r.summary == "2 processes match '" + token + "$' (at least 1 expected)");
    REQUIRE(r.evidence.items().size() == 2);
    const auto& first = r.evidence.items()[0];
    CHECK_THAT(first.text, Catch::Matches("pid [0-9]+ user root started "
                                          "20[0-9-]+T[0-9:]+Z: /usr/bin/python3 -c import .* " +
                                          token));
    CHECK(first.data["user"] == "root");
    // Started within the last minute: start times are read from /proc/PID/stat's starttime.
    const auto now = std::time(nullptr);
    const auto started = detail::start_time(detail::read_proc_stat(first.data["pid"])->start_ticks);
    CHECK(started <= now);
    CHECK(started > now - 60);

    spec.expect = process_expectation::exactly;
    spec.count = 1;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "2 processes match '" + token + "$' (exactly 1 expected)");

    spec.expect = process_expectation::none;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.check == "proc.absent");
    CHECK(r.summary == "2 processes match '" + token + "$' (none expected)");
}

TEST_CASE("absent processes pass, and this process's own command line never matches") {
    std::string own;
    for (const auto& arg : detail::read_proc_cmdline(::getpid()))
        own += (own.empty() ? "" : " ") + arg;
    process_spec spec;
    spec.pattern = "^" + RE2::QuoteMeta(own) + "$";
    spec.expect = process_expectation::none;
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary, Catch::StartsWith("0 processes match"));

    spec.expect = process_expectation::at_least;
    spec.pattern = rollcheck_test::unique_name("nothing_runs_this");
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "0 processes match '" + spec.pattern + "' (at least 1 expected)");
}

TEST_CASE("waiting: a process that dies or starts within the deadline passes") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("unified");
    process_spec spec;
    spec.pattern = token;
    spec.wait = 5s;
    SECTION("a process that takes a while to die") {
        worker w(dir, token);
        wait_for(token, 1);
        std::thread stopper([&w] {
            std::this_thread::sleep_for(300ms);
            w.stop();
        });
        spec.expect = process_expectation::none;
        const auto r = check_processes(spec);
        stopper.join();
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.totals["looks"] > 1);
        CHECK(r.elapsed < 3s);
    }
    SECTION("a process that takes a while to start") {
        worker w(dir, token, 300ms);
        const auto r = check_processes(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.elapsed >= 250ms);
    }
}

TEST_CASE("waiting ends at the deadline with a failure naming what still runs") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("stubborn");
    worker w(dir, token);
    wait_for(token, 1);
    process_spec spec;
    spec.pattern = token;
    spec.expect = process_expectation::none;
    spec.wait = 400ms;
    const auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "1 process matches '" + token + "' (none expected) after waiting 400 ms");
    CHECK(r.elapsed < 1s);
}

TEST_CASE("processes that vanish while /proc is read are left out, not errors") {
    rollcheck_test::process_mark mark;
    const auto token = rollcheck_test::unique_name("flicker");
    std::atomic<bool> done{false};
    std::thread churn([&] {
        auto spec = command_spec::shell("while true; do /bin/true " + token + "; done");
        spec.timeout = 1500ms;
        (void)run_command(spec);
        done = true;
    });
    process_spec spec;
    spec.pattern = "^/bin/true " + token;
    spec.expect = process_expectation::none;
    int looks = 0;
    while (!done) {
        const auto r = check_processes(spec);
        INFO(r.summary);
        CHECK((r.status == verdict::pass || r.status == verdict::fail));
        ++looks;
    }
    churn.join();
    CHECK(looks > 3);
    CHECK(mark.marked_processes().empty());
    CHECK(detail::read_proc_cmdline(999999999).empty());
    CHECK_FALSE(detail::read_proc_uid(999999999).has_value());
}

TEST_CASE("control characters in a command line stay on one line of evidence") {
    rollcheck_test::temp_dir dir;
    const auto token = rollcheck_test::unique_name("multi\nline");
    worker w(dir, token);
    wait_for(token, 1);
    process_spec spec;
    spec.pattern = token;
    const auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    const auto& item = r.evidence.items().at(0);
    CHECK_THAT(item.text, Catch::EndsWith(" multi\\x0aline" + token.substr(token.find('_'))));
    CHECK(item.data["command_line"].get<std::string>().find(token) != std::string::npos);
}

TEST_CASE("a missing or invalid pattern is an error") {
    process_spec spec;
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == "no pattern given");
    spec.pattern = "[unclosed";
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "pattern '[unclosed' is not a valid RE2 regular expression: missing ]: [unclosed");
}

namespace {

/// A real command run on a thread, in the background, until stop(): every
/// process it started carries a mark in its environment and is terminated.
class background {
public:
    explicit background(rollcheck::command_spec spec)
        : mark_(rollcheck_test::unique_name("background")) {
        spec.environment["ROLLCHECK_BACKGROUND"] = mark_;
        spec.timeout = 60s;
        thread_ = std::thread([spec] { (void)rollcheck::run_command(spec); });
    }
    ~background() {
        stop();
        thread_.join();
    }
    background(const background&) = delete;
    background& operator=(const background&) = delete;

    void stop() const {
        const auto needle = "ROLLCHECK_BACKGROUND=" + mark_ + '\0';
        for (const pid_t pid : detail::list_pids())
            if (detail::read_proc_file(pid, "environ").find(needle) != std::string::npos)
                ::kill(pid, SIGTERM);
    }

private:
    std::string mark_;
    std::thread thread_;
};

rollcheck::command_spec argv(std::vector<std::string> words) {
    rollcheck::command_spec spec;
    spec.argv = std::move(words);
    return spec;
}

const std::string fixtures = std::string(CODE_FIXTURES) + "/processes/";

/// The evidence of a process that names the pattern without running it.
std::string names_it(const evidence_item& item, const std::string& pattern,
                     const std::string& runs) {
    return fmt::format("pid {} `{}` names '{}' but does not run it: it runs {}",
                       item.data["pid"].get<pid_t>(), item.data["command_line"].get<std::string>(),
                       pattern, runs);
}

} // namespace

TEST_CASE("a pager and tail -f on the pipeline's script are not the pipeline, python3 running "
          "it by a relative path from its own directory is") {
    rollcheck_test::temp_dir dir;
    const auto script = dir / "scripts/unified/run_unified_pipeline.py";
    std::filesystem::create_directories(script.parent_path());
    std::filesystem::copy_file(fixtures + "run_unified_pipeline.py", script);
    const auto pattern = RE2::QuoteMeta(script.string());

    background tail(argv({"tail", "-f", script.string()}));
    wait_for("^/usr/bin/tail -f " + pattern, 1);
    auto pager = argv({rollcheck_test::python, fixtures + "in_terminal.py"});
    pager.environment["TERMINAL_COMMAND"] = "less " + script.string();
    background less(pager);
    wait_for("^less " + pattern, 1);

    // Read as before: any command line naming the script was the pipeline.
    process_spec spec;
    spec.pattern = pattern;
    spec.expect = process_expectation::none;
    auto r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.summary == "2 processes match '" + pattern + "' (none expected)");

    spec.match = process_match::runs;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "0 processes run '" + pattern +
                           "' (none expected); 2 processes name it without running it");
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.items()[0].text ==
          names_it(r.evidence.items()[0], pattern, "program /usr/bin/tail"));
    CHECK(r.evidence.items()[0].data["command_line"] == "/usr/bin/tail -f " + script.string());
    CHECK(r.evidence.items()[1].text ==
          names_it(r.evidence.items()[1], pattern, "program /usr/bin/less"));
    CHECK(r.evidence.items()[1].data["command_line"] == "less " + script.string());
    CHECK(r.totals["naming_only"] == 2);

    // The pipeline itself, started as production starts it: a relative path
    // from the checkout, which this test's directory is not.
    auto pipeline = argv({rollcheck_test::python, "scripts/unified/run_unified_pipeline.py",
                          (dir / "stop").string()});
    pipeline.working_directory = dir.path();
    background running(pipeline);
    spec.expect = process_expectation::at_least;
    spec.wait = 5s;
    r = check_processes(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.summary == "1 process runs '" + pattern +
                           "' (at least 1 expected); 2 processes name it without running it");
    const auto& item = r.evidence.items().at(0);
    CHECK_THAT(item.text,
               Catch::Matches("pid [0-9]+ user root started 20[0-9-]+T[0-9:]+Z: runs script " +
                              RE2::QuoteMeta(script.string()) +
                              ": /usr/bin/python3 scripts/unified/run_unified_pipeline\\.py " +
                              RE2::QuoteMeta((dir / "stop").string())));
    CHECK(item.data["runs"] == "script " + script.string());
}

TEST_CASE("what a process runs, read from its command line") {
    using detail::what_runs;
    const pid_t gone = 999999999; // its directory cannot be read: paths stay as given
    using words = std::vector<std::string>;
    const auto runs = [&](words args) { return what_runs(gone, args).description; };
    CHECK(runs(words{"python3", "scripts/run.py", "--watch", "60"}) == "script scripts/run.py");
    CHECK(runs(words{"/usr/bin/python3.11", "-u", "-X", "dev", "/srv/app/run.py"}) ==
          "script /srv/app/run.py");
    CHECK(runs(words{"/usr/bin/env", "PYTHONPATH=.", "python3", "-Bm", "app.pipeline.run"}) ==
          "module app.pipeline.run");
    CHECK(runs(words{"python3", "-c", "import run_unified_pipeline"}) == "code given with -c");
    CHECK(runs(words{"python3"}) == "an interactive interpreter");
    CHECK(runs(words{"bash", "-e", "deploy/run.sh"}) == "script deploy/run.sh");
    CHECK(runs(words{"sh", "-c", "python3 run.py"}) == "code given with -c");
    CHECK(runs(words{"perl", "-e", "print 1"}) == "code given with -e");
    CHECK(runs(words{"less", "run.py"}) == "program less");
    CHECK(runs(words{"postgres: checkpointer "}) == "program postgres: checkpointer ");

    // Relative to the process's own directory, read from /proc/PID/cwd.
    const auto here = std::filesystem::current_path();
    CHECK(what_runs(::getpid(), words{"python3", "./a/../run.py"}).names ==
          words{(here / "run.py").string()});
}

TEST_CASE("a zombie, whose command line is gone, is never counted") {
    rollcheck_test::temp_dir dir;
    const auto word = rollcheck_test::unique_name("zombie");
    auto spec = argv({rollcheck_test::python, fixtures + "leaves_zombie.py"});
    spec.environment["ZOMBIE_WORD"] = word;
    spec.environment["STOP_FILE"] = (dir / "stop").string();
    background parent(spec);
    // Its zombie child: state Z, an empty /proc/PID/cmdline.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool zombie = false;
    while (!zombie && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        for (const auto& p : detail::list_processes())
            zombie = zombie ||
                     (p.state == 'Z' && p.comm == "true" &&
                      detail::read_proc_file(p.ppid, "environ").find(word) != std::string::npos);
    }
    REQUIRE(zombie);
    for (const auto match : {process_match::command_line, process_match::runs}) {
        process_spec look;
        look.pattern = word;
        look.match = match;
        const auto r = check_processes(look);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK(r.evidence.items().empty());
    }
}
