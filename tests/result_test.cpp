// The result model: verdict order, bounded evidence, printing and JSON.
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <rollcheck/result.hpp>

using namespace rollcheck;

TEST_CASE("verdicts order from harmless to worst, and map to exit statuses") {
    CHECK(verdict::skip < verdict::pass);
    CHECK(verdict::pass < verdict::warn);
    CHECK(verdict::warn < verdict::fail);
    CHECK(verdict::fail < verdict::error);
    CHECK(exit_status(verdict::pass) == 0);
    CHECK(exit_status(verdict::warn) == 0);
    CHECK(exit_status(verdict::skip) == 0);
    CHECK(exit_status(verdict::fail) == 1);
    CHECK(exit_status(verdict::error) == 2);
}

TEST_CASE("worst() picks the verdict a gate must act on") {
    std::vector<check_result> results;
    CHECK(worst(results) == verdict::skip);
    results.push_back(check_result::pass("a", "ok"));
    results.push_back(check_result::warn("b", "slow"));
    CHECK(worst(results) == verdict::warn);
    results.push_back(check_result::error("c", "unreachable"));
    results.push_back(check_result::fail("d", "bad"));
    CHECK(worst(results) == verdict::error);
}

TEST_CASE("a default result is an error, never a silent pass") {
    const check_result r;
    CHECK(r.status == verdict::error);
    CHECK_FALSE(r.acceptable());
}

TEST_CASE("bounded evidence keeps the first N items and counts them all") {
    bounded_evidence e(3);
    for (int i = 0; i < 1000; ++i)
        e.add({fmt::format("row {}", i), {{"row", i}}});
    e.count_more(24);
    REQUIRE(e.items().size() == 3);
    CHECK(e.items()[2].text == "row 2");
    CHECK(e.total() == 1024);

    bounded_evidence all(show_all);
    for (int i = 0; i < 50; ++i)
        all.add({"x", nullptr});
    CHECK(all.items().size() == 50);
}

TEST_CASE("a result prints its verdict, summary, evidence and what was left out") {
    auto r = check_result::fail("db.duplicates", "2 duplicated keys in public.t");
    r.evidence = bounded_evidence(1);
    r.evidence.add({"submission_id=abc: 3 rows", nullptr});
    r.evidence.add({"submission_id=def: 2 rows", nullptr});
    r.elapsed = std::chrono::milliseconds(12);
    CHECK(fmt::format("{}", r) == "FAIL db.duplicates: 2 duplicated keys in public.t (12 ms)\n"
                                  "  - submission_id=abc: 3 rows\n"
                                  "  … 1 more not shown");
    CHECK(fmt::format("{}", verdict::warn) == "warn");
}

TEST_CASE("a result converts to one JSON object with its evidence data") {
    auto r = check_result::fail("db.duplicates", "1 duplicated key");
    r.evidence.add({"abc: 3 rows", {{"key", {"abc"}}, {"count", 3}}});
    r.evidence.add({"plain text only", nullptr});
    r.totals["excess_rows"] = 2;
    r.elapsed = std::chrono::milliseconds(7);
    const auto j = to_json(r);
    CHECK(j.at("check") == "db.duplicates");
    CHECK(j.at("verdict") == "fail");
    CHECK(j.at("summary") == "1 duplicated key");
    CHECK(j.at("evidence").size() == 2);
    CHECK(j.at("evidence")[0].at("count") == 3);
    CHECK(j.at("evidence")[1] == "plain text only");
    CHECK(j.at("evidence_total") == 2);
    CHECK(j.at("totals").at("excess_rows") == 2);
    CHECK(j.at("elapsed_ms") == 7);
}

TEST_CASE("timed_check turns an escaped exception into an error and times the body") {
    const auto r = timed_check("files.restored",
                               []() -> check_result { throw std::runtime_error("disk on fire"); });
    CHECK(r.status == verdict::error);
    CHECK(r.check == "files.restored");
    CHECK(r.summary == "could not verify: disk on fire");

    const auto ok = timed_check("x", [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return check_result::pass("", "fine");
    });
    CHECK(ok.check == "x");
    CHECK(ok.passed());
    CHECK(ok.elapsed >= std::chrono::milliseconds(20));
}

namespace {

/// A part's result with `n` evidence items, `elapsed` ms and totals.
check_result part(verdict v, const std::string& summary, std::size_t limit, std::size_t n,
                  nlohmann::json totals, int elapsed) {
    auto r = check_result::make("part", v, summary);
    r.evidence = bounded_evidence(limit);
    for (std::size_t i = 0; i < n; ++i)
        r.evidence.add({fmt::format("item {}", i), {{"index", i}}});
    r.totals = std::move(totals);
    r.elapsed = std::chrono::milliseconds(elapsed);
    return r;
}

} // namespace

TEST_CASE("combine_results: the worst verdict, every part named, evidence bounded, totals kept") {
    const auto paths = part(verdict::pass, "all 2 paths absent under /srv/app", 10, 0,
                            {{"root", "/srv/app"}, {"remaining", 0}}, 3);
    const auto imports = part(verdict::fail, "1 of 2 modules not as expected", 2, 3,
                              {{"modules", 2}, {"root", "/srv/app/src"}}, 40);
    const auto r = combine_results("files.removed", {{"paths", paths}, {"imports", imports}}, 10);
    CHECK(r.check == "files.removed");
    CHECK(r.status == verdict::fail);
    CHECK(r.summary == "paths: all 2 paths absent under /srv/app; imports: 1 of 2 modules not as "
                       "expected");
    // The part kept two of its three items: the third stays counted.
    REQUIRE(r.evidence.items().size() == 2);
    CHECK(r.evidence.total() == 3);
    CHECK(r.evidence.items()[1].text == "imports: item 1");
    CHECK(r.evidence.items()[1].data == nlohmann::json{{"index", 1}, {"part", "imports"}});
    CHECK(r.totals == nlohmann::json{{"root", "/srv/app"},
                                     {"remaining", 0},
                                     {"modules", 2},
                                     {"imports.root", "/srv/app/src"}});
    CHECK(r.elapsed == std::chrono::milliseconds(43));
    CHECK(
        fmt::format("{}", r) ==
        "FAIL files.removed: paths: all 2 paths absent under /srv/app; imports: 1 of 2 modules "
        "not as expected (43 ms)\n  - imports: item 0\n  - imports: item 1\n  … 1 more not shown");

    // The combined bound applies across parts.
    const auto many = part(verdict::error, "unreadable", 10, 4, nlohmann::json::object(), 0);
    const auto bounded = combine_results("x", {{"a", many}, {"b", imports}}, 5);
    CHECK(bounded.status == verdict::error);
    CHECK(bounded.evidence.items().size() == 5);
    CHECK(bounded.evidence.items()[4].text == "b: item 0");
    CHECK(bounded.evidence.total() == 7);

    const auto none = combine_results("x", {});
    CHECK(none.status == verdict::error);
    CHECK(none.summary == "nothing was checked");
}
