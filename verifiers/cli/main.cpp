// rollcheck: run one verifier by hand. Each subcommand prints a result and
// exits 0 (pass, warn, skip), 1 (fail) or 2 (error, bad arguments).
#include <memory>
#include <optional>

#include <rollcheck/commands.hpp>
#include <rollcheck/progress.hpp>

int main(int argc, char** argv) {
    CLI::App app{"rollcheck: prove that a rollback (or a deploy) left the system healthy.\n"
                 "Each subcommand runs one verifier and exits 0 pass/warn/skip, 1 fail, 2 error.",
                 "rollcheck"};
    app.set_version_flag("--version", "rollcheck " ROLLCHECK_VERSION);
    app.require_subcommand(1);
    bool quiet = false;
    app.add_flag("-q,--quiet", quiet,
                 "no progress on stderr (shown only when stderr is a terminal, for work "
                 "longer than a second)");
    // The subcommands run in parse(), as their callbacks: the progress sink
    // goes in before, and out again when --quiet was among the options.
    std::shared_ptr<rollcheck::terminal_progress> terminal;
    std::optional<rollcheck::progress_scope> shown;
    if (rollcheck::terminal_progress::is_terminal(2)) {
        terminal = std::make_shared<rollcheck::terminal_progress>(2);
        shown.emplace([terminal, &quiet](const rollcheck::progress_event& e) {
            if (!quiet) (*terminal)(e);
        });
    }
    rollcheck::cli::add_all_commands(app);
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
    return rollcheck::cli::exit_status();
}
