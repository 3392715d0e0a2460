// What the tests of a stopped run share: a suite or the command line
// started in the background and sent a signal mid-way, and what it left
// behind: its reports, its processes, its scratch clusters, the server's
// backends.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <csignal>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <rollcheck/detail/process/proc.hpp>
#include <rollcheck/report.hpp>

#include "pg_admin.hpp"
#include "suite_support.hpp"

namespace rollcheck_test {

inline const std::filesystem::path stop_fixtures = ROLLCHECK_STOP_FIXTURES;

/// The line of `out` that starts with `prefix`; empty when none does.
inline std::string line_starting(const std::string& out, const std::string& prefix) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    return {};
}

/// Requires `file` valid against the Ant JUnit schema; warns when that cannot be checked here.
inline void require_valid_junit(const std::filesystem::path& file) {
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

/// Checks that every report is in `dir`, junit.xml valid.
inline void check_reports(const std::filesystem::path& dir) {
    for (const auto report : rollcheck::report_files)
        CHECK(std::filesystem::is_regular_file(dir / report));
    require_valid_junit(dir / "junit.xml");
}

/// Whether `text` matches the regular expression `pattern` whole.
inline bool matches(const nlohmann::json& text, const std::string& pattern) {
    return text.is_string() && std::regex_match(text.get<std::string>(), std::regex(pattern));
}

/// `text` as a TOML basic string, quotes included.
inline std::string toml_string(const std::string& text) {
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
    return quoted + "\"";
}

/// A phase 1-3 run over the rolled-back project, with the [[check]]s of
/// `fixture` and the further `args`, and what it left: its outcome, results.json.
struct stopped_suite {
    rolled_back_project project;
    std::filesystem::path reports = project.dir / "reports";
    rollcheck::command_outcome run;
    nlohmann::json json;

    stopped_suite(const std::string& fixture, std::vector<std::string> args = {}) {
        const auto target = project.target(read_text(stop_fixtures / fixture));
        args.insert(args.begin(), {"--target", target.string(), "--report", reports.string()});
        run = phase1_3(args);
        if (std::filesystem::exists(reports / "results.json")) json = results(reports);
    }
    /// The closing line the suite printed.
    [[nodiscard]] std::string closing() const { return line_starting(run.out.text(), "ERROR: "); }
};

/// Starts `words` with stdout to `out` and the environment plus `env`; its pid.
inline pid_t spawn(std::vector<std::string> words, const std::filesystem::path& out,
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
inline int exit_status_of(pid_t pid) {
    int raw = 0;
    REQUIRE(::waitpid(pid, &raw, 0) == pid);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

/// The exit status of `pid` when it ends within `span` (-1: a signal ended
/// it); -2 when it still ran then, and was killed.
inline int exit_status_within(pid_t pid, std::chrono::milliseconds span) {
    const auto give_up = std::chrono::steady_clock::now() + span;
    int raw = 0;
    while (::waitpid(pid, &raw, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= give_up) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &raw, 0);
            return -2;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

/// How a process ended: its exit status as exit_status_within() gives it,
/// and how long after the wait began.
struct ending {
    int status = -2;
    std::chrono::milliseconds took{0};
};

/// How `pid` ends, waiting at most `span`.
inline ending end_of(pid_t pid, std::chrono::milliseconds span) {
    const auto from = std::chrono::steady_clock::now();
    const int status = exit_status_within(pid, span);
    return {status, std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - from)};
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
inline std::vector<std::filesystem::path> restore_dirs(const std::filesystem::path& tmp) {
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(tmp))
        if (e.path().filename().string().rfind("rollcheck-restore.", 0) == 0)
            found.push_back(e.path());
    return found;
}

/// Whether a process other than this one names `dir` on its command line.
inline bool runs_from(const std::filesystem::path& dir) {
    for (const pid_t pid : rollcheck::detail::list_pids()) {
        const auto s = rollcheck::detail::read_proc_stat(pid);
        if (pid != ::getpid() && s && s->state != 'Z' &&
            rollcheck::detail::read_proc_file(pid, "cmdline").find(dir.string()) !=
                std::string::npos)
            return true;
    }
    return false;
}

/// An archive of a table of 1000 keyed rows, and a temporary directory for
/// the scratch clusters of restore checks, both where the cluster's OS user
/// reaches them.
struct restore_setup {
    temp_dir dir;
    std::filesystem::path tmp = dir / "tmp";
    std::filesystem::path archive = dir / "keyed.dump";

    restore_setup() {
        std::filesystem::create_directory(tmp);
        // As root the cluster runs as the OS user postgres, who must reach its directory.
        using std::filesystem::perms;
        for (const auto& d : {dir.path(), tmp})
            std::filesystem::permissions(d, perms::owner_all | perms::group_read |
                                                perms::group_exec | perms::others_read |
                                                perms::others_exec);
        const auto db = make_database(
            "stop", "CREATE TABLE keyed AS SELECT g AS id FROM generate_series(1, 1000) g");
        REQUIRE(pg_dump(db, archive));
    }
    [[nodiscard]] std::string tmpdir() const { return "TMPDIR=" + tmp.string(); }
    /// The directory of the scratch cluster whose server is up in `tmp`,
    /// once there is one; `out` is what the run printed.
    [[nodiscard]] std::filesystem::path scratch_server_up(const std::filesystem::path& out) const {
        const bool up = soon([&] {
            const auto found = restore_dirs(tmp);
            return !found.empty() && std::filesystem::exists(found.front() / "data/postmaster.pid");
        });
        INFO(read_text(out));
        REQUIRE(up);
        return restore_dirs(tmp).front();
    }
};

/// `rollcheck db backup --restore-check` of a small table's archive, with
/// `tmp` as its temporary directory and a pg_restore that waits a minute
/// before restoring, caught once its scratch cluster's server is up.
struct restore_in_flight : restore_setup {
    pid_t pid = spawn({ROLLCHECK_CLI, "db", "backup", archive.string(), "--table", "keyed",
                       "--restore-check", "--key", "id", "--bindir",
                       (stop_fixtures / "slow-restore-bin").string()},
                      dir / "out.txt", {tmpdir()});
    std::filesystem::path scratch = scratch_server_up(dir / "out.txt");
};

/// A fresh database whose view slow_keys takes 60 s to read: a query of it
/// is surely running when a signal comes.
inline std::string slow_keys_database() {
    return make_database(
        "stop",
        "CREATE VIEW slow_keys AS SELECT g AS k FROM pg_sleep(60), generate_series(1, 10) g");
}

/// How many backends of `db` other than the caller's run a query that
/// mentions `word`.
inline int busy_backends(const std::string& db, const std::string& word) {
    pqxx::connection c(postgres().conninfo());
    pqxx::nontransaction tx(c);
    return tx
        .exec_params("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = "
                     "'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $2 || '%'",
                     db, word)[0][0]
        .as<int>();
}

/// Whether `sig` is in the signal set `field` ("SigBlk:") of /proc/PID/status.
inline bool in_signal_set(pid_t pid, const std::string& field, int sig) {
    std::istringstream status(rollcheck::detail::read_proc_file(pid, "status"));
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field, 0) == 0)
            return (std::stoull(line.substr(field.size()), nullptr, 16) & (1ULL << (sig - 1))) != 0;
    return false;
}

/// Whether `pid` has installed the stop path: SIGTERM blocked, taken by its thread.
inline bool stop_path_installed(pid_t pid) {
    return in_signal_set(pid, "SigBlk:", SIGTERM);
}

/// Sends `pid` `sig` and waits until its stop thread has taken it: a signal
/// sent after it is then surely the second.
inline void deliver(pid_t pid, int sig) {
    ::kill(pid, sig);
    REQUIRE(soon([&] { return !in_signal_set(pid, "ShdPnd:", sig); }));
}

/// The bytes `pid` has read so far (/proc/PID/io rchar); 0 when unknown.
inline std::uint64_t bytes_read(pid_t pid) {
    std::istringstream io(rollcheck::detail::read_proc_file(pid, "io"));
    for (std::string line; std::getline(io, line);)
        if (line.rfind("rchar:", 0) == 0) return std::stoull(line.substr(6));
    return 0;
}

/// A phase 1-3 run over the rolled-back project in the background, its
/// target's [project] followed by `extra`, with the further `args` and the
/// environment plus `env`; what it left once it ended.
struct suite_in_flight {
    rolled_back_project project;
    std::filesystem::path reports = project.dir / "reports", out = project.dir / "out.txt";
    pid_t pid = 0;
    ending ended;
    nlohmann::json json;

    suite_in_flight(const std::string& extra, std::vector<std::string> args = {},
                    std::vector<std::string> env = {}) {
        args.insert(args.begin(), {ROLLCHECK_PHASE1_3, "--target", project.target(extra).string(),
                                   "--report", reports.string()});
        pid = spawn(std::move(args), out, std::move(env));
    }
    /// Waits up to `span` for it to end, then reads results.json.
    void finish(std::chrono::milliseconds span = std::chrono::seconds(20)) {
        ended = end_of(pid, span);
        // Without results.json (check_reports says so) no case is found and no note read.
        json = std::filesystem::exists(reports / "results.json")
                   ? results(reports)
                   : nlohmann::json{{"cases", nlohmann::json::array()},
                                    {"notes", nlohmann::json::array()},
                                    {"notices", nlohmann::json::array()}};
    }
    /// The closing line it printed.
    [[nodiscard]] std::string closing() const { return line_starting(read_text(out), "ERROR: "); }
};

/// An incoming webhook that takes every connection and never answers: a
/// hung receiver.
class silent_webhook {
public:
    silent_webhook() : socket_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        socklen_t length = sizeof address;
        REQUIRE(::bind(socket_, generic, length) == 0);
        REQUIRE(::listen(socket_, 8) == 0);
        REQUIRE(::getsockname(socket_, generic, &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~silent_webhook() {
        for (const int fd : taken_)
            ::close(fd);
        ::close(socket_);
    }
    silent_webhook(const silent_webhook&) = delete;
    silent_webhook& operator=(const silent_webhook&) = delete;

    [[nodiscard]] std::string url(const std::string& path = "/hooks/T000") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    /// Whether anyone has connected yet.
    bool called() {
        pollfd p{socket_, POLLIN, 0};
        while (::poll(&p, 1, 0) == 1) {
            const int fd = ::accept4(socket_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) break;
            taken_.push_back(fd);
        }
        return !taken_.empty();
    }

private:
    int socket_;
    int port_ = 0;
    std::vector<int> taken_;
};

} // namespace rollcheck_test
