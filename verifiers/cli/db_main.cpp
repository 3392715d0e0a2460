// rollcheck-db: the `db …` subcommands of rollcheck, which runs this program
// for them (main.cpp says why). Run by hand, it reads the same arguments:
// `rollcheck-db db duplicates …`.
#include <rollcheck/commands.hpp>

#include "program.hpp"

int main(int argc, char** argv) {
    rollcheck_cli::program program;
    rollcheck::cli::add_db_commands(program.app);
    if (const auto ended = program.parse(argc, argv)) return *ended;
    return rollcheck::cli::exit_status();
}
