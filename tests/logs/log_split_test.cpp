// A large log is scanned in two halves on two threads: the result is the
// one scan's, exactly. The split threshold is lowered so that small files,
// whose split point the test knows, are split.
#include <algorithm>

#include <catch2/catch.hpp>
#include <rollcheck/catch.hpp>
#include <rollcheck/detail/logs/patterns.hpp>
#include <rollcheck/detail/logs/split_scan.hpp>
#include <rollcheck/detail/logs/text.hpp>
#include <rollcheck/detail/logs/time.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

/// Every region is split (at the first line start after its middle).
constexpr std::uint64_t always_split = 1;
constexpr std::uint64_t never_split = UINT64_MAX;

/// One log scanned as check_log_scan scans it, from `begin`, its regions of
/// at least `split_from` bytes split; as JSON records when `records`.
struct file_scan {
    detail::pattern_set patterns;
    detail::timestamp_reader clock;
    json_log_fields fields;
    detail::json_record_reader reader{fields};
    bool records = false;
    std::optional<detail::log_millis> since;
    std::size_t show = show_all;
    std::uint64_t begin = 0;

    file_scan(const std::vector<std::string>& errors, const std::vector<std::string>& required,
              const std::vector<std::string>& excludes = {}, bool records_ = false)
        : records(records_) {
        for (const auto& p : errors)
            patterns.add(p, detail::pattern_role::error);
        for (const auto& p : excludes)
            patterns.add(p, detail::pattern_role::exclude);
        for (const auto& p : required)
            patterns.add(p, detail::pattern_role::require, 1, true);
        REQUIRE(patterns.compile(false, records).empty());
    }

    detail::scan_tally run(const std::string& path, std::uint64_t split_from) {
        detail::log_cursor cursor;
        return run(path, split_from, cursor);
    }

    /// Continues `cursor` (a resumed scan) from `begin` to the end of the file.
    detail::scan_tally run(const std::string& path, std::uint64_t split_from,
                           detail::log_cursor& cursor) {
        detail::open_log log;
        REQUIRE(detail::open_input({path, false}, log).empty());
        cursor.name = log.name;
        cursor.fd = log.fd.get();
        const detail::line_clock line_clock(clock, records ? &reader : nullptr);
        const detail::scan_context ctx{patterns, line_clock, since,     false,
                                       nullptr,  nullptr,    split_from};
        detail::scan_tally tally(show, patterns.patterns().size());
        detail::scan_region(ctx, cursor, tally, begin, log.size);
        return tally;
    }
};

/// 100 lines "2026-11-28 09:00:SS,000 WORDS N" for N from 0, SS = N mod 60.
template <class Words>
std::string hundred_lines(Words words_of) {
    std::string text;
    for (int s = 0; s < 100; ++s)
        text += fmt::format("2026-11-28 09:00:{:02},000 {} {}\n", s % 60, words_of(s), s);
    return text;
}

/// The byte the second half starts at, as the scan chooses it.
std::size_t split_point(const std::string& text) {
    return text.find('\n', text.size() / 2) + 1;
}

/// `before`, the lines of `event`, then `filler` lines (one second apart
/// from 10:00:00), as many as make the split fall just before line
/// `second_half_from` of `event` (0: its first line).
std::string split_inside(const std::string& before, const std::vector<std::string>& event,
                         std::size_t second_half_from) {
    std::string event_text;
    std::size_t event_split = 0;
    for (std::size_t i = 0; i < event.size(); ++i) {
        if (i == second_half_from) event_split = before.size() + event_text.size();
        event_text += event[i] + "\n";
    }
    for (int filler = 0; filler < 1000; ++filler) {
        const std::string text =
            before + event_text + log_test::python_log_lines(3600, filler, "filler");
        if (split_point(text) == event_split) return text;
    }
    FAIL("no filler length puts the split there");
    return {};
}

/// All a tally says, for comparing a split scan with one scan.
nlohmann::json observable(const detail::scan_tally& tally) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& item : tally.evidence.items())
        evidence.push_back({item.text, item.data});
    nlohmann::json last = nlohmann::json::array();
    for (const auto& m : tally.last_matches)
        last.push_back(m ? nlohmann::json{m->file, m->line, m->time.value_or(-1)} : nullptr);
    return {{"evidence", evidence},
            {"evidence_total", tally.evidence.total()},
            {"pattern_lines", tally.pattern_lines},
            {"last_matches", last},
            {"error_lines", tally.error_lines},
            {"error_events", tally.error_events},
            {"excluded_lines", tally.excluded_lines},
            {"bytes", tally.bytes},
            {"first_time", tally.first_time.value_or(-1)},
            {"last_time", tally.last_time.value_or(-1)},
            {"first_nul", tally.first_nul ? tally.first_nul->second : UINT64_MAX},
            {"malformed_records", tally.malformed_records},
            {"first_malformed", tally.first_malformed.value_or(nullptr)}};
}

} // namespace

