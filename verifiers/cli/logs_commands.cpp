// `rollcheck logs …`: log checks: errors since the rollback, required progress lines, bounded follow.
#include "cli.hpp"

namespace rollcheck::cli {

void add_logs_commands(CLI::App& app) {
    auto* group = app.add_subcommand("logs", "log checks: errors since the rollback, required progress lines, bounded follow");
    group->require_subcommand(1);
}

} // namespace rollcheck::cli
