// The rules of a scan: error patterns minus exclusions against an error
// budget, required patterns with a minimum, case, and patterns refused up
// front with a message naming them.
#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

const std::string app_log = "2026-11-28 09:00:00,000 INFO scoring started\n"
                            "2026-11-28 09:00:01,000 ERROR connection reset by peer\n"
                            "2026-11-28 09:00:02,000 INFO processed 10 submissions\n"
                            "2026-11-28 09:00:03,000 ERROR retrying: known flaky upstream\n"
                            "2026-11-28 09:00:04,000 INFO processed 12 submissions\n"
                            "2026-11-28 09:00:05,000 error lower-case failure\n";

} // namespace

TEST_CASE("error lines fail the scan and are listed as FILE:LINE:TEXT") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::StartsWith("2 error events (2 lines) in " + log +
                                 " (318 bytes, "
                                 "2026-11-28T09:00:00.000Z to 2026-11-28T09:00:05.000Z), "
                                 "at most 0 allowed"));
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              log + ":2:2026-11-28 09:00:01,000 ERROR connection reset by peer",
              log + ":4:2026-11-28 09:00:03,000 ERROR retrying: known flaky upstream"});
    CHECK(r.totals["error_lines"] == 2);
    CHECK(r.totals["patterns"][0]["lines"] == 2);
    CHECK(r.totals["patterns"][0]["engine"] == "vectorscan");
}

TEST_CASE("exclusions drop known benign lines, and ignore_case widens every pattern") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.rules.excludes = {"known flaky"};
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log +
                                   ":2:2026-11-28 09:00:01,000 ERROR connection reset by peer"});
    CHECK(r.totals["excluded_lines"] == 1);

    spec.rules.ignore_case = true;
    r = check_log_scan(spec);
    CHECK(r.evidence.total() == 2);
    CHECK(r.evidence.items().back().data["line"] == 6);
}

TEST_CASE("error events up to max_errors pass, with the lines still shown") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.rules.max_errors = 2;
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::Contains("2 error events (2 lines)") && Catch::Contains("at most 2 allowed"));
    CHECK(r.evidence.total() == 2);
}

TEST_CASE("a required pattern must match its minimum number of lines") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    log_scan_spec spec;
    spec.files = {log};
    spec.rules.required = {{"processed [0-9]+ submissions", 2}};
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK_THAT(r.summary,
               Catch::EndsWith("; required 'processed [0-9]+ submissions' matched 2 lines"));

    spec.rules.required = {{"processed [0-9]+ submissions", 3}};
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary,
               Catch::EndsWith("; required 'processed [0-9]+ submissions' matched 2 lines, "
                               "at least 3 needed"));
    CHECK(r.totals["patterns"][0]["min_count"] == 3);
}

TEST_CASE("stop_when_met reads only until every requirement has its minimum") {
    rollcheck_test::temp_dir dir;
    std::string text = "2026-11-28 09:00:00,000 INFO processed 3 submissions\n";
    while (text.size() < (2u << 20))
        text += "2026-11-28 09:00:01,000 INFO waiting for the next batch\n";
    text += "2026-11-28 09:00:02,000 INFO processed 4 submissions\n";
    const auto log = dir.write("app.log", text).string();
    log_scan_spec spec;
    spec.files = {log};
    spec.rules.required = {{"processed [0-9]+ submissions", 1}};
    spec.stop_when_met = true;
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::pass);
    CHECK(r.totals["bytes_scanned"].get<std::uint64_t>() < text.size() / 4);
    CHECK_THAT(r.summary, Catch::Contains("stopped once every requirement was met; required "
                                          "'processed [0-9]+ submissions' matched at least 1 "
                                          "line"));

    SECTION("a minimum met only by the last line reads the whole log") {
        spec.rules.required = {{"processed [0-9]+ submissions", 2}};
        r = check_log_scan(spec);
        REQUIRE_VERDICT(r, verdict::pass);
        CHECK(r.totals["bytes_scanned"] == text.size());
    }
    SECTION("a minimum never met fails after reading everything") {
        spec.rules.required = {{"processed [0-9]+ submissions", 3}};
        r = check_log_scan(spec);
        REQUIRE_VERDICT(r, verdict::fail);
        CHECK(r.totals["bytes_scanned"] == text.size());
        CHECK_THAT(r.summary, Catch::EndsWith("matched 2 lines, at least 3 needed"));
    }
    SECTION("with an error pattern or a state file it refuses to stop early") {
        spec.rules.errors = {"ERROR"};
        r = check_log_scan(spec);
        REQUIRE_VERDICT(r, verdict::error);
        CHECK_THAT(r.summary, Catch::Contains("an error could come after"));
        spec.rules.errors.clear();
        spec.state_file = dir / "scan.state";
        r = check_log_scan(spec);
        REQUIRE_VERDICT(r, verdict::error);
        CHECK_THAT(r.summary, Catch::Contains("the unread rest would count as read"));
    }
}

