// Fuzz target: pytest's final summary line found in a command's output and
// read into counts ("=== 2 failed, 9 passed, 1 warning in 0.31s ==="), and
// the counts worded back.
#include <cstdint>
#include <cstdlib>

#include <rollcheck/detail/process/output.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck::detail;
    const auto out = rollcheck_fuzz::text_of(data, size);
    const auto counts = pytest_counts(out);
    if (!counts.is_object()) std::abort();
    (void)describe_counts(counts);
    (void)last_lines(out, 5);
    return 0;
}
