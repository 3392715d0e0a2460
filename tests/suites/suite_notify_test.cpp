// The team notified, and the wait shown: the Phase 1-3 suite posting its
// verdict to a real local webhook and piping it to a stand-in mailer, the
// notices that fail (HTTP 500, no server, exit 1, a hang) reported without
// touching the verdict, and --wait's progress on a terminal only.
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/time.hpp>

#include "suite_support.hpp"

using namespace std::chrono_literals;
using rollcheck_test::phase1_3;
using rollcheck_test::read_text;
using rollcheck_test::results;
using rollcheck_test::rolled_back_project;

namespace {

/// webhook-server.py answering one POST with `status`, on a thread of its own,
/// its files in `dir` (made here).
class webhook {
public:
    webhook(const std::filesystem::path& dir, int status) : dir_(dir) {
        std::filesystem::create_directories(dir_);
        server_ = std::async(std::launch::async, [this, status] {
            return rollcheck_test::run_program(
                "/usr/bin/python3",
                {ROLLCHECK_WEBHOOK_SERVER, dir_.string(), std::to_string(status)}, 40s);
        });
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!std::filesystem::exists(dir_ / "port") && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(20ms);
        port_ = read_text(dir_ / "port");
    }
    /// The hook's URL, with a secret token in its path as real ones have.
    [[nodiscard]] std::string url() const {
        return fmt::format("http://127.0.0.1:{}/hooks/T000-SECRET-TOKEN?key=SECRET-QUERY", port_);
    }
    [[nodiscard]] std::string origin() const { return "http://127.0.0.1:" + port_; }
    /// The request it received: path, content type, body.
    nlohmann::json request() {
        const auto run = server_.get();
        INFO(run.describe() << run.err.text());
        REQUIRE(run.succeeded());
        return nlohmann::json::parse(read_text(dir_ / "request.json"));
    }

private:
    std::filesystem::path dir_;
    std::string port_;
    std::future<rollcheck::command_outcome> server_;
};

/// Every file the run wrote, and what it printed, as one text.
std::string everything_shown(const rollcheck::command_outcome& run,
                             const std::filesystem::path& reports) {
    std::string all = run.out.text() + run.err.text();
    for (const auto& entry : std::filesystem::directory_iterator(reports))
        all += read_text(entry.path());
    return all;
}

} // namespace

TEST_CASE("a suite run with --notify posts the verdict to a webhook as Slack and Mattermost read "
          "it, and the reports record it without the URL's secret",
          "[suite][notify]") {
    rolled_back_project project;
    const auto target = project.target();
    const auto reports = project.dir / "reports";
    webhook hook(project.dir / "hook", 200);
    const auto run = phase1_3(
        {"--target", target.string(), "--report", reports.string(), "--notify", hook.url()});
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("notice: webhook " + hook.origin() + ": sent at "));

    const auto request = hook.request();
    CHECK(request["path"] == "/hooks/T000-SECRET-TOKEN?key=SECRET-QUERY");
    CHECK(request["content_type"] == "application/json");
    const auto body = nlohmann::json::parse(request["body"].get<std::string>());
    const auto host = rollcheck_test::results(reports)["hostname"].get<std::string>();
    CHECK(body["text"] == fmt::format("rollcheck verify-phase1-3 on {}: PASS: 3 checks: 3 passed; "
                                      "verified: no action\n",
                                      host));
    const auto& attachment = body["attachments"][0];
    CHECK(attachment["fallback"] == "rollcheck verify-phase1-3: PASS");
    CHECK(attachment["color"] == "#2e7d32");
    CHECK(attachment["fields"][0] ==
          nlohmann::json({{"title", "Verdict"}, {"value", "PASS"}, {"short", true}}));
    CHECK(attachment["fields"][2]["value"] == "verified: no action");
    CHECK(attachment["fields"][3]["value"] == "3: 3 passed");

    const auto json = results(reports);
    REQUIRE(json["notices"].size() == 1);
    CHECK(json["notices"][0]["channel"] == "webhook");
    CHECK(json["notices"][0]["destination"] == hook.origin());
    CHECK(json["notices"][0]["sent"] == true);
    CHECK(json["notices"][0]["outcome"] == "HTTP 200");
    const auto md = read_text(reports / "report.md");
    CHECK_THAT(md,
               Catch::Contains("- [x] Team notified — webhook " + hook.origin() + ": sent at "));
    CHECK_THAT(read_text(reports / "junit.xml"),
               Catch::Contains("<property name=\"notice\" value=\"webhook " + hook.origin() +
                               ": sent at "));
    const auto all = everything_shown(run, reports);
    CHECK_THAT(all, !Catch::Contains("SECRET") && !Catch::Contains("/hooks/"));
}

