// `rollcheck py|files|run|proc|net`, run as a program: help, JSON, and the
// exit statuses 0 (pass), 1 (fail), 2 (error or bad arguments).
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <rollcheck/command.hpp>
#include <rollcheck/time.hpp>

#include "code_support.hpp"
#include "run_program.hpp"

using namespace rollcheck;

namespace {

command_outcome cli(std::vector<std::string> args) {
    return rollcheck_test::run_program(ROLLCHECK_CLI, std::move(args));
}

} // namespace

TEST_CASE("every code subcommand has help") {
    const std::vector<std::vector<std::string>> commands = {
        {"py", "imports"}, {"files", "absent"}, {"files", "removed"}, {"files", "restored"},
        {"run"},           {"proc", "running"}, {"proc", "absent"},   {"net", "port"},
        {"net", "http"},   {"job", "ran"}};
    for (auto args : commands) {
        args.push_back("--help");
        const auto r = cli(args);
        INFO(r.command);
        CHECK(r.succeeded());
        CHECK_THAT(r.out.text(), Catch::Contains("--json") && Catch::Contains("Usage: rollcheck"));
    }
}

TEST_CASE("exit statuses follow the verdict, and --json prints the result as JSON") {
    rollcheck_test::temp_dir dir;
    dir.write("core/pipeline/__init__.py", "");

    auto r = cli({"files", "absent", "--root", dir.path().string(), "sdk/"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.text(), Catch::StartsWith("PASS files.absent: 1 path absent under " +
                                               dir.path().string() + " (") &&
                                 Catch::EndsWith(" ms)\n"));

    r = cli({"files", "absent", "--json", "--root", dir.path().string(), "core/pipeline/"});
    CHECK(r.exit_code == 1);
    const auto json = nlohmann::json::parse(r.out.text());
    CHECK(json["verdict"] == "fail");
    CHECK(json["evidence"][0]["path"] == "core/pipeline");

    r = cli({"py", "imports", "--python", rollcheck_test::python, "--cwd", dir.path().string(),
             "-m", "json", "-g", "core.pipeline", "-g", "core.fetchers"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.text(), Catch::Contains("core.pipeline: still importable, from " +
                                             (dir / "core/pipeline/__init__.py").string()));

    r = cli({"run", "--match", "^ok$", "--", "/bin/echo", "ok"});
    CHECK(r.exit_code == 0);
    r = cli({"run", "--shell", "exit 4"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.text(), Catch::StartsWith("FAIL command.run: `/bin/sh -c 'exit 4'` exited "
                                               "with status 4 (expected status 0)"));

    r = cli({"net", "http", "https://127.0.0.1/"});
    CHECK(r.exit_code == 2);
    r = cli({"proc", "absent", rollcheck_test::unique_name("nothing_like_this")});
    CHECK(r.exit_code == 0);
}

TEST_CASE("bad arguments exit 2 with a message") {
    auto r = cli({"proc", "running", "x", "--wait", "soon"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("'soon' is not a duration"));
    r = cli({"net", "port", "--port", "70000"});
    CHECK(r.exit_code == 2);
    r = cli({"run", "--shell", "echo", "two words"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("takes exactly one script argument"));
    r = cli(
        {"files", "restored", "--root", "/tmp", "--revision", "HEAD", "--archive", "/tmp", "x"});
    CHECK(r.exit_code == 2);
}

TEST_CASE("a name service that never answers is given up on at the deadline") {
    if (::geteuid() != 0 || !rollcheck_test::run_program("unshare", {"-m", "true"}).succeeded()) {
        WARN("not checked here: it binds port 53 and mounts over /etc/resolv.conf in a mount "
             "namespace of its own, as root");
        return;
    }
    // A DNS server that takes every query and answers none, on a loopback
    // address no local resolver uses.
    const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(53);
    addr.sin_addr.s_addr = htonl(0x7f350001); // 127.53.0.1
    REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    rollcheck_test::temp_dir dir;
    const auto resolv =
        dir.write("resolv.conf", "nameserver 127.53.0.1\noptions timeout:30 attempts:1\n");
    // Only this program, in a mount namespace of its own, sees that resolv.conf.
    const auto r = rollcheck_test::run_program(
        "unshare", {"-m", "sh", "-c",
                    "mount --bind \"$1\" /etc/resolv.conf && exec \"$2\" net port "
                    "--host db.rollcheck.test --port 5432 --timeout 1s",
                    "sh", resolv.string(), ROLLCHECK_CLI});
    ::close(silent);
    INFO(r.err.text());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out.text(), Catch::StartsWith("ERROR net.port: db.rollcheck.test:5432: cannot "
                                               "resolve db.rollcheck.test: no answer from the "
                                               "name service within 1 s ("));
    CHECK(r.elapsed < std::chrono::seconds(5));
}

TEST_CASE("rollcheck run reads a job's error lines: the runbook's, the job's own, or only those") {
    const std::string jobs = std::string(CODE_FIXTURES) + "/jobs/";
    const auto refused = jobs + "batch_connection_refused.py";
    auto r = cli({"run", "--tail", "0", "--error-pattern", "✗ Error", "--", rollcheck_test::python,
                  refused});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.text(),
               Catch::StartsWith("FAIL command.run: `/usr/bin/python3 " + refused +
                                 "` exited with status 0; 1 line matches an error pattern (") &&
                   Catch::EndsWith(" ms)\n  - stdout line 3 matches error pattern '✗ Error': ✗ "
                                   "Error fetching submissions: [Errno 111] Connection refused\n"));

    const auto traceback = jobs + "batch_traceback.py";
    r = cli({"run", "--tail", "0", "--", rollcheck_test::python, traceback});
    CHECK(r.exit_code == 1);
    r = cli({"run", "--tail", "0", "--no-default-error-patterns", "--", rollcheck_test::python,
             traceback});
    CHECK(r.exit_code == 0);
    r = cli({"run", "--pytest", "maybe", "--", "/bin/true"});
    CHECK(r.exit_code == 2);
}

TEST_CASE("rollcheck proc --runs counts what runs the script, not what names it") {
    rollcheck_test::temp_dir dir;
    const auto script = dir / "run_unified_pipeline.py";
    std::filesystem::copy_file(std::string(CODE_FIXTURES) + "/processes/run_unified_pipeline.py",
                               script);
    rollcheck::command_spec tail;
    tail.argv = {"/usr/bin/tail", "-f", script.string()};
    tail.timeout = std::chrono::seconds(3);
    std::thread pager([tail] { (void)rollcheck::run_command(tail); });
    const auto pattern = RE2::QuoteMeta(script.string());
    auto r = cli({"proc", "running", pattern, "--wait", "2s"});
    CHECK(r.exit_code == 0);
    r = cli({"proc", "absent", pattern, "--runs"});
    pager.join();
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.text(),
               Catch::StartsWith("PASS proc.absent: 0 processes run '" + pattern +
                                 "' (none expected); 1 process names it without running it (") &&
                   Catch::Contains("/usr/bin/tail -f " + script.string() + "` names '" + pattern +
                                   "' but does not run it: it runs program /usr/bin/tail\n"));
}

namespace {

/// The fixture checkout, and `files removed` run on it.
struct checkout : rollcheck_test::checkout {
    /// `files removed` of `paths` under the checkout, its imports checked by Debian's Python.
    [[nodiscard]] command_outcome removed(std::vector<std::string> paths,
                                          std::vector<std::string> imports) const {
        std::vector<std::string> args{
            "files", "removed", "--root", dir.path().string(), "--python", rollcheck_test::python};
        args.insert(args.end(), imports.begin(), imports.end());
        args.insert(args.end(), paths.begin(), paths.end());
        return cli(args);
    }
};

} // namespace

TEST_CASE("rollcheck files removed passes when the paths are gone, their modules no longer "
          "import and the old ones still do") {
    checkout tree;
    const auto r = tree.removed({"core/pipeline/", "tests/test_*_new.py"},
                                {"--gone", "core.pipeline", "--module", "core.lead_extractor",
                                 "--entry-point", "scripts/core/batch_opportunity_scoring.py"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.text(),
               Catch::StartsWith("PASS files.removed: paths: all 2 paths absent under " +
                                 tree.dir.path().string() +
                                 "; imports: 1 module imports, 1 entry point resolves and 1 "
                                 "removed module is gone (/usr/bin/python3) ("));

    // Without --python it is the absence check alone, under its own name.
    const auto alone = cli({"files", "removed", "--root", tree.dir.path().string(), "sdk/"});
    CHECK(alone.exit_code == 0);
    CHECK_THAT(alone.out.text(), Catch::StartsWith("PASS files.removed: 1 path absent under "));
    const auto no_python = cli({"files", "removed", "--gone", "core.pipeline", "sdk/"});
    CHECK(no_python.exit_code == 2);
    CHECK_THAT(no_python.err.text(), Catch::Contains("--gone requires --python"));
}

TEST_CASE("rollcheck files removed fails when a path remains, naming it") {
    checkout tree;
    tree.dir.write("docs/unified.md", "# the unified pipeline\n");
    const auto r = tree.removed({"core/pipeline/", "docs/unified.md"},
                                {"--gone", "core.pipeline", "--module", "core.lead_extractor"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(
        r.out.text(),
        Catch::StartsWith("FAIL files.removed: paths: 1 of 2 paths still present under " +
                          tree.dir.path().string() +
                          ": 1 entry left; imports: 1 module imports and 1 removed module is "
                          "gone (/usr/bin/python3) (") &&
            Catch::EndsWith("\n  - paths: docs/unified.md: still there (file of 23 bytes)\n"));
}

TEST_CASE("rollcheck files removed fails when a removed module still imports") {
    checkout tree;
    const auto r = tree.removed({"core/pipeline/"}, {"--gone", "core.enrichment", "--json"});
    CHECK(r.exit_code == 1);
    const auto json = nlohmann::json::parse(r.out.text());
    CHECK(json["check"] == "files.removed");
    CHECK(json["verdict"] == "fail");
    CHECK_THAT(json["summary"].get<std::string>(),
               Catch::StartsWith("paths: 1 path absent under " + tree.dir.path().string() +
                                 "; imports: 1 of 1 module not as expected: 1 failed"));
    REQUIRE(json["evidence"].size() == 1);
    CHECK(json["evidence"][0]["part"] == "imports");
    CHECK(json["evidence"][0]["module"] == "core.enrichment");
    CHECK(json["totals"]["remaining"] == 0);
    CHECK(json["totals"]["must_not_import"] == 1);
}

TEST_CASE("rollcheck files removed fails when an old module no longer imports") {
    checkout tree;
    tree.roll_back();
    const auto r = tree.removed({"core/enrichment/"},
                                {"--gone", "core.enrichment", "--module", "core.lead_extractor"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out.text(),
               Catch::StartsWith("FAIL files.removed: paths: 1 path absent under " +
                                 tree.dir.path().string() +
                                 "; imports: 1 of 2 modules not as "
                                 "expected: 1 failed") &&
                   Catch::EndsWith("\n  - imports: core.lead_extractor: core.lead_extractor "
                                   "(core/lead_extractor.py:2) → core.enrichment: removed by the "
                                   "rollback, still imported\n"));
}

TEST_CASE("rollcheck run and py imports set each --env NAME=VALUE for what they run, and "
          "one without = is an error naming it") {
    auto r = cli({"run", "--env", "X=y", "--env", "EMPTY=", "--shell",
                  R"(test "$X" = y && test "${EMPTY-unset}" = "")"});
    CHECK(r.exit_code == 0);
    r = cli({"run", "--shell", R"(test "$X" = y)"});
    CHECK(r.exit_code == 1);
    r = cli({"run", "--env", "X", "--shell", "true"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("'X' is not NAME=VALUE"));
    r = cli({"run", "--env", "=y", "--", "/bin/true"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("'=y' is not NAME=VALUE"));
    r = cli({"run", "--env", "+=y", "--", "/bin/true"});
    CHECK(r.exit_code == 2);
    // NAME+=VALUE keeps what the variable holds: inherited, or given before.
    ::setenv("ROLLCHECK_TEST_ADDOPTS", "--import-mode=importlib", 1);
    r = cli({"run", "--env", "ROLLCHECK_TEST_ADDOPTS+=-p no:cacheprovider", "--env", "FRESH+=b",
             "--env", "GIVEN=a", "--env", "GIVEN+=c", "--shell",
             R"(test "$ROLLCHECK_TEST_ADDOPTS" = "--import-mode=importlib -p no:cacheprovider" )"
             R"(&& test "$FRESH" = b && test "$GIVEN" = "a c")"});
    ::unsetenv("ROLLCHECK_TEST_ADDOPTS");
    CHECK(r.exit_code == 0);

    rollcheck_test::temp_dir dir;
    dir.write("lib/only_on_the_env_path.py", "");
    const std::vector<std::string> imports{
        "py",    "imports",           "--python", rollcheck_test::python,
        "--cwd", dir.path().string(), "-m",       "only_on_the_env_path"};
    auto with_env = imports;
    with_env.insert(with_env.end(), {"--env", "PYTHONPATH=" + (dir / "lib").string()});
    CHECK(cli(with_env).exit_code == 0);
    CHECK(cli(imports).exit_code != 0);
    with_env.back() = "PYTHONPATH";
    r = cli(with_env);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("'PYTHONPATH' is not NAME=VALUE"));
}

TEST_CASE("rollcheck job ran exits 0 when the job's log shows it ran since --since, 1 when "
          "nothing does, 2 when its log cannot be read") {
    rollcheck_test::temp_dir dir;
    const auto stem = rollcheck_test::unique_name("batch_job");
    const auto command = "cd " + dir.path().string() + " && python3 " + stem + ".py";
    const auto now = std::chrono::system_clock::now();
    const auto fresh = dir.write("fresh.log", format_utc(now) + " INFO scored 3 submissions\n");
    const auto stale = dir.write("stale.log", "2020-01-01T00:00:00Z INFO scored 3 submissions\n");
    const auto job_ran = [&](const std::filesystem::path& log) {
        return cli({"job", "ran", "--command", command, "--log", log.string(), "--since", "10m",
                    "--progress", "scored"});
    };
    auto r = job_ran(fresh);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out.text(),
               Catch::StartsWith("PASS job.ran: '" + command + "' ran since ") &&
                   Catch::Contains(": its log shows it: a line matching 'scored' at " +
                                   fresh.string() + ":1 ("));
    r = job_ran(stale);
    CHECK(r.exit_code == 1);
    CHECK_THAT(
        r.out.text(),
        Catch::StartsWith("FAIL job.ran: no sign that '" + command + "' ran since ") &&
            Catch::Contains(": its process: 0 processes run '" + stem +
                            "' (at least 1 expected); its log: no line matching 'scored' in '" +
                            stale.string() + "': nothing written since"));
    r = job_ran(dir / "missing.log");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out.text(),
               Catch::Contains("its log: " + (dir / "missing.log").string() + ": cannot open"));
    r = cli({"job", "ran", "--command", command, "--since", "soon"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err.text(), Catch::Contains("'soon'"));
    CHECK(cli({"job", "ran", "--log", fresh.string()}).exit_code == 2); // --command missing
}
