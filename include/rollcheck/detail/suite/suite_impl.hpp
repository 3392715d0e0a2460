/// \file detail/suite/suite_impl.hpp
/// Definitions of suite.hpp, included at its end.
#pragma once

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "../../converge.hpp"
#include "../../suite.hpp"

namespace rollcheck {

namespace detail {

/// What one run of a suite knows: its target and the record of its checks.
struct suite_state {
    std::optional<target> loaded;
    std::optional<time_point> since;
    run_record record;
    std::vector<waiver> waivers;
    bool wait = false; ///< re-run failing checks until verified or their phase's deadline
    std::optional<case_record> current;
    /// The next failed assertion is a verifier's, whose result is already recorded.
    bool verifier_assertion = false;
    std::chrono::steady_clock::time_point case_started;
    /// The current case began after the run was stopped: it checks nothing.
    bool case_after_stop = false;
    std::chrono::steady_clock::time_point run_started = std::chrono::steady_clock::now();
};

inline suite_state& state() {
    static suite_state instance;
    return instance;
}

/// "orders" from the tag "phase:orders" (or "11" from "phase11"), "P1"
/// from "P1": a case's phase and severity.
inline std::string phase_of(const std::vector<std::string>& tags) {
    for (const auto& tag : tags)
        if (tag.rfind("phase:", 0) == 0 && tag.size() > 6) return tag.substr(6);
    for (const auto& tag : tags)
        if (tag.rfind("phase", 0) == 0 && tag.size() > 5) return tag.substr(5);
    return {};
}

inline std::string severity_of(const std::vector<std::string>& tags) {
    for (const auto& tag : tags)
        if (tag.size() == 2 && tag[0] == 'P' && tag[1] >= '0' && tag[1] <= '3') return tag;
    return {};
}

/// A case is green once every result it asserted was verified: the time of
/// its last result, as long as none before it failed.
inline void record_verifier_results() {
    testing::result_sink() = [](const check_result& r) {
        auto& s = state();
        if (!s.current) return;
        auto& c = *s.current;
        const bool green_so_far = std::all_of(c.results.begin(), c.results.end(),
                                              [](const auto& x) { return x.acceptable(); });
        c.results.push_back(r);
        ++c.attempts;
        if (green_so_far && r.acceptable())
            c.green_at = std::chrono::system_clock::now();
        else
            c.green_at.reset();
        s.verifier_assertion = true;
    };
}

/// When the phase of the current case must be green: the rollback's start
/// (the run's without it) plus the phase's recovery target; none without one.
inline std::optional<time_point> current_deadline() {
    auto& s = state();
    if (!s.current) return std::nullopt;
    const auto& targets = s.record.recovery_targets;
    const auto t = targets.find(s.current->phase);
    if (t == targets.end()) return std::nullopt;
    return (s.since ? *s.since : s.record.started) + t->second;
}

/// Under --wait, each freshly computed result is re-run until verified or
/// its phase's deadline; the extra runs are counted as attempts.
inline void retry_until_deadline() {
    testing::result_retry() = [](const std::function<check_result()>& compute) {
        const auto deadline = current_deadline();
        if (!deadline) return compute();
        retry_policy policy;
        policy.deadline = *deadline;
        if (const auto& current = state().current) policy.label = current->name;
        auto outcome = retry_until_verified(compute, policy);
        if (auto& current = state().current) current->attempts += outcome.attempts - 1;
        return std::move(outcome.last);
    };
}

} // namespace detail

inline const target& suite::current_target() {
    auto& s = detail::state();
    if (!s.loaded) throw std::logic_error("no target loaded: run the suite with --target FILE");
    return *s.loaded;
}

inline std::optional<time_point> suite::rollback_started() {
    return detail::state().since;
}

inline time_point suite::window_start(const std::string& what, std::chrono::milliseconds fallback) {
    auto& s = detail::state();
    if (s.since) return *s.since;
    const auto note =
        fmt::format("{}: no --since (nor [rollback] since), so its window is the last {}", what,
                    describe_span(fallback));
    auto& notes = s.record.notes;
    if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    return std::chrono::system_clock::now() - fallback;
}

} // namespace rollcheck