TEST_CASE("an error event spanning the split counts once, its lines numbered as in one scan") {
    rollcheck_test::temp_dir dir;
    const std::string text =
        split_inside(log_test::python_log_lines(0, 40, "processed"),
                     {"2026-11-28 09:00:40,000 ERROR scoring failed",
                      "Traceback (most recent call last):", "  File \"score.py\", line 40, in run",
                      "ValueError: empty batch"},
                     1);
    const auto log = dir.write("app.log", text).string();
    file_scan scan({"ERROR", "Traceback"}, {});
    const auto tally = scan.run(log, always_split);
    CHECK(tally.error_events == 1);
    CHECK(tally.error_lines == 2);
    CHECK(rollcheck_test::evidence_texts(tally.evidence) ==
          std::vector<std::string>{
              log + ":41:2026-11-28 09:00:40,000 ERROR scoring failed",
              log + ":42:Traceback (most recent call last):  ⇒ line 44: ValueError: empty batch"});
    CHECK(tally.evidence.items()[1].data["event_line"] == 41);
    CHECK(observable(tally) == observable(scan.run(log, never_split)));
}

TEST_CASE("a traceback in the first half finds its exception in the second") {
    rollcheck_test::temp_dir dir;
    const std::string text =
        split_inside(log_test::python_log_lines(0, 30, "processed"),
                     {"2026-11-28 09:00:30,000 ERROR scoring failed",
                      "Traceback (most recent call last):", "  File \"score.py\", line 40, in run",
                      "ValueError: empty batch"},
                     3);
    const auto log = dir.write("app.log", text).string();
    file_scan scan({"Traceback"}, {});
    const auto tally = scan.run(log, always_split);
    CHECK(rollcheck_test::evidence_texts(tally.evidence) ==
          std::vector<std::string>{
              log + ":32:Traceback (most recent call last):  ⇒ line 34: ValueError: empty batch"});
    CHECK(observable(tally) == observable(scan.run(log, never_split)));
}

TEST_CASE("evidence of both halves in file order, bounded by show, all counted") {
    rollcheck_test::temp_dir dir;
    const std::string text =
        hundred_lines([](int s) { return s % 20 == 7 ? "ERROR line" : "INFO line"; });
    const auto log = dir.write("app.log", text).string();
    REQUIRE(split_point(text) > text.find("ERROR line 47"));
    REQUIRE(split_point(text) < text.find("ERROR line 67"));
    file_scan scan({"ERROR"}, {});
    scan.show = 4;
    const auto tally = scan.run(log, always_split);
    CHECK(tally.error_events == 5);
    CHECK(rollcheck_test::evidence_texts(tally.evidence) ==
          std::vector<std::string>{log + ":8:2026-11-28 09:00:07,000 ERROR line 7",
                                   log + ":28:2026-11-28 09:00:27,000 ERROR line 27",
                                   log + ":48:2026-11-28 09:00:47,000 ERROR line 47",
                                   log + ":68:2026-11-28 09:00:07,000 ERROR line 67"});
    CHECK(tally.evidence.total() == 5);
    CHECK(observable(tally) == observable(scan.run(log, never_split)));
}

TEST_CASE("the last match of a required pattern is located across the halves") {
    rollcheck_test::temp_dir dir;
    const std::string text = hundred_lines([](int s) {
        return s == 10 || s == 70 ? "INFO heartbeat" : s == 20 ? "INFO started" : "INFO work";
    });
    const auto log = dir.write("app.log", text).string();
    REQUIRE(split_point(text) > text.find("started"));
    REQUIRE(split_point(text) < text.find("heartbeat 70"));
    file_scan scan({}, {"heartbeat", "started"});
    const auto tally = scan.run(log, always_split);
    CHECK(tally.pattern_lines == std::vector<std::uint64_t>{2, 1});
    REQUIRE(tally.last_matches[0]);
    CHECK(tally.last_matches[0]->line == 71);
    CHECK(detail::format_log_time(*tally.last_matches[0]->time) ==
          detail::format_log_time(*scan.clock.at_line_start("2026-11-28 09:00:10,000")));
    REQUIRE(tally.last_matches[1]);
    CHECK(tally.last_matches[1]->line == 21);
    CHECK(observable(tally) == observable(scan.run(log, never_split)));
}

TEST_CASE("a NUL byte in the second half is found at its offset, an earlier one wins") {
    rollcheck_test::temp_dir dir;
    std::string text = log_test::python_log_lines(0, 100, "processed");
    const std::size_t late = text.size() - 100;
    text[late] = '\0';
    const auto log = dir.write("app.log", text).string();
    file_scan scan({"ERROR"}, {});
    auto tally = scan.run(log, always_split);
    REQUIRE(tally.first_nul);
    CHECK(tally.first_nul->second == late);
    CHECK(observable(tally) == observable(scan.run(log, never_split)));

    text[200] = '\0';
    dir.write("app.log", text);
    tally = scan.run(log, always_split);
    REQUIRE(tally.first_nul);
    CHECK(tally.first_nul->second == 200);
}

