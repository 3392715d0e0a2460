// `--show all` lists exactly the lines `grep -nE` lists for the same pattern
// on the same files: compared against GNU grep itself, on lines built to
// straddle the scanner's 256 KiB read blocks.
#include <sstream>

#include <catch2/catch.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/detail/logs/scanner.hpp>

#include "log_test_support.hpp"

using namespace rollcheck;

namespace {

/// Deterministic, varied log text: timestamps, levels, empty lines, tabs,
/// a line longer than a read block, bytes that are not UTF-8, no final newline.
std::string varied_log(unsigned seed, std::size_t approx_size) {
    static const char* const words[] = {"ERROR", "error",    "CRITICAL",  "Traceback", "abc",
                                        "axc",   "timeout",  "timed out", "failed",    "end",
                                        "\tend", "x",        "aaaa",      "123-45",    "app.py",
                                        "done.", "\xff\xfe", "WARNING"};
    std::string text;
    unsigned state = seed;
    const auto next = [&state] {
        return state = state * 1103515245u + 12345u, (state >> 8) & 0xffff;
    };
    while (text.size() < approx_size) {
        const unsigned kind = next() % 20;
        if (kind == 0) {
            text += '\n';
            continue;
        }
        if (kind == 1 && text.size() > 300000 && text.size() < 400000) {
            text += std::string(300000, 'a') + " failed\n"; // longer than a read block
            continue;
        }
        std::string line = kind < 10 ? fmt::format("2026-11-28 09:{:02}:{:02},{:03} ", next() % 60,
                                                   next() % 60, next() % 1000)
                                     : "";
        for (unsigned w = next() % 6 + 1; w > 0; --w)
            line += std::string(words[next() % (sizeof words / sizeof *words)]) +
                    (next() % 3 ? " " : "");
        text += line + '\n';
    }
    return text + "tail without newline ERROR";
}

struct grep_line {
    std::string file;
    std::uint64_t line;
    std::string text;
    bool operator==(const grep_line& o) const {
        return file == o.file && line == o.line && text == o.text;
    }
};

/// What `LC_ALL=C grep -anE [-i] -- PATTERN FILES…` lists (texts of lines
/// with bytes that need escaping are left out of the comparison).
std::vector<grep_line> grep_lines(const std::string& pattern, const std::vector<std::string>& files,
                                  bool ignore_case) {
    command_spec spec;
    spec.argv = {"grep", "-anE"};
    if (ignore_case) spec.argv.push_back("-i");
    spec.argv.insert(spec.argv.end(), {"-H", "--", pattern});
    spec.argv.insert(spec.argv.end(), files.begin(), files.end());
    spec.environment["LC_ALL"] = "C";
    spec.output_limit = 64 << 20;
    const auto run = run_command(spec);
    REQUIRE(run.status == command_status::exited);
    REQUIRE(run.exit_code <= 1);
    std::vector<grep_line> lines;
    std::istringstream in(run.out.text());
    for (std::string raw; std::getline(in, raw);) {
        const auto a = raw.find(':'), b = raw.find(':', a + 1);
        lines.push_back(
            {raw.substr(0, a), std::stoull(raw.substr(a + 1, b - a - 1)), raw.substr(b + 1)});
    }
    return lines;
}

std::vector<grep_line> scanner_lines(const check_result& r) {
    std::vector<grep_line> lines;
    for (const auto& item : r.evidence.items())
        lines.push_back({item.data.at("file").get<std::string>(),
                         item.data.at("line").get<std::uint64_t>(),
                         item.data.at("text").get<std::string>()});
    return lines;
}

/// Texts are compared where grep's raw bytes print as they are.
void blank_escaped_texts(std::vector<grep_line>& grep_side, std::vector<grep_line>& scan_side) {
    REQUIRE(grep_side.size() == scan_side.size());
    for (std::size_t i = 0; i < grep_side.size(); ++i) {
        const auto& t = grep_side[i].text;
        const bool plain = t.size() < detail::evidence_text_limit &&
                           std::all_of(t.begin(), t.end(),
                                       [](char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; });
        if (!plain) grep_side[i].text = scan_side[i].text = "(not compared)";
    }
}

/// Equal lists; on a difference, the first differing pair is shown.
void check_same_lines(const std::vector<grep_line>& got, const std::vector<grep_line>& expected) {
    const auto diff = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
    if (diff.first == got.end() && diff.second == expected.end()) return;
    const auto show = [](auto it, auto end) {
        return it == end ? std::string("(none)")
                         : fmt::format("{}:{}:{}", it->file, it->line, it->text);
    };
    FAIL_CHECK("scanner " << show(diff.first, got.end()) << "\ngrep    "
                          << show(diff.second, expected.end()));
}

} // namespace

TEST_CASE("every error line grep -nE lists, and no other, for the same pattern and files") {
    rollcheck_test::temp_dir dir;
    const auto a = dir.write("a.log", varied_log(7, 1200000)).string();
    const auto b = dir.write("b.log", varied_log(11, 300000)).string();
    const bool ignore_case = GENERATE(false, true);
    const std::string pattern =
        GENERATE("ERROR|CRITICAL|Traceback", "^ERROR", "failed$", "^[0-9]{4}-", "[0-9]{3}-[0-9]{2}",
                 "time(out|d out)", "a[^b]c", "x*", "^$", "[[:space:]]end", "(a+)+$", "app\\.py",
                 "done\\.$", "[[:upper:]]{5} ", "o\\b", "NEWLINE");
    CAPTURE(pattern, ignore_case);
    auto spec = log_test::scan_of({a, b}, {pattern});
    spec.rules.ignore_case = ignore_case;
    spec.rules.max_errors = 1u << 30;
    const auto r = check_log_scan(spec);
    INFO(r.summary);
    auto expected = grep_lines(pattern, {a, b}, ignore_case);
    REQUIRE(r.status == verdict::pass);
    auto got = scanner_lines(r);
    REQUIRE(r.evidence.total() == expected.size());
    blank_escaped_texts(expected, got);
    check_same_lines(got, expected);
}

TEST_CASE("the JSON evidence of a scan keeping every line is grep -nE's list, field by field") {
    rollcheck_test::temp_dir dir;
    const auto log = dir.write("app.log", varied_log(3, 600000)).string();
    const auto expected = grep_lines("ERROR|Traceback", {log}, false);
    auto spec = log_test::scan_of({log}, {"ERROR|Traceback"});
    const auto r = check_log_scan(spec);
    REQUIRE(r.status == verdict::fail);
    const auto json = to_json(r);
    REQUIRE(json.at("evidence").size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(json["evidence"][i]["line"] == expected[i].line);
        CHECK(json["evidence"][i]["file"] == log);
        CHECK(json["evidence"][i]["pattern"] == "ERROR|Traceback");
    }
}
