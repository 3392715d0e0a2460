// Fuzz target: the timestamps at the start of log lines (ISO 8601, Python
// logging, syslog, epoch seconds) and whole texts read as times (--since),
// in local time and on a wall clock given as a function.
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <rollcheck/detail/logs/time.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck::detail;
    // 2026-11-28T09:00:00Z: the syslog year comes from it.
    static const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1795856400));
    static const timestamp_reader local(now);
    static const timestamp_reader shifted(now, [](std::int64_t wall) { return wall - 3600; });
    const auto text = rollcheck_fuzz::text_of(data, size);
    for (const auto line : rollcheck_fuzz::lines_of(text)) {
        const auto a = local.at_line_start(line);
        const auto b = shifted.at_line_start(line);
        // Whether a line has a time does not depend on the clock it is read on.
        if (a.has_value() != b.has_value()) std::abort();
        if (a) (void)format_log_time(*a);
        (void)local.whole_text(line);
    }
    (void)shifted.whole_text(text);
    return 0;
}