TEST_CASE("a resumed scan after a split one numbers its lines exactly") {
    rollcheck_test::temp_dir dir;
    std::string text;
    for (int s = 0; s < 200; ++s)
        text += fmt::format("2026-11-28 09:{:02}:{:02},000 {} line {}\n", s / 60, s % 60,
                            s == 150 ? "ERROR" : "INFO", s);
    const auto log = dir.write("app.log", text + text).string();
    file_scan scan({"ERROR"}, {});
    for (const std::size_t show : {std::size_t{0}, show_all}) {
        // The first run read `text`; the second reads what was appended.
        detail::log_cursor cursor;
        scan.show = show;
        (void)scan.run(dir.write("first.log", text).string(), always_split, cursor);
        scan.begin = text.size();
        scan.show = show_all;
        const auto tally = scan.run(log, always_split, cursor);
        scan.begin = 0;
        CHECK(rollcheck_test::evidence_texts(tally.evidence) ==
              std::vector<std::string>{log + ":351:2026-11-28 09:02:30,000 ERROR line 150"});
    }
}

TEST_CASE("a generated log with events everywhere scans the same split and whole") {
    rollcheck_test::temp_dir dir;
    std::string text;
    unsigned state = 12345;
    for (int line = 0; line < 3000; ++line) {
        state = state * 1103515245u + 12345u;
        const int s = line / 3;
        const auto stamp =
            fmt::format("2026-11-28 {:02}:{:02}:{:02},000", 9 + s / 3600, (s / 60) % 60, s % 60);
        switch ((state >> 16) % 12) {
        case 0:
            text += stamp + " ERROR batch " + std::to_string(line) + "\n";
            break;
        case 1:
            text += "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'x'\n";
            break;
        case 2:
            text += "  continued ERROR detail\n";
            break;
        case 3:
            text += stamp + " WARNING heartbeat\n";
            break;
        default:
            text += stamp + " INFO work " + std::to_string(line) + "\n";
        }
    }
    const auto log = dir.write("app.log", text).string();
    file_scan scan({"ERROR", "Traceback"}, {"heartbeat"}, {"batch 1[0-9]*$"});
    for (const std::uint64_t split_from : {always_split, std::uint64_t{4096}})
        for (const std::size_t show : {std::size_t{3}, show_all})
            for (const std::uint64_t begin : {std::size_t{0}, split_point(text) / 2}) {
                scan.show = show;
                scan.begin = begin == 0 ? 0 : text.find('\n', begin) + 1;
                scan.since = begin == 0 ? std::nullopt
                                        : scan.clock.at_line_start(text.substr(scan.begin, 64));
                CHECK(observable(scan.run(log, split_from)) ==
                      observable(scan.run(log, never_split)));
            }
}

TEST_CASE("a JSON-lines log scans the same split and whole, bad records included") {
    rollcheck_test::temp_dir dir;
    std::string text;
    for (int line = 0; line < 3000; ++line) {
        const auto stamp = fmt::format("2026-11-28T09:{:02}:{:02}Z", line / 60 % 60, line % 60);
        const auto record = [&](const std::string& message) {
            return fmt::format(R"({{"log":{},"time":"{}"}})", nlohmann::json(message + "\n").dump(),
                               stamp) +
                   "\n";
        };
        switch (line % 7) {
        case 0:
            text += record(fmt::format("ERROR batch {} <retry>", line));
            break;
        case 1:
            text += record("Traceback (most recent call last):") + record("  File \"x.py\"") +
                    record("KeyError: 'x'");
            break;
        case 2:
            text += line % 5 == 0 ? "not a record: ERROR\n" : record("WARNING heartbeat");
            break;
        default:
            text += record(fmt::format("INFO work {}", line));
        }
    }
    const auto log = dir.write("app-json.log", text).string();
    file_scan scan({"^ERROR", "Traceback"}, {"heartbeat$"}, {}, true);
    for (const std::uint64_t split_from : {always_split, std::uint64_t{4096}}) {
        const auto split = observable(scan.run(log, split_from));
        CHECK(split == observable(scan.run(log, never_split)));
        CHECK(split["malformed_records"] > 0);
    }
}

TEST_CASE("newlines are counted exactly at every length and alignment, runs of them included") {
    // The line numbers of both halves come from count_newlines: its sixteen
    // byte counters are summed every 255 steps, which a run of newlines fills.
    std::string text;
    for (std::size_t i = 0; i < 20000; ++i)
        text += i % 7 == 0 || (i > 4000 && i < 16000) ? '\n' : static_cast<char>('a' + i % 26);
    for (const std::size_t from : {0U, 1U, 15U, 17U})
        for (const std::size_t size : {0U, 1U, 15U, 16U, 31U, 4079U, 4080U, 4081U, 10999U}) {
            const char* data = text.data() + from;
            const auto expected = static_cast<std::uint64_t>(std::count(data, data + size, '\n'));
            CAPTURE(from, size);
            CHECK(detail::count_newlines(data, size) == expected);
        }
    CHECK(detail::count_newlines(text.data(), text.size()) ==
          static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')));
}
