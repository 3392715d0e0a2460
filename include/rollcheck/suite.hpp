/// \file suite.hpp
/// The runtime of a phase suite: the target it verifies, when the rollback
/// started, and the record of every check, from which the reports
/// (junit.xml, results.json, report.md) and the closing line are written.
///
/// A suite is a Catch2 program whose test cases assert verifier results
/// with REQUIRE_VERIFIED and are tagged with their phase and severity
/// (`[phase7][P0]`, `[before]` where the plan asks for it before the
/// rollback). Its main is `suite_main.hpp`'s (`rollcheck::suite::run`); a
/// test case reads the target:
///
/// ```cpp
/// #include <rollcheck/duplicates.hpp>
/// #include <rollcheck/suite.hpp>
///
/// TEST_CASE("no duplicated key in the target's table", "[phase7][P0]") {
///     const auto& target = rollcheck::suite::current_target();
///     rollcheck::duplicates_spec spec;
///     spec.connection = target.connection;
///     spec.table = target.table;
///     spec.key = {target.key};
///     REQUIRE_VERIFIED(rollcheck::check_duplicates(spec));
/// }
/// ```
///
/// Only suites include this header: it pulls in Catch2 and toml++.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "catch.hpp"
#include "report.hpp"
#include "target.hpp"
#include "time.hpp"
#include "waiver.hpp"

namespace rollcheck::suite {

/// The target this run verifies, loaded from `--target` before any test case runs.
[[nodiscard]] inline const target& current_target();

/// When the rollback started: `--since`, else the target's `[rollback] since`.
[[nodiscard]] inline std::optional<time_point> rollback_started();

/// Where `what`'s time window starts: when the rollback started, else
/// `fallback` before now, which the reports then name as a default window.
[[nodiscard]] inline time_point window_start(const std::string& what,
                                             std::chrono::milliseconds fallback);

} // namespace rollcheck::suite

// The definitions, apart so that this file reads as the API.
#include "detail/suite/suite_impl.hpp"
