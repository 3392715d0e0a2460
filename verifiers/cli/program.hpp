// The frame of the two programs behind `rollcheck`: the command line itself,
// and rollcheck-db, which it runs for `rollcheck db …` (main.cpp says why).
// Both read their arguments as one program: the same name, --version,
// --quiet and progress, and the same exit statuses.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <rollcheck/progress.hpp>
#include <rollcheck/stop.hpp>
#include <rollcheck/version.hpp>

namespace rollcheck_cli {

class program {
public:
    program() {
        // First, before any thread: a stopped check cancels its work and
        // leaves nothing behind (stop.hpp).
        rollcheck::install_stop_signals();
        app.set_version_flag("--version", "rollcheck " + std::string(rollcheck::version));
        app.require_subcommand(1);
        app.add_flag("-q,--quiet", quiet_,
                     "no progress on stderr (shown only when stderr is a terminal, for work "
                     "longer than a second)");
        // The subcommands run in parse(), as their callbacks: the progress
        // sink goes in before, and out again when --quiet was among the options.
        if (rollcheck::terminal_progress::is_terminal(2)) {
            auto terminal = std::make_shared<rollcheck::terminal_progress>(2);
            shown_.emplace([terminal, &quiet = quiet_](const rollcheck::progress_event& e) {
                if (!quiet) (*terminal)(e);
            });
        }
    }
    program(const program&) = delete;
    program& operator=(const program&) = delete;

    /// Parses the command line, running the subcommand it names. Returns the
    /// exit status when parsing ended the program (help, version: 0; a bad
    /// argument: 2), or nothing when the subcommand ran.
    std::optional<int> parse(int argc, char** argv) {
        try {
            app.parse(argc, argv);
        } catch (const CLI::CallForHelp& e) {
            return app.exit(e);
        } catch (const CLI::CallForAllHelp& e) {
            return app.exit(e);
        } catch (const CLI::CallForVersion& e) {
            return app.exit(e);
        } catch (const CLI::ParseError& e) {
            app.exit(e);
            return 2;
        }
        return std::nullopt;
    }

    CLI::App app{"rollcheck: prove that a rollback (or a deploy) left the system healthy.\n"
                 "Each subcommand runs one verifier and exits 0 pass/warn/skip, 1 fail, 2 error.",
                 "rollcheck"};

private:
    bool quiet_ = false;
    std::optional<rollcheck::progress_scope> shown_;
};

} // namespace rollcheck_cli
