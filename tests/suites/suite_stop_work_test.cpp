// Whatever a run is doing when the signal comes, it stops there, tells what
// it found and leaves nothing behind: a suite or the command line sent
// SIGTERM during a query, a restore check, the scan of a log too large to
// finish, or a webhook that never answers; and a second signal that ends the
// program at once, taking down what the first one's clean-up had not.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>

#include "process_mark.hpp"
#include "stop_support.hpp"

using namespace rollcheck_test;
using namespace std::chrono_literals;

namespace {

/// What a check cut short by SIGTERM says in results.json.
const std::string cut_by_sigterm = "interrupted by SIGTERM after [0-9.]+ m?s";

/// The arguments that run the phase `phase` of stop-work-plan.toml, then `more`.
std::vector<std::string> work_phase(const std::string& phase, std::vector<std::string> more = {}) {
    more.insert(more.begin(),
                {"--plan", (stop_fixtures / "stop-work-plan.toml").string(), "--phase", phase});
    return more;
}

/// A log of `size` bytes that holds nothing (a sparse file): reading it costs
/// no disk, and a scan of 64 GiB of NUL bytes takes minutes (a Debug build
/// reads about 0.6 GB/s), far longer than any test waits.
std::filesystem::path sparse_log(const std::filesystem::path& file, std::uintmax_t size) {
    { std::ofstream create(file); }
    std::filesystem::resize_file(file, size);
    return file;
}

constexpr std::uintmax_t huge = 64ULL << 30;

/// The sections that give the restore phase an archive of `restore`'s and
/// the pg_restore that waits a minute.
std::string restore_sections(const restore_setup& restore) {
    return "[database]\nbackup = " + toml_string(restore.archive) +
           "\n[backup]\nbindir = " + toml_string(stop_fixtures / "slow-restore-bin") + "\n";
}

/// Whether `notes` holds `note`.
bool has_note(const nlohmann::json& notes, const std::string& note) {
    return std::find(notes.begin(), notes.end(), note) != notes.end();
}

/// Sends `pid`, the command line printing to `out`, SIGTERM, checks that it
/// ends within 2 s with status 143, and returns what it printed.
std::string stopped_output(pid_t pid, const std::filesystem::path& out) {
    ::kill(pid, SIGTERM);
    const auto ended = end_of(pid, 10s);
    const auto text = read_text(out);
    INFO(text);
    CHECK(ended.status == 143);
    CHECK(ended.took.count() < 2000);
    return text;
}

} // namespace

TEST_CASE("a suite sent SIGTERM during a query cancels it on the server and still reports",
          "[suite][stop][postgres]") {
    const auto db = slow_keys_database();
    suite_in_flight s("[database]\ndsn = " + toml_string(postgres().conninfo(db)) + "\n",
                      work_phase("query"));

    REQUIRE(soon([&] { return busy_backends(db, "slow_keys") == 1; }));
    ::kill(s.pid, SIGTERM);
    s.finish();
    INFO(read_text(s.out));
    std::this_thread::sleep_for(1s);

    CHECK(busy_backends(db, "slow_keys") == 0);
    CHECK(s.ended.status == 143);
    CHECK_THAT(s.closing(), Catch::EndsWith("; the run was interrupted by SIGTERM"));
    const auto& stopped = find_case(s.json, "a query stopped mid-way");
    CHECK(matches(stopped["failure"], cut_by_sigterm));
    CHECK_THAT(stopped.at("results").at(0).at("summary").get<std::string>(),
               Catch::StartsWith("interrupted by SIGTERM while checking public.slow_keys on ") &&
                   Catch::EndsWith(": its query was cancelled on the server"));
    check_reports(s.reports);
}

