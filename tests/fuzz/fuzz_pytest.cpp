// Fuzz target: a pytest session read from a command's output (its summary
// line's counts, FAILED and ERROR lines, collection errors, usage and
// internal errors), and the counts worded back.
#include <cstdint>
#include <cstdlib>

#include <rollcheck/detail/process/pytest.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck::detail;
    const auto out = rollcheck_fuzz::text_of(data, size);
    const auto session = read_pytest(out, out);
    if (!session.counts.is_object()) std::abort();
    (void)session.describe();
    (void)last_lines(out, 5);
    return 0;
}
