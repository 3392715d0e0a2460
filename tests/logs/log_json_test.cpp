// JSON-lines logs: Docker's json-file records and structured loggers'
// records, scanned by their decoded message and their time, with the raw
// prefilter never hiding a record whose message matches.
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/detail/logs/patterns.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;
using log_test::evidence_texts;
using log_test::scan_of;

namespace {

/// A record as Docker's json-file driver writes it: the line with its
/// newline, `<`, `>` and `&` escaped as Go escapes them, the time last.
std::string docker_record(const std::string& line, const std::string& time,
                          const std::string& stream = "stdout") {
    std::string escaped = nlohmann::json(line + "\n").dump();
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"}})
        for (auto at = escaped.find(from); at != std::string::npos; at = escaped.find(from, at))
            escaped.replace(at, from.size(), to);
    return fmt::format(R"({{"log":{},"stream":"{}","time":"{}"}})", escaped, stream, time) + "\n";
}

/// The unified pipeline's container log: progress from 09:00, a traceback
/// written line by line to stderr at 09:30, and one more error at 09:31.
std::string unified_pipeline_log() {
    std::string text;
    for (int m = 0; m < 30; ++m)
        text +=
            docker_record(fmt::format("INFO unified_pipeline: processed {} submissions <ok>", m),
                          fmt::format("2026-11-28T09:{:02}:00.123456789Z", m));
    const std::string at = "2026-11-28T09:30:00.000000001Z";
    text += docker_record("Traceback (most recent call last):", at, "stderr");
    text += docker_record("  File \"/app/unified_pipeline.py\", line 88, in enrich", at, "stderr");
    text += docker_record("    raise RuntimeError(\"AI enrichment: 429 & retry\")", at, "stderr");
    text += docker_record("RuntimeError: AI enrichment: 429 & retry", at, "stderr");
    text += docker_record("ERROR unified_pipeline: batch 31 abandoned",
                          "2026-11-28T09:31:00.000000001Z");
    return text;
}

check_result scan_json(const std::string& file, std::vector<std::string> errors) {
    return check_log_scan(scan_of({file}, std::move(errors)));
}

} // namespace

TEST_CASE("a Docker log is read by its records: the traceback since a time is one event") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("4f2a-json.log", unified_pipeline_log()).string();
    auto spec = scan_of({log}, {"Traceback|ERROR|^[A-Za-z]+Error:"});
    spec.rules.required = {{"processed [0-9]+ submissions", 1}};
    spec.since = std::chrono::system_clock::time_point(std::chrono::seconds(1795858140)); // 09:29
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("2 error events (3 lines) in " + log));
    CHECK(evidence_texts(r) ==
          std::vector<std::string>{
              log + ":31:Traceback (most recent call last):  ⇒ line 34: RuntimeError: AI "
                    "enrichment: 429 & retry",
              log + ":34:RuntimeError: AI enrichment: 429 & retry",
              log + ":35:ERROR unified_pipeline: batch 31 abandoned"});
    CHECK(r.evidence.items()[1].data["event_line"] == 31);
    CHECK(r.evidence.items()[0].data["time"] == "2026-11-28T09:30:00.000000001Z");
    CHECK(r.totals["files"][0]["format"] == "json");
    CHECK(r.totals["time_range"]["from"] == "2026-11-28T09:29:00.123Z");
    // Only 09:29's progress record is in the window.
    CHECK(r.totals["patterns"][1]["lines"] == 1);
}

TEST_CASE("a logged line and the traceback under it, record by record, are one event") {
    rollcheck_test::temp_dir dir;
    const std::string at = "2026-11-28T09:31:02.004Z";
    const auto log =
        dir.write("api-json.log",
                  docker_record("2026-11-28 09:31:02,003 ERROR enrichment failed", at, "stderr") +
                      docker_record("Traceback (most recent call last):", at, "stderr") +
                      docker_record("  File \"ai.py\", line 2, in enrich", at, "stderr") +
                      docker_record("KeyError: 'score'", at, "stderr") +
                      docker_record("ERROR without a logged time", at))
            .string();
    const auto r = scan_json(log, {"ERROR|Traceback"});
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK_THAT(r.summary, Catch::StartsWith("2 error events (3 lines) in " + log));
    CHECK(r.evidence.items()[1].data["event_line"] == 1);
    CHECK(r.evidence.items()[1].data["exception"] == "KeyError: 'score'");
    CHECK_FALSE(r.evidence.items()[2].data.contains("event_line"));
}

