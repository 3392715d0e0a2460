/// \file detail/suite/listener.hpp
/// The listener that records every test case of a suite run, with the
/// verifier results it asserted; only runner.hpp includes it (Catch2's
/// reporter types exist in the runner's translation unit alone).
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "../../stop.hpp"
#include "../../suite.hpp"
#include "../../wording.hpp"

namespace rollcheck::detail {

/// A failed assertion that no verifier made: where it is and what it says.
inline std::string describe_assertion(const Catch::AssertionResult& r) {
    const auto& where = r.getSourceInfo();
    const std::string what = r.hasExpression() ? r.getExpandedExpression() : r.getMessage();
    std::string text = fmt::format("{}:{}: {}", where.file, where.line, what);
    // A message Catch2 already used as the text is not repeated.
    if (r.hasMessage() && !r.getMessage().empty() && r.getMessage() != what)
        text += ": " + r.getMessage();
    return text;
}

/// A case the stop reached is an error that says so, whatever it had found:
/// one begun after the stop never ran; one running then was cut short.
inline void mark_stopped_case(case_record& c) {
    const auto& s = state();
    if (s.case_after_stop) {
        c.results.clear();
        c.failure = "not run: the run was interrupted";
    } else if (stop_requested()) {
        c.failure = fmt::format("interrupted by {} after {}", stop_reason(),
                                describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    stop_time() - s.case_started)));
    }
}

/// Records each test case of the run with the verifier results it asserted.
class suite_listener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        TestEventListenerBase::testCaseStarting(info);
        case_record c;
        c.name = info.name;
        for (const auto& tag : info.tags)
            c.tags.push_back("[" + tag + "]");
        c.phase = phase_of(info.tags);
        c.severity = severity_of(info.tags);
        state().current = std::move(c);
        state().verifier_assertion = false;
        state().case_started = std::chrono::steady_clock::now();
        state().case_after_stop = stop_requested();
    }

    bool assertionEnded(const Catch::AssertionStats& stats) override {
        auto& s = state();
        const auto& r = stats.assertionResult;
        if (!s.current || r.getResultType() == Catch::ResultWas::Warning ||
            r.getResultType() == Catch::ResultWas::Info)
            return false;
        const bool by_verifier = std::exchange(s.verifier_assertion, false);
        if (!r.isOk() && !by_verifier && s.current->failure.empty())
            s.current->failure = describe_assertion(r);
        return false;
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        auto& s = state();
        if (s.current) {
            mark_stopped_case(*s.current);
            if (exit_status(s.current->worst()) != 0) s.current->green_at.reset();
            s.current->seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - s.case_started)
                    .count();
            s.record.cases.push_back(std::move(*s.current));
            s.current.reset();
        }
        TestEventListenerBase::testCaseEnded(stats);
    }
};

} // namespace rollcheck::detail
