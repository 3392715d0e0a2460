// The verdict of a case and of a run, the closing line and the exit status:
// what a gate and a person read first.
#include <catch2/catch.hpp>

#include "report_support.hpp"

using namespace rollcheck;
using rollcheck_test::make_case;

namespace {

/// A run of one case per (verdict, severity) pair.
run_record run_of(const std::vector<std::pair<verdict, std::string>>& cases) {
    run_record run;
    run.matrix = rollcheck_test::decision_matrix();
    int n = 0;
    for (const auto& [v, severity] : cases)
        run.cases.push_back(make_case(fmt::format("case {}", ++n), "7", severity,
                                      {check_result::make("db.duplicates", v, "summary")}));
    return run;
}

} // namespace

TEST_CASE("a case's verdict is the worst of its results, and an error when it checked nothing") {
    auto c = make_case("c", "7", "P1",
                       {check_result::pass("a", "ok"), check_result::warn("b", "slow"),
                        check_result::skip("c", "not here")});
    CHECK(c.worst() == verdict::warn);
    c.results.push_back(check_result::fail("d", "bad"));
    CHECK(c.worst() == verdict::fail);

    auto raised = make_case("c", "7", "P1", {check_result::pass("a", "ok")});
    raised.failure = "std::runtime_error: connection reset";
    CHECK(raised.worst() == verdict::error);

    const auto empty = make_case("c", "7", "P1", {});
    CHECK(empty.worst() == verdict::error);
}

TEST_CASE("the closing line counts every verdict and names the decision matrix's action") {
    // The shape of the plan's example: 12 checks, fails and errors apart. An
    // error outranks a fail, so the run's verdict is ERROR.
    std::vector<std::pair<verdict, std::string>> twelve(9, {verdict::pass, "P2"});
    twelve.push_back({verdict::warn, "P3"});
    twelve.push_back({verdict::fail, "P0"});
    twelve.push_back({verdict::error, "P2"});
    const auto run = run_of(twelve);
    CHECK(closing_line(run) == "ERROR: 12 checks: 9 passed, 1 warned, 1 failed, 1 error; worst "
                               "failing severity P0: Immediate rollback — notify stakeholders");
    CHECK(run_exit_status(run) == 2);
}

TEST_CASE("each severity of the decision matrix reads as its action") {
    using v = verdict;
    CHECK(closing_line(run_of({{v::fail, "P1"}, {v::pass, "P0"}})) ==
          "FAIL: 2 checks: 1 passed, 1 failed; worst failing severity P1: Rollback within 1 hour "
          "— tech lead approval");
    CHECK(closing_line(run_of({{v::fail, "P3"}, {v::error, "P2"}, {v::error, "P2"}})) ==
          "ERROR: 3 checks: 1 failed, 2 errors; worst failing severity P2: Rollback within 24 "
          "hours — team discussion");
    CHECK(closing_line(run_of({{v::fail, "P3"}})) ==
          "FAIL: 1 check: 1 failed; worst failing severity P3: Fix forward — no rollback needed");
}

TEST_CASE("a failing case without a severity asks for an assessment, unless a P0 failed too") {
    using v = verdict;
    CHECK(closing_line(run_of({{v::fail, "P1"}, {v::fail, ""}})) ==
          "FAIL: 2 checks: 2 failed; worst failing severity unrated: assess it with the decision "
          "matrix");
    CHECK(closing_line(run_of({{v::fail, "high"}, {v::fail, "P0"}})) ==
          "FAIL: 2 checks: 2 failed; worst failing severity P0: Immediate rollback — notify "
          "stakeholders");
}

TEST_CASE("a run where nothing failed needs no action, and exits 0") {
    using v = verdict;
    const auto passed = run_of({{v::pass, "P0"}, {v::pass, "P1"}});
    CHECK(closing_line(passed) == "PASS: 2 checks: 2 passed; verified: no action");
    CHECK(run_exit_status(passed) == 0);

    const auto warned = run_of({{v::pass, "P0"}, {v::warn, "P1"}, {v::skip, "P2"}});
    CHECK(closing_line(warned) == "WARN: 3 checks: 1 passed, 1 warned, 1 skipped; verified: no "
                                  "action");
    CHECK(run_exit_status(warned) == 0);

    const auto skipped = run_of({{v::skip, "P2"}});
    CHECK(closing_line(skipped) == "SKIP: 1 check: 1 skipped; verified: no action");
    CHECK(run_exit_status(skipped) == 0);
}

TEST_CASE("the exit status is that of the worst verdict") {
    using v = verdict;
    CHECK(run_exit_status(run_of({{v::pass, "P0"}, {v::fail, "P3"}})) == 1);
    CHECK(run_exit_status(run_of({{v::fail, "P0"}, {v::error, "P3"}})) == 2);
    CHECK(run_exit_status(rollcheck_test::sample_run()) == 2);
}

TEST_CASE("a run that checked nothing is an error") {
    const run_record empty;
    CHECK(empty.worst() == verdict::error);
    CHECK(closing_line(empty) == "ERROR: 0 checks: no check ran; nothing was verified");
    CHECK(run_exit_status(empty) == 2);
}

TEST_CASE("the sample run's closing line") {
    CHECK(closing_line(rollcheck_test::sample_run()) ==
          "ERROR: 8 checks: 3 passed, 1 warned, 1 skipped, 1 failed, 2 errors; worst failing "
          "severity P0: Immediate rollback — notify stakeholders");
}

TEST_CASE("a run names the action of the plan it followed, and says when the plan names none") {
    auto run = run_of({{verdict::fail, "P1"}});
    run.matrix = {{"P1", "Roll back today", ""}};
    CHECK(closing_line(run) ==
          "FAIL: 1 check: 1 failed; worst failing severity P1: Roll back today");
    run.matrix.clear();
    CHECK(closing_line(run) == "FAIL: 1 check: 1 failed; worst failing severity P1: the plan's "
                               "decision matrix names no action for it");
}
