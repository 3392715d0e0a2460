// rollcheck: run one verifier by hand. Each subcommand prints a result and
// exits 0 (pass, warn, skip), 1 (fail) or 2 (error, bad arguments).
#include <rollcheck/commands.hpp>

int main(int argc, char** argv) {
    CLI::App app{"rollcheck: prove that a rollback (or a deploy) left the system healthy.\n"
                 "Each subcommand runs one verifier and exits 0 pass/warn/skip, 1 fail, 2 error.",
                 "rollcheck"};
    app.set_version_flag("--version", "rollcheck " ROLLCHECK_VERSION);
    app.require_subcommand(1);
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
