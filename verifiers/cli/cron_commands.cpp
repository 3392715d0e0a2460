// `rollcheck cron …`: crontab checks: lint, next fire times, expected entries, snapshot and diff.
#include "cli.hpp"

namespace rollcheck::cli {

void add_cron_commands(CLI::App& app) {
    auto* group = app.add_subcommand("cron", "crontab checks: lint, next fire times, expected entries, snapshot and diff");
    group->require_subcommand(1);
}

} // namespace rollcheck::cli
