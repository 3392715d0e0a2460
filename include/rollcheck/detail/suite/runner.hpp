/// \file detail/suite/runner.hpp
/// The suite's main: Catch2's session with rollcheck's options, the listener
/// that records every test case, and the reports at the end. Only
/// suite_main.hpp includes it: Catch2 defines its session and reporter
/// types only in the translation unit of its runner.
#pragma once

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "../../progress.hpp"
#include "../../stop.hpp"
#include "../../suite.hpp"
#include "finish.hpp"
#include "listener.hpp"
#include "registration.hpp"
#include "setup.hpp"
// Generated into the build tree's include directory, not beside this file.
#include <rollcheck/version.hpp>

namespace rollcheck {

namespace suite {

/// Runs the suite `name`: every Catch2 option, plus `--target FILE` (required
/// to run checks), `--plan FILE`, `--phase ID`, `--since TIME` and `--report
/// DIR`. Returns the exit status of the worst verdict (0 pass/warn/skip, 1
/// fail, 2 error), whatever Catch2 would have returned; 2 without a usable
/// target or plan, or when no test case ran.
///
/// The run follows a plan: `--plan`, else the target's `[rollback] plan`,
/// else `default_plan` (none: the program's own test cases and the target's
/// `[[check]]` tables alone). It checks the phases `--phase` names, else the
/// phase whose program `name` is, else every phase; each of their checks,
/// and each `[[check]]` of the target in them, runs as a test case.
inline int run(int argc, char* argv[], const std::string& name,
               const std::filesystem::path& default_plan = {}) {
    Catch::Session session;
    std::string target_file, since_text, report_dir, waiver_file, before_dir, plan_file;
    std::vector<std::string> phases;
    bool wait = false, quiet = false, list_programs = false;
    detail::concurrency limits;
    auto& notify = detail::run_notify();
    std::string notify_timeout = "10s", deadline_text;
    using Catch::clara::Opt;
    // rollcheck's options lead --help, Catch2's follow. The program's name
    // first, as in Catch2's own parser: its usage line and run name read it.
    session.cli(Catch::clara::ExeName(session.configData().processName) |
                Opt(target_file, "file")["--target"]("the system to verify (a TOML target file)") |
                Opt(plan_file, "file")["--plan"]("the runbook to follow (a TOML plan file)") |
                Opt(phases, "id")["--phase"]("check this phase of the plan (repeatable)") |
                Opt(list_programs)["--list-programs"](
                    "print the programs the plan names, one a line, and exit") |
                Opt(limits.jobs, "n")["--jobs"](
                    "checks run at once (default: the cores plus --db-connections; 1: one at "
                    "a time)") |
                Opt(limits.db_budget,
                    "n")["--db-connections"]("checks that query the database at once (default 2)") |
                Opt(since_text, "time")["--since"]("when the rollback started (ISO 8601)") |
                Opt(report_dir, "dir")["--report"](
                    fmt::format("write {} here", fmt::join(report_files, ", "))) |
                Opt(wait)["--wait"]("re-run failing checks until verified or the phase's recovery "
                                    "deadline") |
                Opt(waiver_file, "file")["--waivers"]("waivers of known P2/P3 failures (TOML)") |
                Opt(before_dir, "dir")["--before"](
                    "reports of a run taken before the rollback: each failing check is marked "
                    "new since the rollback or failing before it too") |
                Opt(quiet)["--quiet"]("no progress on stderr (shown only when it is a terminal)") |
                Opt(notify.url, "url")["--notify"]("post the verdict to this incoming webhook "
                                                   "(Slack, Mattermost)") |
                Opt(notify.command, "command")["--notify-command"](
                    "pipe the verdict to this shell command (mail -s ...)") |
                Opt(notify_timeout,
                    "duration")["--notify-timeout"]("deadline of each notice (default 10s)") |
                Opt(deadline_text, "duration")["--deadline"](
                    "stop the run after this long, as SIGTERM would: the reports are written") |
                session.cli());
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return 2;
    // The run works in the project's root: the reports go where they were asked for.
    if (!report_dir.empty()) report_dir = std::filesystem::absolute(report_dir).string();
    detail::before_reports() = before_dir;
    {
        std::string why;
        const auto timeout = parse_duration(notify_timeout, why);
        if (!timeout) {
            std::cerr << "error: --notify-timeout " << why << '\n';
            return 2;
        }
        notify.timeout = *timeout;
    }
    std::chrono::milliseconds deadline{0};
    if (!deadline_text.empty()) {
        std::string why;
        const auto span = parse_duration(deadline_text, why);
        if (!span) {
            std::cerr << "error: --deadline " << why << '\n';
            return 2;
        }
        deadline = *span;
    }
    auto& config = session.configData();
    if (config.showHelp || config.listReporters) return session.run();
    if (list_programs || config.listTests || config.listTestNamesOnly || config.listTags)
        return detail::list_plan(session, name, {plan_file, target_file, since_text, phases},
                                 default_plan, list_programs);

    // Long work shows its progress to a person watching stderr, never in a log.
    std::optional<progress_scope> shown;
    if (!quiet && terminal_progress::is_terminal(2)) {
        auto terminal = std::make_shared<terminal_progress>(2);
        shown.emplace([terminal](const progress_event& e) { (*terminal)(e); });
    }
    auto& record = detail::state().record;
    record.suite = name;
    record.target = target_file;
    record.started = std::chrono::system_clock::now();
    record.hostname = detail::host_name();
    record.user = detail::user_name();
    record.version = std::string(rollcheck::version);
    if (auto why = detail::load_run_plan(plan_file, target_file, default_plan); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".plan", why);
        detail::finish_run(report_dir);
        return 2;
    }
    if (const auto why = detail::prepare_run(target_file, since_text, waiver_file, wait);
        !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".target", why);
        detail::finish_run(report_dir);
        return 2;
    }
    if (const auto why = detail::follow_plan(name, phases); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::record_setup_error(name + ".plan", why);
        detail::finish_run(report_dir);
        return 2;
    }
    detail::register_declared_checks();
    if (const auto why = detail::check_waiver_names(name); !why.empty()) {
        std::cerr << "error: " << why << '\n';
        detail::state().waivers.clear();
        detail::record_setup_error(name + ".waivers", why);
        detail::finish_run(report_dir);
        return 2;
    }
    config.warnings =
        static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
    detail::record_verifier_results();
    if (detail::state().wait) detail::retry_until_deadline();
    std::string deadline_source = "--deadline " + deadline_text;
    if (deadline_text.empty() && detail::state().loaded->deadline) {
        deadline = *detail::state().loaded->deadline;
        deadline_source = "[rollback] deadline " + describe_span(deadline);
    }
    {
        // Catch2's configuration opens -o FILE before the run enters the project.
        (void)session.config();
        const detail::in_project here(*detail::state().loaded);
        if (!here.error().empty()) {
            std::cerr << "error: " << here.error() << '\n';
            detail::record_setup_error(name + ".project", here.error());
            detail::finish_run(report_dir);
            return 2;
        }
        const detail::run_deadline stops_at(deadline, deadline_source);
        detail::start_checks_ahead(session, limits);
        session.run(); // the verdicts decide the exit status, not Catch2's count of failures
        detail::prefetched().reset();
    }
    if (record.cases.empty()) {
        std::cerr << "error: no test case ran (a filter that matches nothing?)\n";
        detail::finish_run(report_dir);
        return 2;
    }
    return detail::finish_run(report_dir);
}

} // namespace suite

} // namespace rollcheck
