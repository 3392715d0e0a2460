// Events and evidence: a traceback is one finding with its exception line,
// lines without a timestamp belong to the event above them, and evidence
// text is cut and escaped so any log prints safely.
#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

TEST_CASE("a logged traceback is one event: its first line, its exception, counted once") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", "2026-11-28 09:26:24,123 INFO scoring batch 7\n"
                                          "2026-11-28 09:26:25,000 ERROR scoring failed\n"
                                          "Traceback (most recent call last):\n"
                                          "  File \"score.py\", line 40, in run\n"
                                          "    score(batch)\n"
                                          "  File \"score.py\", line 12, in score\n"
                                          "    raise ValueError(\"empty batch\")\n"
                                          "ValueError: empty batch\n"
                                          "2026-11-28 09:26:26,000 INFO processed 0 submissions\n")
                         .string();
    auto spec = log_test::scan_of({log}, {"ERROR", "Traceback"});
    auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("1 error event (2 lines) in " + log));
    CHECK(log_test::evidence_texts(r) ==
          std::vector<std::string>{
              log + ":2:2026-11-28 09:26:25,000 ERROR scoring failed",
              log + ":3:Traceback (most recent call last):  ⇒ line 8: ValueError: empty batch"});
    const auto& traceback = r.evidence.items()[1].data;
    CHECK(traceback["exception"] == "ValueError: empty batch");
    CHECK(traceback["exception_line"] == 8);
    CHECK(traceback["event_line"] == 2);
    CHECK(traceback["pattern"] == "Traceback");

    spec.rules.max_errors = 1;
    REQUIRE_VERDICT(check_log_scan(spec), verdict::pass);
}

TEST_CASE("in a log without timestamps, a traceback is its own event from header to exception") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("worker.out", "starting\n"
                                             "Traceback (most recent call last):\n"
                                             "  File \"w.py\", line 1, in <module>\n"
                                             "KeyError: 'Error'\n"
                                             "Error: second failure\n")
                         .string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"Traceback|Error"}));
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("2 error events (3 lines)"));
    CHECK(r.evidence.items()[1].data["event_line"] == 2);
    CHECK_FALSE(r.evidence.items()[2].data.contains("event_line"));
}

TEST_CASE("evidence text is cut at a sane length, control bytes and invalid UTF-8 escaped") {
    rollcheck_test::temp_dir dir;
    const std::string long_tail(5000, 'x');
    const auto log = dir.write("raw.log", std::string("ERROR bell\x07 nul") + '\0' +
                                              " bad\xff utf8 é\r\n" + "ERROR " + long_tail + "\n")
                         .string();
    const auto r = check_log_scan(log_test::scan_of({log}, {"ERROR"}));
    REQUIRE_VERDICT(r, verdict::fail);
    const auto texts = log_test::evidence_texts(r);
    REQUIRE(texts.size() == 2);
    CHECK(texts[0] == log + ":1:ERROR bell\\x07 nul\\x00 bad\\xff utf8 é\\x0d");
    CHECK(texts[1] == log + ":2:ERROR " + std::string(994, 'x') + " [… 4006 more bytes]");
    CHECK(to_json(r).dump().size() < 4000);
}

TEST_CASE("only the first N error lines are kept, all are counted") {
    rollcheck_test::temp_dir dir;
    std::string text;
    for (int i = 1; i <= 50; ++i)
        text += fmt::format("2026-11-28 09:00:{:02},000 ERROR failure {}\n", i, i);
    const auto log = dir.write("app.log", text).string();
    auto spec = log_test::scan_of({log}, {"ERROR"});
    spec.show = 3;
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.evidence.items().size() == 3);
    CHECK(r.evidence.total() == 50);
    CHECK(r.evidence.items()[2].text == log + ":3:2026-11-28 09:00:03,000 ERROR failure 3");
    CHECK_THAT(fmt::format("{}", r), Catch::EndsWith("… 47 more not shown"));
}
