// rollcheck: run one verifier by hand. Each subcommand prints a result and
// exits 0 (pass, warn, skip), 1 (fail) or 2 (error, bad arguments).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <rollcheck/commands.hpp>
#include <rollcheck/fleet.hpp>
#include <rollcheck/plan_commands.hpp>

#include "program.hpp"

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
    fmt::print("{}\nreports: {}/{{{}}}\n", rollcheck::closing_line(fleet), out,
               fmt::join(rollcheck::report_files, ","));
    return rollcheck::run_exit_status(fleet);
}

/// Whether the subcommand is `db`: the first word that is not an option
/// (the options before a subcommand are flags, none takes a value).
bool runs_db(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (argv[i][0] != '-') return std::string_view(argv[i]) == "db";
    return false;
}

/// `rollcheck db …` is run by rollcheck-db, with the same arguments. The
/// PostgreSQL checks are the only ones that need libpq, and loading it (with
/// its TLS, Kerberos and LDAP libraries) was most of the 25 ms this program
/// took to start, as long as a scan of 300 MB of log takes. The
/// other program is found beside this one's real path, at
/// ROLLCHECK_DB_PROGRAM (as installed, and in the build tree alike).
int run_db_program(char** argv) {
    std::error_code failed;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", failed);
    if (failed) {
        fmt::print(stderr,
                   "rollcheck: the db commands are another program beside this one, "
                   "but /proc/self/exe cannot be read to find it: {}\n",
                   failed.message());
        return 2;
    }
    const auto db_program = (self.parent_path() / ROLLCHECK_DB_PROGRAM).lexically_normal();
    ::execv(db_program.c_str(), argv);
    fmt::print(stderr, "rollcheck: the db commands are run by {}, which cannot be started: {}\n",
               db_program.string(), std::strerror(errno));
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (runs_db(argc, argv)) return run_db_program(argv);
    rollcheck_cli::program program;
    CLI::App& app = program.app;
    // Listed for the help: run_db_program() runs `db` before parsing begins,
    // and again should parsing ever reach it.
    int db_status = -1;
    app.add_subcommand("db", rollcheck::cli::db_commands_summary)
        ->allow_extras()
        ->callback([&db_status, argv] { db_status = run_db_program(argv); });
    rollcheck::cli::add_host_commands(app);
    rollcheck::cli::add_plan_commands(app);

    // Not a check kind of a target's [[check]] tables: it reads reports.
    int merge_status = -1;
    std::vector<std::string> inputs;
    std::string out;
    auto* report = app.add_subcommand("report", "suite reports: merge the runs of several hosts");
    report->require_subcommand(1);
    auto* merge = report->add_subcommand(
        "merge",
        fmt::format("Merge each host's results.json into one run, the host in front of every "
                    "check's name: writes {} to --out; exits as a suite does (0, 1, 2), 2 when "
                    "a host's report cannot be read",
                    fmt::join(rollcheck::report_files, ", ")));
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

    if (const auto ended = program.parse(argc, argv)) return *ended;
    if (db_status >= 0) return db_status;
    return merge_status >= 0 ? merge_status : rollcheck::cli::exit_status();
}