TEST_CASE("a required pattern that asks is located: file, line and event time of its last match") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "2026-11-28 09:00:00,000 INFO processed 3 submissions\n"
                                          "  processed 4 submissions (continued)\n"
                                          "2026-11-28 09:05:00,000 ERROR scoring failed\n"
                                          "2026-11-28 09:15:00,000 INFO idle\n")
                         .string();
    log_scan_spec spec;
    spec.files = {log};
    spec.rules.errors = {"ERROR"};
    spec.rules.required = {{"processed [0-9]+ submissions", 1, true}, {"idle", 1}};
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{log + ":3:2026-11-28 09:05:00,000 ERROR scoring failed"});
    // line 2 has no time of its own: it belongs to line 1's event
    CHECK(r.totals["patterns"][1]["last"] ==
          nlohmann::json{{"file", log}, {"line", 2}, {"time", "2026-11-28T09:00:00.000Z"}});
    CHECK_FALSE(r.totals["patterns"][2].contains("last"));
}

TEST_CASE("invalid patterns are refused up front, naming the pattern and the reason") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", app_log).string();
    auto spec = log_test::scan_of({log}, {"ERROR", "(unclosed"});
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "error pattern '(unclosed' is not a valid RE2 regular expression: missing ): "
          "(unclosed");

    spec = log_test::scan_of({log}, {"(a)\\1"});
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary ==
          "error pattern '(a)\\1' is not a valid RE2 regular expression: invalid escape "
          "sequence: \\1 (backreferences "
          "need a backtracking engine; they are not supported)");

    spec = log_test::scan_of({log}, {"ERROR"});
    spec.rules.excludes = {"[z-a]"};
    r = check_log_scan(spec);
    CHECK(r.summary == "exclusion '[z-a]' is not a valid RE2 regular expression: invalid character "
                       "class range: z-a");

    spec.rules = {};
    r = check_log_scan(spec);
    CHECK(r.summary == "nothing to look for: give an error pattern or a required pattern");
}

TEST_CASE("a pattern that can match an empty string is matched line by line with RE2") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("blank.log", "a\n\nb\n").string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"^$"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(log_test::evidence_texts(r) == std::vector<std::string>{log + ":2:"});
    CHECK(r.totals["patterns"][0]["engine"] == "re2");
    CHECK(r.totals["patterns"][0]["engine_note"] ==
          "can match an empty string: matched line by line");
}

TEST_CASE("a pattern built to make a backtracking engine explode ends in linear time") {
    rollcheck_test::temp_dir dir;
    const auto log =
        dir.write("hostile.log", std::string(20 << 20, 'a') + "!\n" + std::string(64, 'a') + "\n")
            .string();
    for (const char* pattern : {"(a+)+$", "(a|aa)+$", "(a*)*b"}) {
        CAPTURE(pattern);
        const auto r = check_log_scan(log_test::scan_of({log}, {pattern}));
        REQUIRE_VERDICT(r, std::string(pattern) == "(a*)*b" ? verdict::pass : verdict::fail);
        if (r.status == verdict::fail)
            CHECK(log_test::evidence_texts(r) ==
                  std::vector<std::string>{log + ":2:" + std::string(64, 'a')});
        CHECK(r.elapsed < std::chrono::seconds(30));
    }
}
