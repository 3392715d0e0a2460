/// \file catch.hpp
/// Catch2 (v2) glue: assert a check_result so that a failure shows the
/// summary and the evidence, in the console and in the JUnit report. In a
/// suite run with `--wait`, REQUIRE_VERIFIED and CHECK_VERIFIED re-run a
/// result they compute themselves until it is verified or its phase's
/// deadline passes (converge.hpp); a result held in a variable is asserted as is.
/// The expression is also read by decltype to tell the two apart, so it may not
/// hold a lambda (C++17 allows none there): call a named function instead.
///
/// ```cpp
/// rollcheck::duplicates_spec spec;
/// spec.table = rollcheck::table_ref::parse("public.orders");
/// spec.key = {"order_id"};
/// auto r = rollcheck::check_duplicates(spec);
/// REQUIRE_VERIFIED(r);             // pass, warn or skip; warn/skip are reported
/// REQUIRE_VERDICT(r, rollcheck::verdict::fail);   // or exactly this verdict
/// ```
#pragma once

#include <functional>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "result.hpp"
#include "stop.hpp"

namespace Catch {
/// Catch prints a result the way rollcheck does: verdict, summary, evidence.
template <>
struct StringMaker<rollcheck::check_result> {
    static std::string convert(const rollcheck::check_result& r) { return fmt::format("{}", r); }
};
} // namespace Catch

namespace rollcheck::testing {

/// Where a suite's runtime records every asserted result (suite.hpp installs
/// one); plain Catch2 tests of rollcheck leave it empty.
[[nodiscard]] inline std::function<void(const check_result&)>& result_sink() {
    static std::function<void(const check_result&)> sink;
    return sink;
}

/// How a suite re-runs a result until it is verified (suite.hpp installs one
/// under `--wait`); empty: every check runs once.
[[nodiscard]] inline std::function<check_result(const std::function<check_result()>&)>&
result_retry() {
    static std::function<check_result(const std::function<check_result()>&)> retry;
    return retry;
}

/// The result `compute` gives, through the retry when there is one and the
/// result is `fresh`: computed by the assertion itself. A variable's value
/// would only repeat itself, so it is asserted as it is. A stopped run
/// (stop.hpp) starts no check: the result says so instead.
inline check_result settle_result(bool fresh, const std::function<check_result()>& compute) {
    if (fresh && stop_requested())
        return check_result::error("rollcheck.stop",
                                   "not run: the run was interrupted by " + stop_reason());
    return fresh && result_retry() ? result_retry()(compute) : compute();
}

/// Hands `r` to the result sink, if any, before it is asserted.
inline void note_result(const check_result& r) {
    if (result_sink()) result_sink()(r);
}

/// Matches a result whose verdict a gate lets through: pass, warn or skip.
class is_verified : public Catch::MatcherBase<check_result> {
public:
    bool match(const check_result& r) const override { return r.acceptable(); }
    std::string describe() const override { return "is verified (pass, warn or skip)"; }
};

/// Matches a result with exactly the verdict `expected`.
class has_verdict : public Catch::MatcherBase<check_result> {
public:
    explicit has_verdict(verdict expected) : expected_(expected) {}
    bool match(const check_result& r) const override { return r.status == expected_; }
    std::string describe() const override {
        return fmt::format("has verdict {}", to_string(expected_));
    }

private:
    verdict expected_;
};

} // namespace rollcheck::testing

#define ROLLCHECK_ASSERT_RESULT_(assertion, expr, matcher, retry)                                  \
    do {                                                                                           \
        INFO("checked: " #expr);                                                                   \
        const ::rollcheck::check_result checked_result = ::rollcheck::testing::settle_result(      \
            (retry) && !std::is_reference<decltype((expr))>::value,                                \
            [&]() -> ::rollcheck::check_result { return (expr); });                                \
        ::rollcheck::testing::note_result(checked_result);                                         \
        if (checked_result.status == ::rollcheck::verdict::warn ||                                 \
            checked_result.status == ::rollcheck::verdict::skip)                                   \
            WARN(::Catch::StringMaker<::rollcheck::check_result>::convert(checked_result));        \
        assertion(checked_result, matcher);                                                        \
    } while (false)

/// Requires a result a gate lets through (pass, warn, skip); warn and skip are reported.
#define REQUIRE_VERIFIED(expr)                                                                     \
    ROLLCHECK_ASSERT_RESULT_(REQUIRE_THAT, expr, ::rollcheck::testing::is_verified(), true)
/// As REQUIRE_VERIFIED, but the test case goes on after a failure.
#define CHECK_VERIFIED(expr)                                                                       \
    ROLLCHECK_ASSERT_RESULT_(CHECK_THAT, expr, ::rollcheck::testing::is_verified(), true)
/// Requires exactly the verdict `v` (tests of the verifiers themselves use it).
#define REQUIRE_VERDICT(expr, v)                                                                   \
    ROLLCHECK_ASSERT_RESULT_(REQUIRE_THAT, expr, ::rollcheck::testing::has_verdict(v), false)
/// As REQUIRE_VERDICT, but the test case goes on after a failure.
#define CHECK_VERDICT(expr, v)                                                                     \
    ROLLCHECK_ASSERT_RESULT_(CHECK_THAT, expr, ::rollcheck::testing::has_verdict(v), false)
