/// \file waiver.hpp
/// Waivers: a known low-severity failure carried openly, with a reason and
/// an end date, instead of the check being turned off. A waiver file is TOML:
///
/// ```toml
/// [[waiver]]
/// check = "crontab equal to the pre-cutover snapshot"   # the test case's name
/// phase = "11"
/// justification = "the snapshot predates the log-rotation entry; ticket OPS-412"
/// expires = 2026-12-15          # valid through that day
/// max_severity = "P3"           # optional: the most urgent severity it covers (P2)
/// ```
///
/// A waiver turns a failing P2 or P3 case into `waived`: it still appears,
/// with its evidence, in every report, and the closing line counts it. It
/// never covers a P0 or P1 (or unrated) failure, nor one more urgent than its
/// `max_severity`; an expired waiver covers nothing. Each such waiver, and
/// each that matched no failing case, is reported as a note of the run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "detail/inline.hpp"
#include "report.hpp"
#include "target.hpp"
#include "time.hpp"

namespace rollcheck {

/// What reading a waiver file gave: its waivers, or every fault found,
/// each located ("waivers.toml:7:11: expires: '2026-13-01' is not a date").
struct waiver_reading {
    std::vector<waiver> waivers;
    std::vector<target_error> errors;

    [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

/// Reads the waiver file at `path`. Never throws for the file's faults: a
/// missing key, an unknown key, a bad date or severity.
[[nodiscard]] ROLLCHECK_INLINE waiver_reading load_waivers(const std::filesystem::path& path);

/// Reads `text` as the waiver file `name`.
[[nodiscard]] ROLLCHECK_INLINE waiver_reading parse_waivers(std::string_view text,
                                                            const std::filesystem::path& name);

/// Marks the failing cases of `run` that a waiver in force at `now` covers,
/// and adds a note for every waiver refused, expired or unused.
ROLLCHECK_INLINE void apply_waivers(run_record& run, const std::vector<waiver>& waivers,
                                    time_point now);

} // namespace rollcheck

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/suite/waiver_impl.hpp"
#endif
