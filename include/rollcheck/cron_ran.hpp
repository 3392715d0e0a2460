/// \file cron_ran.hpp
/// "Did the job run": where cron meets the job's log. The job left a line in
/// its log after its last scheduled time (read with the log scanner, so it
/// pays for Vectorscan and zlib, which the other cron verifiers do not).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "cron_schedule.hpp"
#include "detail/inline.hpp"
#include "log_scan.hpp"
#include "result.hpp"

namespace rollcheck {

/// `cron.ran`: the job left a line in its log after its last scheduled time.
struct cron_ran_spec {
    std::string schedule;      ///< the entry's schedule
    std::string zone = "UTC";  ///< its zone (CRON_TZ, or the host's)
    std::filesystem::path log; ///< the job's log file
    std::string match;         ///< text a line of the job contains; empty: any line
    std::chrono::milliseconds grace{std::chrono::minutes(15)}; ///< time a run has to log
    std::optional<cron_time> now; ///< the time of the check; default the clock's
    std::string log_zone;         ///< zone of log times without offset; empty: `zone`
};

[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_ran(const cron_ran_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/cron/cron_ran_impl.hpp"
#endif
