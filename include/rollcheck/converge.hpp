/// \file converge.hpp
/// Time to green: a check re-run with back-off until it is verified or a
/// deadline passes. Right after a rollback, the restarted job may not have
/// written its first row yet; this tells "not yet" from "not within the
/// recovery time the plan promises".
///
/// ```cpp
/// rollcheck::recent_writes_spec spec;
/// spec.table = rollcheck::table_ref::parse("orders");
/// spec.column = "created_at";
/// spec.within = std::chrono::hours(1);
/// rollcheck::retry_policy policy;
/// policy.deadline = std::chrono::system_clock::now() + std::chrono::minutes(5);
/// const auto outcome = rollcheck::retry_until_verified(
///     [&] { return rollcheck::check_recent_writes(spec); }, policy);
/// REQUIRE_VERIFIED(outcome.last); // the Catch2 assertion comes at the end
/// ```
///
/// A suite run with `--wait` does this for every REQUIRE_VERIFIED of a
/// freshly computed result, with its phase's recovery deadline.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "detail/inline.hpp"
#include "result.hpp"
#include "time.hpp"

namespace rollcheck {

/// How long a check may take to turn green, and how often it is looked at.
struct retry_policy {
    time_point deadline; ///< no attempt starts after this
    /// The wait after the first attempt; it doubles after each, up to `max_delay`.
    std::chrono::milliseconds first_delay{std::chrono::seconds(1)};
    std::chrono::milliseconds max_delay{std::chrono::seconds(30)};
    /// What is re-run, as progress names it while it waits (a test case's
    /// name); empty: the check's name.
    std::string label;
};

/// What re-running a check gave.
struct convergence {
    check_result last;                  ///< the last result; its verdict stands
    int attempts = 0;                   ///< how many times the check ran
    std::optional<time_point> green_at; ///< when it was first verified; none if never
};

/// Runs `check` until its result is verified (pass, warn or skip) or
/// `policy.deadline` has passed; at least once, and once more at the
/// deadline when the last wait reaches it. Sleeps
/// between attempts, never spins; while a progress sink is installed
/// (progress.hpp), it reports what it waits on, the last verdict and the
/// time left, a few times a second. An error is retried like a fail, but the
/// last result is returned as it is: an error never counts as converged.
[[nodiscard]] ROLLCHECK_INLINE convergence
retry_until_verified(const std::function<check_result()>& check, const retry_policy& policy);

} // namespace rollcheck

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/converge_impl.hpp"
#endif