TEST_CASE("patterns match the decoded message: anchors, escapes and markup, not the record") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app-json.log", unified_pipeline_log()).string();
    CHECK(scan_json(log, {"^ERROR unified_pipeline: batch 31 abandoned$"}).totals["error_lines"] ==
          1);
    CHECK(scan_json(log, {R"(raise RuntimeError\("AI)"}).totals["error_lines"] == 1);
    CHECK(scan_json(log, {"429 & retry"}).totals["error_lines"] == 2);
    CHECK(scan_json(log, {"<ok>$"}).totals["error_lines"] == 30);
    CHECK(scan_json(log, {"^  File"}).totals["error_lines"] == 1);
    // What only the raw line holds: the field names, the escapes, the time.
    for (const std::string raw : {"stream", R"(\\u003c)", "u0026", "09:30:00", R"(\\n)"})
        CHECK_VERDICT(scan_json(log, {raw}), verdict::pass);

    const auto accents =
        dir.write("accents-json.log",
                  R"({"log":"caf\u00e9 \ud83d\ude00 failed\n","time":"2026-11-28T09:00:00Z"})"
                  "\n")
            .string();
    const auto r = scan_json(accents, {"café 😀 failed"});
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_texts(r) == std::vector<std::string>{accents + ":1:café 😀 failed"});
}

TEST_CASE("structured records: the usual fields found, named ones used, the level on request") {
    rollcheck_test::temp_dir dir;
    const auto log =
        dir.write("api.jsonl", R"({"ts": 1795856400.5, "level": "INFO", "msg": "GET /health 200"})"
                               "\n"
                               R"({"ts": 1795856401, "level": "ERROR", "msg": "database timeout",)"
                               R"( "extra": {"message": "Traceback", "n": [1, 2, {"a": null}]}})"
                               "\n"
                               R"({"ts": 1795856402, "level": "WARNING", "msg": "slow: 2.5 s"})"
                               "\n")
            .string();
    auto r = scan_json(log, {"Traceback|^ERROR$"});
    CHECK_VERDICT(r, verdict::pass); // nested fields are not the message; the level is not asked
    auto spec = scan_of({log}, {"^ERROR$"});
    spec.json.match_level = true;
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_texts(r) == std::vector<std::string>{log + ":2:database timeout"});
    CHECK(r.evidence.items()[0].data["level"] == "ERROR");
    CHECK(r.totals["time_range"]["from"] == "2026-11-28T09:00:00.500Z");

    const auto custom =
        dir.write("custom.log", R"({"when": "2026-11-28T09:00:00Z", "text": "boom"})"
                                "\n")
            .string();
    spec = scan_of({custom}, {"boom"});
    spec.format = log_format::json;
    // No message field: the line is matched as text, and said so.
    r = check_log_scan(spec);
    CHECK(r.totals["error_lines"] == 1);
    CHECK(r.totals["malformed_records"]["first"]["why"] ==
          "no message field (log, msg or message)");
    spec.json.message = "text";
    spec.json.time = "when";
    spec.since = std::chrono::system_clock::time_point(std::chrono::seconds(1795856000));
    CHECK(check_log_scan(spec).totals["error_lines"] == 1);
    spec.format = log_format::text; // as text, the record is one line without a timestamp
    r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK_THAT(r.summary, Catch::Contains("no timestamp in the 64 lines from byte 0"));
}

TEST_CASE("bad records: counted and named, matched as text, never a crash") {
    rollcheck_test::temp_dir dir;
    const std::string good = docker_record("INFO ok", "2026-11-28T09:00:00Z");
    std::string huge = "ERROR " + std::string(10 << 20, 'x');
    const auto log =
        dir.write(
               "bad-json.log",
               good + "ERROR plain text in a JSON log\n" +
                   "{\"log\":\"ERROR \xff\xfe not UTF-8\\n\",\"time\":\"2026-11-28T09:00:01Z\"}\n" +
                   docker_record(huge, "2026-11-28T09:00:02Z") +
                   R"({"log":"ERROR no time field\n"})" + "\n" + std::string(100, '[') +
                   "ERROR deep" + "\n" + R"({"log":"ERROR truncated)")
            .string();
    auto spec = scan_of({log}, {"ERROR"});
    spec.format = log_format::json;
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(r.totals["error_lines"] == 6);
    CHECK(r.totals["malformed_records"]["count"] == 3);
    CHECK(r.totals["malformed_records"]["first"] ==
          nlohmann::json{{"file", log}, {"line", 2}, {"why", "not a JSON object at byte 1"}});
    CHECK_THAT(r.summary, Catch::Contains("; 3 lines not read as JSON records, matched as text "
                                          "(first: " +
                                          log + ":2: not a JSON object at byte 1)"));
    const auto texts = evidence_texts(r);
    REQUIRE(texts.size() == 6);
    CHECK(texts[1] == log + ":3:ERROR \\xff\\xfe not UTF-8");
    CHECK_THAT(texts[2], Catch::EndsWith(fmt::format("xxx [… {} more bytes]", huge.size() - 1000)));
    CHECK(texts[5] == log + R"(:7:{"log":"ERROR truncated)");
    // The record without a time belongs to the event above it.
    CHECK(r.evidence.items()[3].data["event_line"] == 4);
}

