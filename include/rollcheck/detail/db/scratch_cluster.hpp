/// \file detail/db/scratch_cluster.hpp
/// A throwaway PostgreSQL cluster to restore a backup into: initdb in a fresh
/// temporary directory, a server that listens on a unix socket in that
/// directory only, and, with the object, an immediate stop and the directory
/// removed, on every path. Every wait has a deadline. The directory is marked
/// as this process's (stop.hpp), so a run killed by SIGKILL leaves it to the
/// next rollcheck program to remove.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "../../command.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "../process/spawn.hpp"
#include "../process/tree.hpp"
#include "../unique_fd.hpp"

namespace rollcheck::detail {

/// Debian's PostgreSQL 15 programs, where the project's own tests find them.
inline constexpr const char* debian_postgres_bindir = "/usr/lib/postgresql/15/bin";

/// The directory holding PostgreSQL's `program` (initdb, pg_restore): `given`
/// when set (its programs are then the caller's choice, and a missing one is
/// reported by its path), else what `pg_config --bindir` prints, else
/// Debian's; empty when neither holds it.
[[nodiscard]] inline std::filesystem::path find_postgres_bindir(const std::filesystem::path& given,
                                                                const char* program) {
    if (!given.empty()) return given;
    std::vector<std::filesystem::path> candidates;
    command_spec pg_config;
    pg_config.argv = {"pg_config", "--bindir"};
    pg_config.timeout = std::chrono::seconds(10);
    const auto run = run_command(pg_config);
    if (run.succeeded()) {
        auto dir = run.out.text();
        while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r'))
            dir.pop_back();
        if (!dir.empty()) candidates.emplace_back(dir);
    }
    candidates.emplace_back(debian_postgres_bindir);
    for (const auto& dir : candidates)
        if (::access((dir / program).c_str(), X_OK) == 0) return dir;
    return {};
}

/// The last non-empty line of `file`'s first 64 KiB, where a server says why it stopped.
[[nodiscard]] inline std::string last_line_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string text(64 * 1024, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    const auto start = text.rfind('\n');
    return start == std::string::npos ? text : text.substr(start + 1);
}

/// The OS user a cluster runs as. initdb and postgres refuse root, so as
/// root the cluster belongs to `postgres`, as the tests' own fixture does,
/// and its programs run through setpriv (which execs them in place, so the
/// server's pid is setpriv's).
struct cluster_owner {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;

    /// The owner for this process; `error` set when root has no `postgres` user.
    [[nodiscard]] static cluster_owner for_this_process(std::string& error) {
        cluster_owner owner;
        if (::geteuid() != 0) return owner;
        std::vector<char> buffer(16 * 1024);
        passwd entry{};
        passwd* found = nullptr;
        if (::getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found) != 0 ||
            found == nullptr) {
            error = "running as root, and initdb refuses root, but there is no OS user 'postgres' "
                    "to own a throwaway cluster: create one, or give a scratch database "
                    "(scratch_dsn, --scratch-dsn)";
            return owner;
        }
        owner.switch_user = true;
        owner.uid = found->pw_uid;
        owner.gid = found->pw_gid;
        return owner;
    }

    /// `argv` run as the owner.
    [[nodiscard]] std::vector<std::string> command(std::vector<std::string> argv) const {
        if (!switch_user) return argv;
        std::vector<std::string> as_owner = {"setpriv", fmt::format("--reuid={}", uid),
                                             fmt::format("--regid={}", gid), "--clear-groups",
                                             "--"};
        as_owner.insert(as_owner.end(), argv.begin(), argv.end());
        return as_owner;
    }
};

/// One throwaway cluster: start() makes and starts it, the destructor (or
/// stop()) stops it and removes its directory. Not copyable.
class scratch_cluster {
public:
    /// The superuser initdb creates, and the database restores go into.
    static constexpr const char* superuser = "postgres";

    scratch_cluster(std::filesystem::path bindir, std::chrono::milliseconds step_timeout)
        : bindir_(std::move(bindir)), step_timeout_(step_timeout) {}
    ~scratch_cluster() { stop(); }
    scratch_cluster(const scratch_cluster&) = delete;
    scratch_cluster& operator=(const scratch_cluster&) = delete;

    /// Makes the directory, runs initdb and starts the server; an empty
    /// string when it accepts connections, else why not.
    [[nodiscard]] std::string start() {
        std::string error;
        owner_ = cluster_owner::for_this_process(error);
        if (!error.empty()) return error;
        for (const char* program : {"initdb", "postgres"})
            if (::access((bindir_ / program).c_str(), X_OK) != 0)
                return fmt::format("{}: {}", (bindir_ / program).string(), std::strerror(errno));
        if (auto why = make_directory(); !why.empty()) return why;
        if (auto why = run_initdb(); !why.empty()) return why;
        if (auto why = launch_server(); !why.empty()) return why;
        return wait_until_ready();
    }

