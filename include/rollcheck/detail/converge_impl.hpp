/// \file detail/converge_impl.hpp
/// Definitions of converge.hpp, included at its end.
#pragma once

#include <algorithm>
#include <thread>

#include "../converge.hpp"

namespace rollcheck {

ROLLCHECK_INLINE convergence retry_until_verified(const std::function<check_result()>& check,
                                                  const retry_policy& policy) {
    using clock = std::chrono::system_clock;
    convergence out;
    auto delay =
        std::max<std::chrono::milliseconds>(policy.first_delay, std::chrono::milliseconds(1));
    for (;;) {
        out.last = check();
        ++out.attempts;
        const auto now = clock::now();
        if (out.last.acceptable()) {
            out.green_at = now;
            return out;
        }
        if (now >= policy.deadline) return out;
        // The last wait ends at the deadline: one more look, then the verdict.
        std::this_thread::sleep_for(std::min<clock::duration>(delay, policy.deadline - now));
        delay = std::min(delay * 2, std::max(policy.max_delay, policy.first_delay));
    }
}

} // namespace rollcheck
