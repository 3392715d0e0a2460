// Fuzz target: the `rollcheck` command line parsed as the program parses it
// (every subcommand, option, validator: durations, times, --show), one
// argument per line of the input. Parsing only: each subcommand's run is
// replaced by what it does with its output options before the verifier
// starts, so no check touches the machine.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <rollcheck/commands.hpp>

#include "fuzz_support.hpp"

namespace {

void parse_only(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        parse_only(*sub);
        if (sub->get_subcommands([](CLI::App*) { return true; }).empty())
            sub->callback([sub] {
                rollcheck::detail::commands::output_options out;
                if (const CLI::Option* show = sub->get_option_no_throw("--show"))
                    if (show->count() > 0) out.show = show->as<std::string>();
                (void)out.evidence_limit();
            });
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args;
    for (const auto line : rollcheck_fuzz::lines_of(rollcheck_fuzz::text_of(data, size)))
        if (args.size() < 64) args.emplace_back(line);
    CLI::App app{"rollcheck", "rollcheck"};
    app.require_subcommand(1);
    rollcheck::cli::add_all_commands(app);
    parse_only(app);
    // CLI11 takes the arguments last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError&) { // the program prints it and exits 2
    }
    return 0;
}
