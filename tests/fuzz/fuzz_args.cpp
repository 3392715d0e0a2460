// Fuzz target: the `rollcheck` command line parsed as the program parses it
// (every subcommand, option, validator: durations, times, --show), one
// argument per line of the input. Parsing only: a subcommand that runs a
// verifier stops once its options are read (commands' parse_only), so no
// check touches the machine; `cron next`, which only computes, runs.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <rollcheck/commands.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args;
    for (const auto line : rollcheck_fuzz::lines_of(rollcheck_fuzz::text_of(data, size)))
        if (args.size() < 64) args.emplace_back(line);
    CLI::App app{"rollcheck", "rollcheck"};
    app.require_subcommand(1);
    rollcheck::cli::add_all_commands(app);
    rollcheck::detail::commands::parse_only() = true;
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError&) { // the program prints it and exits 2
    }
    return 0;
}
