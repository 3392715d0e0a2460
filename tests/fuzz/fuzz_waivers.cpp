// Fuzz target: a waiver file read into waivers, then applied to a run with a
// failing case of each severity: every fault located, nothing thrown.
#include <chrono>
#include <cstdint>

#include <rollcheck/waiver.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck;
    const auto reading = parse_waivers(rollcheck_fuzz::text_of(data, size),
                                       rollcheck_fuzz::scratch_dir() / "waivers.toml");
    for (const auto& e : reading.errors)
        (void)e.text();
    run_record run;
    for (const char* severity : {"P0", "P1", "P2", "P3", ""}) {
        case_record c;
        c.name = "crontab equal to the pre-cutover snapshot";
        c.phase = "11";
        c.severity = severity;
        c.results.push_back(check_result::fail("cron.diff", "1 entry differs"));
        run.cases.push_back(std::move(c));
    }
    // 2026-12-01T00:00:00Z
    apply_waivers(run, reading.waivers, time_point(std::chrono::seconds(1796083200)));
    (void)run.worst();
    return 0;
}
