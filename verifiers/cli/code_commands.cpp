// `rollcheck py|files|run|proc|net …`: code and runtime checks.
#include "cli.hpp"

namespace rollcheck::cli {

void add_code_commands(CLI::App& app) { (void)app; }

} // namespace rollcheck::cli
