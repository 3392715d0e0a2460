// report.html: one page that stands alone, holds every check with its
// verdict class, folds the evidence of the failing ones, draws time to green
// per phase, and escapes whatever text the evidence carried. The page as a
// browser renders it is tested by html_browser_test.py.
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <rollcheck/detail/report/html.hpp>

#include "report_support.hpp"
#include "test_support.hpp"

using namespace rollcheck;
using rollcheck_test::read_text;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

/// The sample run with hostile text where a page could be broken into:
/// a name, a summary, evidence, a failure, a waiver and a note.
run_record hostile_run() {
    auto run = rollcheck_test::sample_run();
    auto r = check_result::fail("logs.scan", "1 line matched '<script>alert(\"s\")</script>'");
    r.evidence.add(
        {"app.log:7: </pre></details><script>alert('e')</script> & \xc3\x28 \x07", {{"line", 7}}});
    auto c = rollcheck_test::make_case("<img src=x onerror=alert(1)> \"quoted\" & 'single'", "8",
                                       "P3", {r});
    c.failure = "</li><script>x</script>";
    c.waived_by = waiver{"<b>w</b>",   "8",  "ticket <OPS-1> & \"soon\"",
                         "2099-12-31", "P3", "waivers.toml:1:1"};
    run.cases.push_back(std::move(c));
    run.notes.push_back("<style>body{display:none}</style>");
    return run;
}

} // namespace

TEST_CASE("report.html holds every check with its verdict class, in the order the phases ran") {
    const auto run = rollcheck_test::sample_run();
    const auto html = detail::report_html_text(run);
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
    CHECK_THAT(html, Catch::EndsWith("</html>\n"));
    CHECK(occurrences(html, "<li class=\"check ") == run.cases.size());
    CHECK(occurrences(html, "<li class=\"check v-pass\" data-verdict=\"pass\">") == 3);
    CHECK(occurrences(html, "<li class=\"check v-warn\"") == 1);
    CHECK(occurrences(html, "<li class=\"check v-skip\"") == 1);
    CHECK(occurrences(html, "<li class=\"check v-fail\"") == 1);
    CHECK(occurrences(html, "<li class=\"check v-error\"") == 2);
    // Phases in the order their first cases ran: the plan's, as the suites run it.
    const auto p13 = html.find("<ol class=\"checks\" data-phase=\"1-3\">");
    const auto p7 = html.find("<ol class=\"checks\" data-phase=\"7\">");
    const auto p11 = html.find("<ol class=\"checks\" data-phase=\"11\">");
    CHECK(p7 < p13);
    CHECK(p13 < p11);
    CHECK(p11 != std::string::npos);
    // The phase table in verdict colours, and the closing line twice: first and last.
    CHECK_THAT(html, Catch::Contains("<tr class=\"v-warn\" data-phase=\"1-3\">") &&
                         Catch::Contains("<tr class=\"v-error\" data-phase=\"7\">") &&
                         Catch::Contains("<tr class=\"v-skip\" data-phase=\"9-10\">"));
    CHECK(occurrences(html, detail::html_escape(closing_line(run))) == 2);
    CHECK_THAT(html, Catch::Contains("<tr class=\"active v-fail\"><td>P0</td><td>Immediate "
                                     "rollback — notify stakeholders ← this run</td></tr>"));
}

TEST_CASE("report.html shows the checklist and the evidence as report.md does") {
    const auto run = rollcheck_test::sample_run();
    const auto html = detail::report_html_text(run);
    CHECK_THAT(html, Catch::Contains("<span class=\"badge\">ERROR</span>System functionality "
                                     "verified — 6 verdicts: 3 passed, 1 warned, 1 skipped, 1 "
                                     "error</li>"));
    CHECK_THAT(html, Catch::Contains("Incident documented — this report</li>"));
    // Evidence folded under each failing check, and under no other.
    CHECK(occurrences(html, "<details><summary>evidence</summary>") == 3);
    CHECK_THAT(html, Catch::Contains("<pre>FAIL db.duplicates: 2 duplicated submission_id values "
                                     "in public.opportunities_unified (12 ms)\n  - "
                                     "submission_id=t3_&lt;abc&gt;&amp;&quot;x&quot;: 3 rows\n"));
    CHECK_THAT(html, Catch::Contains("<pre>failure: REQUIRE( rows_written &gt; 0 ) failed: 0 &gt; "
                                     "0\n</pre>"));
    CHECK_THAT(html, Catch::Contains("<p>No check was waived.</p>"));
}

