// Fuzz target: a target file's TOML read into a target (every section,
// [[check]] tables turned into command-line arguments, recovery targets),
// every fault located. Nothing is run.
#include <cstdint>
#include <cstdlib>

#include <rollcheck/target.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto reading = rollcheck::parse_target(rollcheck_fuzz::text_of(data, size),
                                                 rollcheck_fuzz::scratch_dir() / "target.toml");
    for (const auto& e : reading.errors)
        (void)e.text();
    // A reading is a target or faults, never both and never neither.
    if (reading.value.has_value() == !reading.errors.empty()) std::abort();
    if (reading.value)
        for (const auto& c : reading.value->checks)
            (void)c.arguments.size();
    return 0;
}
