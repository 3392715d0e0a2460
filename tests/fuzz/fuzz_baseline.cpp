// Fuzz target: a baseline file as `rollcheck db baseline-file` reads it
// (JSON, every field checked and named when wrong) and the lines of a key
// file decoded as COPY's text format escapes them.
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <rollcheck/baseline.hpp>
#include <rollcheck/detail/db/baseline_file.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck;
    const auto path = rollcheck_fuzz::write_file("baseline.json", data, size);
    baseline_file_spec spec;
    spec.baseline = path;
    spec.tables = {table_ref{"public", "opportunities_unified"}, table_ref{"", "orders"}};
    // 2026-11-28T09:00:00Z
    spec.taken_before = time_point(std::chrono::seconds(1795856400));
    const auto r = check_baseline_file(spec);
    if (r.summary.empty()) std::abort();
    for (const auto line : rollcheck_fuzz::lines_of(rollcheck_fuzz::text_of(data, size)))
        (void)detail::decode_key(std::string(line));
    return 0;
}
