// Running a program the project built (the rollcheck command line, a sample
// suite) the way the tests look at it: through the command runner, with a deadline.
#pragma once

#include <chrono>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <rollcheck/command.hpp>

namespace rollcheck_test {

/// Runs `program` with `args` (and `env` added to the environment).
inline rollcheck::command_outcome
run_program(std::string program, std::vector<std::string> args,
            std::chrono::seconds timeout = std::chrono::seconds(30),
            std::map<std::string, std::string> env = {}) {
    rollcheck::command_spec spec;
    spec.argv = {std::move(program)};
    spec.argv.insert(spec.argv.end(), std::make_move_iterator(args.begin()),
                     std::make_move_iterator(args.end()));
    spec.timeout = timeout;
    spec.environment = std::move(env);
    return rollcheck::run_command(spec);
}

} // namespace rollcheck_test