TEST_CASE("a suite sent SIGTERM during a restore check leaves no scratch cluster",
          "[suite][stop][postgres]") {
    const process_mark mark;
    const restore_setup restore;
    suite_in_flight s(restore_sections(restore), work_phase("restore"), {restore.tmpdir()});
    const auto scratch = restore.scratch_server_up(s.out);
    ::kill(s.pid, SIGTERM);
    s.finish();
    INFO(read_text(s.out));

    CHECK(s.ended.status == 143);
    CHECK(matches(find_case(s.json, "the archive restores")["failure"], cut_by_sigterm));
    check_reports(s.reports);
    CHECK(restore_dirs(restore.tmp).empty());
    CHECK_FALSE(runs_from(scratch));
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("the command line sent SIGTERM while it scans a log too large to finish says how far "
          "it read",
          "[cli][stop]") {
    temp_dir dir;
    const auto log = sparse_log(dir / "huge.log", huge);
    const pid_t pid =
        spawn({ROLLCHECK_CLI, "logs", "scan", log.string(), "--error", "ERROR"}, dir / "out.txt");
    REQUIRE(soon([&] { return bytes_read(pid) >= (64U << 20); }));
    const auto out = stopped_output(pid, dir / "out.txt");
    CHECK_THAT(out, Catch::StartsWith("ERROR logs.scan: could not verify: " + log.string() +
                                      ": interrupted by SIGTERM after "));
    CHECK(
        std::regex_search(out, std::regex(": interrupted by SIGTERM after [0-9.]+ MiB read \\(")));
}

TEST_CASE("a suite sent SIGTERM while it scans a log too large to finish says how far it read",
          "[suite][stop]") {
    temp_dir dir;
    const auto log = sparse_log(dir / "huge.log", huge);
    suite_in_flight s("[logs]\nfiles = [" + toml_string(log) + "]\n", work_phase("scan"));
    // Far more than the suite reads of anything else.
    REQUIRE(soon([&] { return bytes_read(s.pid) >= (256U << 20); }));
    ::kill(s.pid, SIGTERM);
    s.finish();
    INFO(read_text(s.out));

    CHECK(s.ended.status == 143);
    const auto& stopped = find_case(s.json, "no error in a log too large to finish");
    CHECK(matches(stopped["failure"], cut_by_sigterm));
    CHECK(
        matches(stopped.at("results").at(0).at("summary"),
                "could not verify: " + std::regex_replace(log.string(), std::regex("\\."), "\\.") +
                    ": interrupted by SIGTERM after [0-9.]+ MiB read"));
    check_reports(s.reports);
}

TEST_CASE("a suite sent SIGTERM while a check runs still sends its notice, within the notice's "
          "own deadline, to a webhook that never answers",
          "[suite][stop][notify]") {
    const process_mark mark;
    silent_webhook hook;
    suite_in_flight s("", work_phase("job", {"--notify", hook.url(), "--notify-timeout", "2s"}));
    REQUIRE(soon([&] { return std::filesystem::exists(s.project.dir / "project/job-started"); }));
    ::kill(s.pid, SIGTERM);

    s.finish();
    INFO(read_text(s.out));
    CHECK(s.ended.status == 143);
    CHECK(s.ended.took.count() < 5000);
    CHECK(hook.called());
    CHECK(matches(find_case(s.json, "a job the test stops")["failure"], cut_by_sigterm));
    REQUIRE(s.json["notices"].size() == 1);
    CHECK(s.json["notices"][0]["sent"] == false);
    CHECK_THAT(s.json["notices"][0]["outcome"].get<std::string>(),
               Catch::StartsWith("Timeout was reached"));
    check_reports(s.reports);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a suite sent SIGTERM while its notice waits on a webhook that never answers ends "
          "within the notice's deadline, its verdicts standing",
          "[suite][stop][notify]") {
    silent_webhook hook;
    suite_in_flight s("", {"--notify", hook.url(), "--notify-timeout", "3s"});
    REQUIRE(soon([&] { return hook.called(); }));
    ::kill(s.pid, SIGTERM);

    s.finish();
    INFO(read_text(s.out));
    CHECK(s.ended.status == 143);
    CHECK(s.ended.took.count() < 5000);
    for (const auto& c : s.json["cases"])
        CHECK(c["verdict"] == "pass");
    CHECK(has_note(s.json["notes"], "the run was interrupted by SIGTERM after every check had "
                                    "ended: their verdicts stand"));
    CHECK(s.json["notices"][0]["sent"] == false);
    check_reports(s.reports);
}

TEST_CASE("the command line sent SIGTERM while a URL keeps it waiting ends the wait there",
          "[cli][stop]") {
    temp_dir dir;
    silent_webhook service;
    const auto url = service.url("/health");
    const pid_t pid =
        spawn({ROLLCHECK_CLI, "net", "http", url, "--timeout", "60s"}, dir / "out.txt");
    REQUIRE(soon([&] { return service.called(); }));
    const auto out = stopped_output(pid, dir / "out.txt");
    CHECK(std::regex_search(out, std::regex("^ERROR net\\.http: http://127\\.0\\.0\\.1:[0-9]+/"
                                            "health: interrupted by SIGTERM after [0-9.]+ m?s")));
}

TEST_CASE("the command line sent SIGTERM while the Docker daemon keeps it waiting ends the wait "
          "there",
          "[cli][stop]") {
    temp_dir dir;
    // A daemon's socket that takes connections and never answers.
    const auto socket_path = (dir / "docker.sock").string();
    const int daemon = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
    REQUIRE(::bind(daemon, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(daemon, 8) == 0);
    const pid_t pid = spawn({ROLLCHECK_CLI, "containers", "down", "--project", "shop", "--host",
                             "unix://" + socket_path, "--timeout", "60s"},
                            dir / "out.txt");
    REQUIRE(soon([&] {
        pollfd p{daemon, POLLIN, 0};
        return ::poll(&p, 1, 0) == 1;
    }));
    const auto out = stopped_output(pid, dir / "out.txt");
    ::close(daemon);
    CHECK(std::regex_search(out, std::regex("^ERROR containers\\.down: .*/docker\\.sock: GET "
                                            "/version: interrupted by SIGTERM")));
}

// A second signal, sent as soon as the first was taken: the first one's
// clean-up is under way (a notice that never answers holds the run open for
// a minute), and whoever sent the second will not wait for it.

namespace {

/// Sends the suite SIGTERM then, once taken, SIGINT, and checks that it ends
/// within 3 s with the second one's status, 130.
void stop_twice(suite_in_flight& s) {
    deliver(s.pid, SIGTERM);
    ::kill(s.pid, SIGINT);
    s.finish();
    INFO(read_text(s.out));
    CHECK(s.ended.status == 130);
    CHECK(s.ended.took.count() < 3000);
}

} // namespace

TEST_CASE("a suite sent a second signal while a command runs ends at once and leaves no process",
          "[suite][stop]") {
    const process_mark mark;
    silent_webhook hook;
    suite_in_flight s("", work_phase("job", {"--notify", hook.url(), "--notify-timeout", "60s"}));
    REQUIRE(soon([&] { return std::filesystem::exists(s.project.dir / "project/job-started"); }));
    stop_twice(s);
    CHECK(mark.marked_processes().empty());
}

TEST_CASE("a suite sent a second signal during a restore check ends at once and leaves no "
          "scratch cluster",
          "[suite][stop][postgres]") {
    const process_mark mark;
    const restore_setup restore;
    silent_webhook hook;
    suite_in_flight s(restore_sections(restore),
                      work_phase("restore", {"--notify", hook.url(), "--notify-timeout", "60s"}),
                      {restore.tmpdir()});
    const auto scratch = restore.scratch_server_up(s.out);
    stop_twice(s);
    CHECK(restore_dirs(restore.tmp).empty());
    CHECK_FALSE(runs_from(scratch));
    CHECK(mark.marked_processes().empty());
}
