// Runs a command through rollcheck and prints the verdict.
#include <fmt/format.h>
#include <rollcheck/command.hpp>
#include <rollcheck/result.hpp>

int main() {
    rollcheck::command_spec spec;
    spec.argv = {"true"};
    const auto run = rollcheck::run_command(spec);
    const auto result = run.succeeded()
                            ? rollcheck::check_result::pass("command.true", run.describe())
                            : rollcheck::check_result::fail("command.true", run.describe());
    fmt::print("{}\n", result);
    return rollcheck::exit_status(result.status);
}