TEST_CASE("JSON lines: since needs a time field, and rotated Docker logs are read oldest first") {
    rollcheck_test::temp_dir dir;
    const auto untimed =
        dir.write("untimed.log", std::string(R"({"msg": "a", "time": "soon"})") + "\n").string();
    auto spec = scan_of({untimed}, {"a"});
    spec.format = log_format::json;
    spec.since = std::chrono::system_clock::time_point(std::chrono::seconds(1795856400));
    const auto r = check_log_scan(spec);
    REQUIRE_VERDICT(r, verdict::error);
    CHECK(r.summary == untimed +
                           ": no record with a time (field 'time, timestamp, ts or @timestamp') "
                           "in the 64 lines from byte 0: cannot tell which lines are since "
                           "2026-11-28T09:00:00.000Z");

    const auto current =
        dir.write("c-json.log", docker_record("ERROR new", "2026-11-28T10:00:00Z"));
    dir.write("c-json.log.1", docker_record("ERROR old", "2026-11-28T09:00:00Z"));
    spec = scan_of({current.string()}, {"ERROR"});
    spec.rotated = true;
    CHECK(evidence_texts(check_log_scan(spec)) ==
          std::vector<std::string>{current.string() + ".1:1:ERROR old",
                                   current.string() + ":1:ERROR new"});
}

TEST_CASE("the prefilter drops anchors, and leaves Docker's markup escapes alone when it can") {
    using detail::may_match_markup;
    using detail::without_anchors;
    CHECK(without_anchors("^ERROR$") == "ERROR");
    CHECK(without_anchors(R"(\AERROR|fatal\z)") == "ERROR|fatal");
    CHECK(without_anchors("[^a$]x") == "[^a$]x");
    CHECK(without_anchors("[[:alpha:]^]+$") == "[[:alpha:]^]+");
    CHECK(without_anchors(R"(\Q^$\E$)") == R"(\Q^$\E)");
    CHECK(without_anchors(R"(a\$b\^)") == R"(a\$b\^)");
    CHECK_FALSE(may_match_markup("Traceback|ERROR [0-9]+"));
    for (const char* p :
         {"a<b", "a.b", R"(\W)", "[^a]", "[!-/]", "[;-?]", "(?i)x", "&", "a[[:punct:]]b"})
        CHECK(may_match_markup(p));
}

TEST_CASE("follow reads a Docker log by its records, as scan does") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("f-json.log", docker_record("INFO started", "2026-11-28T09:00:00Z"));
    log_follow_spec spec;
    spec.files = {log.string()};
    spec.rules.errors = {"^Traceback"};
    spec.rules.required = {{"<ok>$", 1}};
    spec.window = std::chrono::milliseconds(1500);
    auto followed = std::async(std::launch::async, [&] { return check_log_follow(spec); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(log, std::ios::app)
        << docker_record("INFO processed 1 submissions <ok>", "2026-11-28T09:00:01Z")
        << docker_record("Traceback (most recent call last):", "2026-11-28T09:00:02Z", "stderr")
        << docker_record("KeyError: 'score'", "2026-11-28T09:00:02Z", "stderr");
    const auto r = followed.get();
    REQUIRE_VERDICT(r, verdict::fail);
    CHECK(evidence_texts(r) ==
          std::vector<std::string>{log.string() +
                                   ":3:Traceback (most recent call last):  ⇒ line 4: KeyError: "
                                   "'score'"});
    CHECK(r.totals["patterns"][1]["lines"] == 1);
}