TEST_CASE("report.html's chart labels each phase's bar with its figures") {
    auto run = rollcheck_test::sample_run();
    const auto html = detail::report_html_text(run);
    CHECK(occurrences(html, "<g class=\"phase-bar ") == 4);
    // Phase 7 ran first, so its bar is the first.
    CHECK_THAT(html, Catch::Contains("<g class=\"phase-bar never\" data-phase=\"7\">"));
    CHECK_THAT(html, Catch::Contains("<text class=\"phase\" x=\"0\" y=\"14\">phase 7 — "
                                     "MISSED</text>\n<text class=\"figures\" x=\"0\" "
                                     "y=\"31\">2 checks never verified · target 1h</text>"));
    CHECK_THAT(html, Catch::Contains("<text class=\"phase\" x=\"0\" y=\"80\">phase 1-3 — "
                                     "MISSED</text>\n<text class=\"figures\" x=\"0\" "
                                     "y=\"97\">green after 26m 36s · target 5m · late by 21m "
                                     "36s</text>"));
    // 26m 36s of a track twice the 5 minutes' target: past its end, drawn to it.
    CHECK_THAT(html, Catch::Contains("<rect class=\"bar\" x=\"0\" y=\"104\" width=\"100.00%\""));

    SECTION("a phase within its target is drawn to scale, left of the target's line") {
        run.since = run.started;
        for (auto& c : run.cases)
            if (c.green_at) c.green_at = run.started + std::chrono::seconds(30);
        const auto met = detail::report_html_text(run);
        CHECK_THAT(met, Catch::Contains("phase 1-3 — MET</text>\n<text class=\"figures\" x=\"0\" "
                                        "y=\"97\">green after 30 s · target 5m · 4m 30s to "
                                        "spare</text>"));
        CHECK_THAT(met, Catch::Contains("width=\"5.00%\""));
    }
    SECTION("a phase without a target says so") {
        run.recovery_targets.clear();
        CHECK_THAT(detail::report_html_text(run),
                   Catch::Contains("phase 1-3 — NO TARGET") &&
                       Catch::Contains("2 checks never verified · no target"));
    }
}

TEST_CASE("report.html escapes hostile text and loads nothing") {
    const auto html = detail::report_html_text(hostile_run());
    // Nothing executable or fetched: no script or style of the text's, no
    // attribute that loads or runs anything, no URL.
    for (const char* banned : {"<script", "<img", "<style>body", "<b>", "url(", "@import"})
        CHECK_THAT(html, !Catch::Contains(banned, Catch::CaseSensitive::No));
    static const std::regex loads(R"(<[^>]*\s(src|href|on[a-z]+)\s*=)", std::regex::icase);
    static const std::regex url(R"([a-z]+://)", std::regex::icase);
    CHECK_FALSE(std::regex_search(html, loads));
    CHECK_FALSE(std::regex_search(html, url));
    CHECK_THAT(html, Catch::Contains("Content-Security-Policy\" content=\"default-src 'none'; "
                                     "style-src 'unsafe-inline'\""));
    CHECK_THAT(html, Catch::Contains("<span class=\"name\">&lt;img src=x onerror=alert(1)&gt; "
                                     "&quot;quoted&quot; &amp; &#39;single&#39;</span>"));
    CHECK_THAT(html, Catch::Contains("app.log:7: &lt;/pre&gt;&lt;/details&gt;&lt;script&gt;"
                                     "alert(&#39;e&#39;)&lt;/script&gt; &amp; \xEF\xBF\xBD( "
                                     "\xEF\xBF\xBD"));
    CHECK_THAT(html, Catch::Contains("ticket &lt;OPS-1&gt; &amp; &quot;soon&quot;"));
    // Each element opened by the page is closed: the text inserted none.
    CHECK(occurrences(html, "<details>") == occurrences(html, "</details>"));
    CHECK(occurrences(html, "<pre>") == occurrences(html, "</pre>"));
    CHECK(occurrences(html, "<li ") + occurrences(html, "<li>") == occurrences(html, "</li>"));
    CHECK(occurrences(html, "<style>") == 1);
    // Valid UTF-8, no control character but newline.
    CHECK(detail::clean_text(html) == html);
    CHECK(html.find('\t') == std::string::npos);
    // The waiver is listed with the check's own verdict.
    CHECK_THAT(html, Catch::Contains("(phase 8, P3, the check's own verdict ERROR): waived "
                                     "until 2099-12-31 (waivers.toml:1:1): ticket"));
    CHECK(occurrences(html, "<li class=\"check v-waived\" data-verdict=\"waived\">") == 1);
}

TEST_CASE("write_report_html writes the page, and write_reports writes it beside the others") {
    rollcheck_test::temp_dir dir;
    const auto run = rollcheck_test::sample_run();
    write_report_html(run, dir / "page.html");
    CHECK(read_text(dir / "page.html") == detail::report_html_text(run));
    CHECK(write_reports(run, dir / "r").empty());
    CHECK(read_text(dir / "r" / "report.html") == detail::report_html_text(run));
    const auto file = dir.write("not-a-directory", "x");
    CHECK_THROWS_WITH(write_report_html(run, file / "report.html"),
                      Catch::Contains("cannot write " + (file / "report.html").string()));
}
