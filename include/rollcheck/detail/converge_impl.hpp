/// \file detail/converge_impl.hpp
/// Definitions of converge.hpp, included at its end.
#pragma once

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "../converge.hpp"
#include "../progress.hpp"
#include "../stop.hpp"
#include "../wording.hpp"

namespace rollcheck {

namespace detail {

/// "attempt 3: FAIL: 2 duplicated keys; next look in 4 s, 3m 12s left".
inline std::string waiting_note(const convergence& so_far, std::chrono::milliseconds next,
                                std::chrono::milliseconds left) {
    std::string verdict_name(to_string(so_far.last.status));
    for (auto& c : verdict_name)
        c = static_cast<char>(c - 'a' + 'A');
    return fmt::format("attempt {}: {}: {}; next look in {}, {} left", so_far.attempts,
                       verdict_name, so_far.last.summary, describe_span(next), describe_span(left));
}

} // namespace detail

ROLLCHECK_INLINE convergence retry_until_verified(const std::function<check_result()>& check,
                                                  const retry_policy& policy) {
    using clock = std::chrono::system_clock;
    using std::chrono::milliseconds;
    convergence out;
    progress_meter progress("wait", policy.label, progress_unit::none);
    auto delay = std::max<milliseconds>(policy.first_delay, milliseconds(1));
    for (;;) {
        out.last = check();
        ++out.attempts;
        const auto now = clock::now();
        if (out.last.acceptable()) {
            out.green_at = now;
            return out;
        }
        if (now >= policy.deadline || stop_requested()) return out;
        // The last wait ends at the deadline: one more look, then the verdict.
        const auto wake = now + std::min<clock::duration>(delay, policy.deadline - now);
        if (policy.label.empty()) progress.subject(out.last.check);
        // With someone watching, the wait is slept in slices, each one reported.
        for (auto t = now; t < wake; t = clock::now()) {
            if (progress.active()) {
                const auto ms = [](clock::duration d) {
                    return std::chrono::duration_cast<milliseconds>(d);
                };
                progress.note(detail::waiting_note(out, ms(wake - t), ms(policy.deadline - t)));
                progress.flush();
            }
            if (!sleep_unless_stopped(progress.active()
                                          ? std::min<clock::duration>(milliseconds(250), wake - t)
                                          : wake - t))
                return out; // a stopped run looks no more
        }
        delay = std::min(delay * 2, std::max(policy.max_delay, policy.first_delay));
    }
}

} // namespace rollcheck