    /// libpq's connection string to the cluster's database, over its socket.
    [[nodiscard]] std::string conninfo() const {
        return fmt::format("host={} port={} user={} dbname={}", directory_.string(), port,
                           superuser, superuser);
    }
    /// Where the cluster lives (gone after stop()).
    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }

    /// Stops the server with an immediate shutdown (SIGQUIT, what `pg_ctl
    /// stop -m immediate` sends: nothing of a throwaway cluster is worth a
    /// checkpoint), killing it when it outlives the deadline, and removes the
    /// directory. Returns whether the directory is gone. Idempotent.
    bool stop() noexcept {
        if (server_ > 0) {
            ::kill(server_, SIGQUIT);
            if (!reaped_within(step_timeout_)) {
                // Its group: the server's own processes, which it did not take down.
                ::kill(-server_, SIGKILL);
                ::kill(server_, SIGKILL);
                (void)reaped_within(std::chrono::seconds(5));
            }
            direct_children::remove(server_);
            stop_registry::remove_group(server_);
            server_ = -1;
        }
        if (directory_.empty()) return true;
        std::error_code ec;
        std::filesystem::remove_all(directory_, ec);
        if (ec) { // a process of the server still writing: once more
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            ec.clear();
            std::filesystem::remove_all(directory_, ec);
        }
        const bool gone = !std::filesystem::exists(directory_, ec);
        if (gone) unmark_scratch_dir(directory_);
        return gone;
    }

private:
    // The socket file is named after the port; the directory is the cluster's
    // own, so the standard port cannot collide with another server's.
    static constexpr int port = 5432;

    std::filesystem::path data() const { return directory_ / "data"; }
    std::filesystem::path log() const { return directory_ / "server.log"; }

    std::string make_directory() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "rollcheck-restore.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            return fmt::format("cannot make a directory like {}: {}", pattern,
                               std::strerror(errno));
        directory_ = pattern;
        if (auto why = mark_scratch_dir(directory_); !why.empty()) return why;
        if (owner_.switch_user && ::chown(directory_.c_str(), owner_.uid, owner_.gid) != 0)
            return fmt::format("cannot hand {} to the OS user postgres: {}", directory_.string(),
                               std::strerror(errno));
        return {};
    }

    std::string run_initdb() {
        command_spec initdb;
        initdb.argv = owner_.command({(bindir_ / "initdb").string(), "--pgdata=" + data().string(),
                                      fmt::format("--username={}", superuser), "--auth=trust",
                                      "--encoding=UTF8", "--locale=C", "--no-sync"});
        initdb.timeout = step_timeout_;
        const auto run = run_command(initdb);
        if (run.succeeded()) return {};
        if (run.status != command_status::exited)
            return fmt::format("{}: {}", run.command, run.describe());
        auto said = run.err.text();
        said = said.substr(0, said.find('\n'));
        return fmt::format("initdb {}: {}", run.describe(), said);
    }

    /// The server as a child of this process, in a process group of its own,
    /// its output in server.log. Not through run_command, which ends what a
    /// program leaves running; registered with it as a program of this
    /// process, so that no run_command takes it for an orphan to end.
    std::string launch_server() {
        const auto argv = owner_.command(
            {(bindir_ / "postgres").string(), "-D", data().string(), "-p", std::to_string(port),
             "-c", "listen_addresses=", "-c", "unix_socket_directories=" + directory_.string()});
        const unique_fd input(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        const unique_fd output(
            ::open(log().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (input.get() < 0 || output.get() < 0)
            return fmt::format("cannot start {}: {}: {}", argv.front(), log().string(),
                               std::strerror(errno));
        spawn_request request;
        request.program = argv.front().find('/') == std::string::npos
                              ? search_path(argv.front())
                              : std::filesystem::path(argv.front());
        if (request.program.empty()) return fmt::format("'{}' not found on PATH", argv.front());
        request.argv = argv;
        request.envp = ::environ;
        request.stdin_fd = input.get();
        request.stdout_fd = request.stderr_fd = output.get();

        become_child_subreaper();
        int rc = 0;
        {
            const auto registering = direct_children::registration();
            const pid_t pid = spawn_in_own_group(request, rc);
            if (pid > 0) {
                server_ = pid;
                direct_children::add(pid);
                stop_registry::add_group(pid);
            }
        }
        if (rc != 0) return fmt::format("cannot start {}: {}", argv.front(), std::strerror(rc));
        return {};
    }

    /// Until the server answers PQping, its exit, or the deadline.
    std::string wait_until_ready() {
        const auto deadline = std::chrono::steady_clock::now() + step_timeout_;
        const auto ping = conninfo() + " connect_timeout=2";
        while (true) {
            int status = 0;
            if (::waitpid(server_, &status, WNOHANG) == server_) {
                direct_children::remove(server_);
                server_ = -1;
                return fmt::format("the server stopped as it started: {}", last_line_of(log()));
            }
            if (::PQping(ping.c_str()) == PQPING_OK) return {};
            if (stop_requested())
                return fmt::format("the run was interrupted by {} while the server started",
                                   stop_reason());
            if (std::chrono::steady_clock::now() >= deadline)
                return fmt::format("the server did not accept connections within {}: {}",
                                   describe_span(step_timeout_), last_line_of(log()));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    /// Whether the server was reaped within `limit`.
    bool reaped_within(std::chrono::milliseconds limit) const noexcept {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (true) {
            int status = 0;
            const pid_t reaped = ::waitpid(server_, &status, WNOHANG);
            if (reaped == server_ || (reaped < 0 && errno == ECHILD)) return true;
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    std::filesystem::path bindir_;
    std::chrono::milliseconds step_timeout_;
    cluster_owner owner_;
    std::filesystem::path directory_;
    pid_t server_ = -1;
};

} // namespace rollcheck::detail
