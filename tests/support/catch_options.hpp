// What the tests' Catch2 main (catch_main.cpp) adds to Catch2's command
// line, for the tests' programs that read it (sample_suite.cpp).
#pragma once

#include <filesystem>
#include <optional>

namespace rollcheck_test {

/// Options the tests' main adds to Catch2's command line.
struct suite_options {
    std::optional<std::filesystem::path> target; ///< `--target FILE`
};

/// The options of this run, filled by the tests' main.
[[nodiscard]] inline suite_options& options() {
    static suite_options instance;
    return instance;
}

} // namespace rollcheck_test
