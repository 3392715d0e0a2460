// The result model: verdict order, bounded evidence, printing and JSON.
#include <stdexcept>
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
