// A stopped run still tells what it found and leaves nothing behind: a suite
// or the command line sent SIGTERM while a check's command runs writes every
// report, says which check the signal cut short and which never ran, exits
// 128+15, and no process of its command outlives it.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <csignal>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <rollcheck/report.hpp>

#include "pg_admin.hpp"
#include "process_mark.hpp"
#include "suite_support.hpp"

using namespace rollcheck_test;

namespace {

const std::filesystem::path fixtures = ROLLCHECK_STOP_FIXTURES;

/// The line of `out` that starts with `prefix`; empty when none does.
std::string line_starting(const std::string& out, const std::string& prefix) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    return {};
}

/// Requires `file` valid against the Ant JUnit schema; warns when that cannot be checked here.
void require_valid_junit(const std::filesystem::path& file) {
    const std::filesystem::path xmllint = ROLLCHECK_XMLLINT, schema = ROLLCHECK_JUNIT_XSD;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(xmllint, ec) ||
        !std::filesystem::is_regular_file(schema, ec)) {
        WARN("SKIPPED: JUnit schema validation: no xmllint or no " << schema.string());
        return;
    }
    const auto lint =
        run_program(xmllint.string(), {"--noout", "--schema", schema.string(), file.string()});
    INFO(lint.err.text());
    REQUIRE(lint.succeeded());
}

} // namespace

/// A phase 1-3 run over the rolled-back project, with the [[check]]s of
/// `fixture` and the further `args`, and what it left: its outcome, results.json.
struct stopped_suite {
    rolled_back_project project;
    std::filesystem::path reports = project.dir / "reports";
    rollcheck::command_outcome run;
    nlohmann::json json;

    stopped_suite(const std::string& fixture, std::vector<std::string> args = {}) {
        const auto target = project.target(read_text(fixtures / fixture));
        args.insert(args.begin(), {"--target", target.string(), "--report", reports.string()});
        run = phase1_3(args);
        if (std::filesystem::exists(reports / "results.json")) json = results(reports);
    }
    /// The closing line the suite printed.
    [[nodiscard]] std::string closing() const { return line_starting(run.out.text(), "ERROR: "); }
};

TEST_CASE("a suite sent SIGTERM while a command runs reports every check and leaves no process",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-command.toml");
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 143);
    CHECK(s.closing() == "ERROR: 5 checks: 3 passed, 2 errors; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by SIGTERM");
    const auto& json = s.json;
    const auto& stopped = find_case(json, "a job stopped mid-way");
    CHECK(stopped["verdict"] == "error");
    const std::regex cut("interrupted by SIGTERM after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    const auto& after = find_case(json, "a check after the stop");
    CHECK(after["verdict"] == "error");
    CHECK(after["failure"] == "not run: the run was interrupted");
    CHECK(after["results"].empty());
    const std::regex note("the run was interrupted by SIGTERM after [0-9.]+ m?s: the check then "
                          "running and those after it are errors");
    CHECK(std::any_of(json["notes"].begin(), json["notes"].end(), [&](const auto& n) {
        return std::regex_match(n.template get<std::string>(), note);
    }));
    for (const auto report : rollcheck::report_files)
        CHECK(std::filesystem::is_regular_file(s.reports / report));
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the command line sent SIGTERM while its command runs says so and leaves no process",
          "[cli][stop]") {
    const process_mark mark;
    const auto r = run_program(ROLLCHECK_CLI,
                               {"run", "--", "/bin/sh", "-c", "sleep 30 & kill -TERM $PPID; wait"});
    INFO(r.err.text());
    CHECK(r.exit_code == 143);
    const std::regex said("ERROR command\\.run: `/bin/sh -c 'sleep 30 & kill -TERM \\$PPID; wait'` "
                          "interrupted by SIGTERM after [0-9.]+ m?s; its process tree was killed");
    CHECK(std::regex_search(r.out.text(), said));
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a suite past its --deadline stops as a signal would, its reports written",
          "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-deadline.toml", {"--deadline", "3s"});
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 2);
    CHECK(s.closing() == "ERROR: 4 checks: 3 passed, 1 error; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by its "
                         "deadline (--deadline 3s)");
    const auto& stopped = find_case(s.json, "a job longer than the run may take");
    const std::regex cut("interrupted by its deadline \\(--deadline 3s\\) after [0-9.]+ m?s");
    CHECK(std::regex_match(stopped["failure"].get<std::string>(), cut));
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the target's [rollback] deadline stops a suite as --deadline does", "[suite][stop]") {
    const process_mark mark;
    const stopped_suite s("stop-target-deadline.toml");
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 2);
    CHECK(s.closing() == "ERROR: 4 checks: 3 passed, 1 error; worst failing severity P1: Rollback "
                         "within 1 hour — tech lead approval; the run was interrupted by its "
                         "deadline ([rollback] deadline 3 s)");
    require_valid_junit(s.reports / "junit.xml");
    CHECK(mark.marked_processes().empty());
}

