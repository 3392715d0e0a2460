// rollcheck: run one verifier by hand. Each subcommand prints a result and
// exits 0 (pass, warn, skip), 1 (fail) or 2 (error, bad arguments).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <rollcheck/commands.hpp>
#include <rollcheck/fleet.hpp>
#include <rollcheck/progress.hpp>

namespace {

/// `rollcheck report merge`: each HOST=REPORT read back, merged, written to
/// `out`. Returns the merged run's exit status (2 when an input was unreadable).
int merge_reports(const std::vector<std::string>& inputs, const std::string& out) {
    std::vector<rollcheck::host_run> runs;
    for (const auto& input : inputs) {
        const auto equals = input.find('=');
        const std::string host = input.substr(0, equals);
        std::filesystem::path file = input.substr(equals + 1);
        if (std::filesystem::is_directory(file)) file /= "results.json";
        auto reading = rollcheck::read_results_json(file);
        if (reading.run) {
            runs.push_back({host, std::move(*reading.run)});
        } else {
            fmt::print(stderr, "rollcheck report merge: {}: {}\n", host, reading.error);
            runs.push_back(rollcheck::unreadable_host_run(host, reading.error));
        }
    }
    const rollcheck::run_record fleet = rollcheck::merge_host_runs(runs);
    if (const auto why = rollcheck::write_reports(fleet, out); !why.empty()) {
        fmt::print(stderr, "rollcheck report merge: {}\n", why);
        return 2;
    }
    for (const auto& note : fleet.notes)
        fmt::print("{}\n", note);
    fmt::print("{}\nreports: {}/{{junit.xml,results.json,report.md,report.html,rollcheck.prom}}\n",
               rollcheck::closing_line(fleet), out);
    return rollcheck::run_exit_status(fleet);
}

} // namespace

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

    // Not a check kind of a target's [[check]] tables: it reads reports.
    int merge_status = -1;
    std::vector<std::string> inputs;
    std::string out;
    auto* report = app.add_subcommand("report", "suite reports: merge the runs of several hosts");
    report->require_subcommand(1);
    auto* merge = report->add_subcommand(
        "merge",
        "Merge each host's results.json into one run, the host in front of every check's "
        "name: writes junit.xml, results.json, report.md, report.html and rollcheck.prom to --out; "
        "exits as a suite does (0, 1, 2), 2 when a host's report cannot be read");
    merge
        ->add_option("reports", inputs,
                     "a host's name, '=', and its report directory or results.json")
        ->type_name("HOST=REPORT ...")
        ->required()
        ->check([](const std::string& input) {
            const auto equals = input.find('=');
            return equals == std::string::npos || equals == 0 || equals + 1 == input.size()
                       ? std::string("expected HOST=REPORT, e.g. web1=reports/web1")
                       : std::string();
        });
    merge->add_option("--out", out, "directory the merged reports are written to")->required();
    merge->callback([&] { merge_status = merge_reports(inputs, out); });

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
    return merge_status >= 0 ? merge_status : rollcheck::cli::exit_status();
}
