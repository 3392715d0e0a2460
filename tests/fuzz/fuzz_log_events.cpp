// Fuzz target: a log scanned as `rollcheck logs scan` scans it: error lines
// grouped into events (a traceback with its exception is one, lines without
// a time belong to the event above), exclusions, required patterns, a
// --since window, and the evidence text of whatever bytes the lines hold.
// The first byte picks the options; the rest is the log.
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <rollcheck/log_scan.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck;
    if (size == 0) return 0;
    const std::uint8_t options = data[0];
    const auto log = rollcheck_fuzz::write_file("app.log", data + 1, size - 1);
    log_scan_spec spec;
    spec.files = {log.string()};
    spec.rules.errors = {"ERROR|CRITICAL", "Traceback"};
    if ((options & 1) != 0) spec.rules.excludes = {"benign"};
    if ((options & 2) != 0) spec.rules.required = {{"processed \\d+", 1, (options & 16) != 0}};
    spec.rules.ignore_case = (options & 4) != 0;
    spec.rules.max_errors = (options >> 5) & 3;
    if ((options & 8) != 0) // 2026-11-28T09:00:00Z
        spec.since = std::chrono::system_clock::time_point(std::chrono::seconds(1795856400));
    spec.show = (options & 128) != 0 ? show_all : 3;
    const auto r = check_log_scan(spec);
    (void)to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