namespace {

/// Starts `words` with stdout to `out` and the environment plus `env`; its pid.
pid_t spawn(std::vector<std::string> words, const std::filesystem::path& out,
            std::vector<std::string> env = {}) {
    std::vector<char*> argv, envp;
    for (auto& w : words)
        argv.push_back(w.data());
    argv.push_back(nullptr);
    for (auto& e : env)
        envp.push_back(e.data());
    for (char** e = ::environ; *e != nullptr; ++e)
        envp.push_back(*e);
    envp.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&files);
    REQUIRE(rc == 0);
    return pid;
}

/// The exit status of `pid`, reaped; -1 when a signal ended it.
int exit_status_of(pid_t pid) {
    int raw = 0;
    REQUIRE(::waitpid(pid, &raw, 0) == pid);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

/// Whether `found` holds within 30 s, looking every 20 ms.
template <typename Condition>
bool soon(Condition&& found) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!found() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return found();
}

/// The scratch clusters' directories in `tmp`.
std::vector<std::filesystem::path> restore_dirs(const std::filesystem::path& tmp) {
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(tmp))
        if (e.path().filename().string().rfind("rollcheck-restore.", 0) == 0)
            found.push_back(e.path());
    return found;
}

/// Whether a process other than this one names `dir` on its command line.
bool runs_from(const std::filesystem::path& dir) {
    for (const pid_t pid : rollcheck::detail::list_pids()) {
        const auto s = rollcheck::detail::read_proc_stat(pid);
        if (pid != ::getpid() && s && s->state != 'Z' &&
            rollcheck::detail::read_proc_file(pid, "cmdline").find(dir.string()) !=
                std::string::npos)
            return true;
    }
    return false;
}

/// A table of 1000 keyed rows in a fresh database, dumped to `file`.
void dump_keyed_table(const std::filesystem::path& file) {
    const auto db = make_database(
        "stop", "CREATE TABLE keyed AS SELECT g AS id FROM generate_series(1, 1000) g");
    REQUIRE(pg_dump(db, file));
}

/// `rollcheck db backup --restore-check` of a small table's archive, with
/// `tmp` as its temporary directory and a pg_restore that waits a minute
/// before restoring, caught once its scratch cluster's server is up.
struct restore_in_flight {
    temp_dir dir;
    std::filesystem::path tmp = dir / "tmp";
    pid_t pid = 0;
    std::filesystem::path scratch; ///< the scratch cluster's directory

    restore_in_flight() {
        std::filesystem::create_directory(tmp);
        // As root the cluster runs as the OS user postgres, who must reach its directory.
        using std::filesystem::perms;
        for (const auto& d : {dir.path(), tmp})
            std::filesystem::permissions(d, perms::owner_all | perms::group_read |
                                                perms::group_exec | perms::others_read |
                                                perms::others_exec);
        dump_keyed_table(dir / "keyed.dump");
        pid = spawn({ROLLCHECK_CLI, "db", "backup", (dir / "keyed.dump").string(), "--table",
                     "keyed", "--restore-check", "--key", "id", "--bindir",
                     (fixtures / "slow-restore-bin").string()},
                    dir / "out.txt", {tmpdir()});
        const bool up = soon([&] {
            const auto found = restore_dirs(tmp);
            return !found.empty() && std::filesystem::exists(found.front() / "data/postmaster.pid");
        });
        INFO(read_text(dir / "out.txt"));
        REQUIRE(up);
        scratch = restore_dirs(tmp).front();
    }
    [[nodiscard]] std::string tmpdir() const { return "TMPDIR=" + tmp.string(); }
};

/// How many backends of `db` other than the caller's run a query that
/// mentions `word`.
int busy_backends(const std::string& db, const std::string& word) {
    pqxx::connection c(postgres().conninfo());
    pqxx::nontransaction tx(c);
    return tx
        .exec_params("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = "
                     "'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $2 || '%'",
                     db, word)[0][0]
        .as<int>();
}

} // namespace

