// `rollcheck db …`: PostgreSQL checks: duplicates, recent writes, freshness, baseline and compare, backups.
#include "cli.hpp"

namespace rollcheck::cli {

void add_db_commands(CLI::App& app) {
    auto* group = app.add_subcommand("db", "PostgreSQL checks: duplicates, recent writes, freshness, baseline and compare, backups");
    group->require_subcommand(1);
}

} // namespace rollcheck::cli