TEST_CASE("a suite run with --notify-command pipes the same text to a command, which reads the "
          "subject from its "
          "environment",
          "[suite][notify]") {
    rolled_back_project project;
    // A failing P2 check: the notice names it and the matrix's action.
    const auto target = project.target(
        "[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = \"the marker is back\"\nkind = "
        "\"command.run\"\ncommand = [\"/bin/test\", \"-e\", \"/nonexistent/marker\"]\n");
    const auto reports = project.dir / "reports";
    const auto mailbox = project.dir / "mailbox.txt";
    const auto subject = project.dir / "subject.txt";
    const auto run =
        phase1_3({"--target", target.string(), "--report", reports.string(), "--notify-command",
                  fmt::format("cat > {}; printf '%s' \"$ROLLCHECK_SUBJECT\" > {}", mailbox.string(),
                              subject.string())});
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 1);
    const auto json = results(reports);
    const auto text = read_text(mailbox);
    CHECK_THAT(text, Catch::StartsWith("rollcheck verify-phase1-3 on ") &&
                         Catch::Contains(": " + json["closing_line"].get<std::string>() + "\n") &&
                         Catch::EndsWith("\n- FAIL P2 phase 1-3: the marker is back\n"));
    CHECK_THAT(json["closing_line"].get<std::string>(),
               Catch::EndsWith("worst failing severity P2: Rollback within 24 hours — team "
                               "discussion"));
    CHECK(read_text(subject) == "rollcheck verify-phase1-3: FAIL");
    REQUIRE(json["notices"].size() == 1);
    CHECK(json["notices"][0]["channel"] == "command");
    CHECK(json["notices"][0]["destination"] == "cat");
    CHECK(json["notices"][0]["sent"] == true);
    CHECK(json["notices"][0]["outcome"] == "exited with status 0");
}

TEST_CASE("a notice that fails (HTTP 500, exit 1) is reported, and the verdict stands",
          "[suite][notify]") {
    rolled_back_project project;
    const auto target = project.target();
    const auto reports = project.dir / "reports";
    webhook hook(project.dir / "hook", 500);
    const auto run =
        phase1_3({"--target", target.string(), "--report", reports.string(), "--notify", hook.url(),
                  "--notify-command", "echo 'mail: cannot send message' >&2; exit 1"});
    INFO(run.out.text() << run.err.text());
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out.text(), Catch::Contains("PASS: 3 checks: 3 passed"));
    CHECK_THAT(run.err.text(),
               Catch::Contains("warning: notice: webhook " + hook.origin() + ": NOT sent (at ") &&
                   Catch::Contains("): HTTP 500: invalid_payload\n") &&
                   Catch::Contains("warning: notice: command echo: NOT sent (at ") &&
                   Catch::Contains("): exited with status 1: mail: cannot send message\n"));
    (void)hook.request();
    const auto json = results(reports);
    CHECK(json["verdict"] == "pass");
    CHECK(json["exit_status"] == 0);
    REQUIRE(json["notices"].size() == 2);
    CHECK(json["notices"][0]["sent"] == false);
    CHECK(json["notices"][0]["outcome"] == "HTTP 500: invalid_payload");
    CHECK(json["notices"][1]["sent"] == false);
    CHECK(json["notices"][1]["outcome"] == "exited with status 1: mail: cannot send message");
    CHECK_THAT(read_text(reports / "report.md"), Catch::Contains("- [ ] Team notified — webhook "));
    CHECK_THAT(everything_shown(run, reports), !Catch::Contains("SECRET"));
}