TEST_CASE("the command line sent SIGTERM during a query cancels it on the server",
          "[cli][stop][postgres]") {
    // A view that takes 60 s to read: the query is surely running when the signal comes.
    const auto db = make_database(
        "stop",
        "CREATE VIEW slow_keys AS SELECT g AS k FROM pg_sleep(60), generate_series(1, 10) g");
    temp_dir dir;
    const auto out = dir / "out.txt";
    const pid_t pid = spawn({ROLLCHECK_CLI, "db", "duplicates", "--dsn", postgres().conninfo(db),
                             "--table", "public.slow_keys", "--key", "k"},
                            out);

    REQUIRE(soon([&] { return busy_backends(db, "slow_keys") == 1; }));
    ::kill(pid, SIGTERM);
    const int status = exit_status_of(pid);
    std::this_thread::sleep_for(std::chrono::seconds(1));

    CHECK(busy_backends(db, "slow_keys") == 0);
    CHECK(status == 143);
    CHECK_THAT(read_text(out),
               Catch::StartsWith("ERROR db.duplicates: interrupted by SIGTERM while "
                                 "checking public.slow_keys on "));
    CHECK_THAT(read_text(out), Catch::Contains(": its query was cancelled on the server"));
}

TEST_CASE("the command line sent SIGTERM during a restore check leaves no scratch cluster",
          "[cli][stop][postgres]") {
    const restore_in_flight run;
    ::kill(run.pid, SIGTERM);

    CHECK(exit_status_of(run.pid) == 143);
    const auto out = read_text(run.dir / "out.txt");
    CHECK_THAT(out, Catch::StartsWith("ERROR db.backup-restore: ") &&
                        Catch::Contains(" interrupted by SIGTERM after "));
    CHECK(restore_dirs(run.tmp).empty());
    CHECK_FALSE(runs_from(run.scratch));
}

TEST_CASE("a scratch cluster that a run killed by SIGKILL left is removed by the next run",
          "[cli][stop][postgres]") {
    const restore_in_flight run;
    ::kill(run.pid, SIGKILL);
    CHECK(exit_status_of(run.pid) == -1);
    REQUIRE(std::filesystem::exists(run.scratch));

    const pid_t next = spawn({ROLLCHECK_CLI, "--version"}, run.dir / "version.txt", {run.tmpdir()});
    CHECK(exit_status_of(next) == 0);
    CHECK_FALSE(std::filesystem::exists(run.scratch));
    CHECK_FALSE(runs_from(run.scratch));
}

namespace {

/// Whether `pid` has installed the stop path: SIGTERM blocked, taken by its thread.
bool stop_path_installed(pid_t pid) {
    std::istringstream status(rollcheck::detail::read_proc_file(pid, "status"));
    for (std::string line; std::getline(status, line);)
        if (line.rfind("SigBlk:", 0) == 0)
            return (std::stoull(line.substr(7), nullptr, 16) & (1ULL << (SIGTERM - 1))) != 0;
    return false;
}

} // namespace

TEST_CASE("the command line sent SIGTERM while it follows a log ends the window there",
          "[cli][stop]") {
    temp_dir dir;
    const auto log = dir.write("app.log", "");
    const pid_t pid = spawn(
        {ROLLCHECK_CLI, "logs", "follow", log.string(), "--for", "10m", "--require", "heartbeat"},
        dir / "out.txt");
    REQUIRE(soon([&] { return stop_path_installed(pid); }));
    ::kill(pid, SIGTERM);

    CHECK(exit_status_of(pid) == 143);
    const std::regex said("ERROR logs\\.follow: interrupted by SIGTERM after [0-9.]+ m?s of " +
                          log.string() + " \\(0 bytes written\\) \\([0-9]+ ms\\)\n");
    const auto out = read_text(dir / "out.txt");
    INFO(out);
    CHECK(std::regex_match(out, said));
}

TEST_CASE("a suite sent SIGTERM while --wait re-runs a failing check ends the back-off there",
          "[suite][stop]") {
    const stopped_suite s("stop-wait.toml", {"--wait"});
    INFO(s.run.out.text());
    INFO(s.run.err.text());

    CHECK(s.run.exit_code == 143);
    const auto& waited = find_case(s.json, "a job that is never back");
    const std::regex cut("interrupted by SIGTERM after [0-9.]+ m?s");
    CHECK(std::regex_match(waited["failure"].get<std::string>(), cut));
    require_valid_junit(s.reports / "junit.xml");
}
