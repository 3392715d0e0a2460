// Shared by the log scanner's tests: specs over files in a temporary
// directory, and the evidence of a result as FILE:LINE:TEXT lines.
#pragma once

#include <string>
#include <vector>

#include <rollcheck/log_scan.hpp>

#include "evidence_text.hpp"
#include "test_support.hpp"

namespace log_test {

/// A scan of `files` for `errors`, every error line kept as evidence.
inline rollcheck::log_scan_spec scan_of(std::vector<std::string> files,
                                        std::vector<std::string> errors) {
    rollcheck::log_scan_spec spec;
    spec.files = std::move(files);
    spec.rules.errors = std::move(errors);
    spec.show = rollcheck::show_all;
    return spec;
}

using rollcheck_test::evidence_texts;

/// `count` lines "2026-11-28 09:MM:SS,000 INFO …" one second apart from 09:00:00.
inline std::string python_log_lines(int first_second, int count, const std::string& message) {
    std::string text;
    for (int s = first_second; s < first_second + count; ++s)
        text += fmt::format("2026-11-28 {:02}:{:02}:{:02},000 INFO {} {}\n", 9 + s / 3600,
                            (s / 60) % 60, s % 60, message, s);
    return text;
}

} // namespace log_test