TEST_CASE("a webhook nobody answers and a command that hangs are cut at --notify-timeout",
          "[suite][notify]") {
    rolled_back_project project;
    const auto target = project.target();
    const auto reports = project.dir / "reports";
    const auto started = std::chrono::steady_clock::now();
    // Port 1 on the loopback: nothing listens, the connection is refused.
    const auto run = phase1_3({"--target", target.string(), "--report", reports.string(),
                               "--notify", "http://127.0.0.1:1/hooks/SECRET-TOKEN",
                               "--notify-command", "sleep 60", "--notify-timeout", "1s"});
    INFO(run.out.text() << run.err.text());
    CHECK(std::chrono::steady_clock::now() - started < 50s);
    CHECK(run.exit_code == 0);
    const auto json = results(reports);
    REQUIRE(json["notices"].size() == 2);
    CHECK(json["notices"][0]["destination"] == "http://127.0.0.1:1");
    CHECK(json["notices"][0]["sent"] == false);
    CHECK_THAT(json["notices"][0]["outcome"].get<std::string>(),
               Catch::StartsWith("Couldn't connect to server"));
    CHECK(json["notices"][1]["sent"] == false);
    CHECK_THAT(json["notices"][1]["outcome"].get<std::string>(),
               Catch::StartsWith("timed out after 1"));
    CHECK_THAT(everything_shown(run, reports), !Catch::Contains("SECRET"));
}

TEST_CASE("a suite run with --wait shows the waiting check on a terminal, and nothing on a pipe "
          "or with --quiet",
          "[suite][wait][progress]") {
    rolled_back_project project;
    // A job that is back at the third look: two waits, 1 s and 2 s, whatever the load.
    const auto count = project.dir / "count";
    const auto target = project.target(fmt::format(
        "[[check]]\nphase = \"1-3\"\nseverity = \"P2\"\nname = \"the job is back\"\nkind = "
        "\"command.run\"\ncommand = [\"/bin/sh\", \"-c\", \"n=$(cat {0} 2>/dev/null || echo 0); "
        "echo $((n + 1)) > {0}; test $n -ge 2\"]\n",
        count.string()));
    const auto suite = [&](const std::string& stderr_kind, bool quiet) {
        std::filesystem::remove(count);
        std::vector<std::string> argv = {ROLLCHECK_PTY_RUN,  "--stderr", stderr_kind,     "--",
                                         ROLLCHECK_PHASE1_3, "--target", target.string(), "--wait",
                                         "the job is back"};
        if (quiet) argv.push_back("--quiet");
        const auto run = rollcheck_test::run_program("/usr/bin/python3", argv, 90s);
        INFO(run.describe() << run.err.text());
        REQUIRE(run.succeeded());
        return nlohmann::json::parse(run.out.text());
    };
    const auto shown = suite("pty", false);
    INFO(shown.dump());
    CHECK(shown["exit"] == 0);
    CHECK_THAT(shown["stderr"].get<std::string>(),
               Catch::Contains("\rwait: the job is back — attempt 2: FAIL: `/bin/sh -c ") &&
                   Catch::Contains("exited with status 1 (expected status 0); next look in ") &&
                   Catch::Contains(" left [") && Catch::EndsWith("\r\x1b[K"));
    const auto piped = suite("pipe", false);
    CHECK(piped["exit"] == 0);
    CHECK(piped["stderr"] == "");
    const auto quiet = suite("pty", true);
    CHECK(quiet["exit"] == 0);
    CHECK(quiet["stderr"] == "");
}
