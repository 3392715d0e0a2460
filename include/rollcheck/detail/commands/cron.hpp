// `rollcheck cron …`: crontab checks: lint, next fire times, expected entries, snapshot and diff.
#pragma once

#include <iostream>
#include <iterator>
#include <memory>

#include "../../cron.hpp"
#include "../../cron_ran.hpp"
#include "../../wording.hpp"
#include <fmt/format.h>

#include "common.hpp"

namespace rollcheck::detail::commands {
namespace cron {

/// Where a subcommand reads crontabs from.
struct source_options {
    std::vector<std::string> files, system_files, dirs, users;
    std::string program = "crontab";

    void add_to(CLI::App& cmd) {
        cmd.add_option("--file", files, "a crontab file in the user format (repeatable)");
        cmd.add_option("--system-file", system_files,
                       "a crontab in the system format, with a user field, like /etc/crontab");
        cmd.add_option("--dir", dirs, "a directory of system-format crontabs, like /etc/cron.d");
        cmd.add_option("--user", users, "a user whose crontab 'crontab -l -u USER' lists");
        cmd.add_option("--crontab-program", program, "the program that lists user crontabs")
            ->capture_default_str();
    }
    /// The sources given, or `fallback` when none was.
    [[nodiscard]] cron_input input(std::vector<cron_source> fallback) const {
        cron_input in;
        in.crontab_program = program;
        for (const auto& f : files)
            in.sources.push_back(cron_source::file(f));
        for (const auto& f : system_files)
            in.sources.push_back(cron_source::file(f, true));
        for (const auto& d : dirs)
            in.sources.push_back(cron_source::directory(d));
        for (const auto& u : users)
            in.sources.push_back(cron_source::user_crontab(u));
        if (in.sources.empty()) in.sources = std::move(fallback);
        return in;
    }
};

/// /etc/crontab, /etc/cron.d and the current user's crontab.
inline std::vector<cron_source> host_sources() {
    return {cron_source::file("/etc/crontab", true), cron_source::directory("/etc/cron.d"),
            cron_source::user_crontab()};
}

template <typename Spec>
inline Spec with_input(const cron_input& in) {
    Spec spec;
    static_cast<cron_input&>(spec) = in;
    return spec;
}

inline void add_lint(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "lint", "Check crontab files: every error and warning with its file, line and column");
    auto files = std::make_shared<std::vector<std::string>>();
    auto users = std::make_shared<std::vector<std::string>>();
    auto system = std::make_shared<bool>(false);
    auto no_programs = std::make_shared<bool>(false);
    cmd->add_option("files,--files", *files,
                    "crontab files ('-' reads standard input; a directory is "
                    "read like /etc/cron.d); none: the current user's crontab");
    cmd->add_option("--user", *users, "a user whose crontab 'crontab -l -u USER' lists");
    cmd->add_flag("--system", *system, "the system format, with a user field (/etc/crontab)");
    cmd->add_flag("--no-program-check", *no_programs,
                  "do not warn about commands whose program is not found");
    add_check(*cmd, [=](const output_options& out) {
        cron_lint_spec spec;
        spec.show = out.evidence_limit();
        spec.check_programs = !*no_programs;
        std::error_code ec;
        for (const auto& u : *users)
            spec.sources.push_back(cron_source::user_crontab(u));
        if (files->empty() && users->empty()) spec.sources.push_back(cron_source::user_crontab());
        for (const auto& f : *files) {
            if (f == "-") {
                std::string text((std::istreambuf_iterator<char>(std::cin)), {});
                spec.sources.push_back(cron_source::text("<stdin>", std::move(text), *system));
            } else if (std::filesystem::is_directory(f, ec)) {
                spec.sources.push_back(cron_source::directory(f));
            } else {
                spec.sources.push_back(cron_source::file(f, *system));
            }
        }
        return check_cron_lint(spec);
    });
}

inline void add_next(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "next", "Print the next times a schedule fires, one YYYY-MM-DDTHH:MM a line");
    struct options {
        std::string expr, from, tz = "UTC";
        std::size_t count = 5;
        bool previous = false, json = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("EXPR", o->expr, "the schedule: five fields or an @keyword")->required();
    cmd->add_option("--from", o->from,
                    "start after this time: ISO 8601, in --tz unless it has a zone (default: now)");
    cmd->add_option("--count", o->count, "how many fire times")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
        ->capture_default_str();
    cmd->add_option("--tz", o->tz, "the zone of the schedule and of the times printed")
        ->capture_default_str();
    cmd->add_flag("--previous", o->previous, "print the last fire time before --from instead");
    cmd->add_flag("--json", o->json, "print the result as one JSON object");
    cmd->callback([o] {
        const auto r = timed_check("cron.next", [&]() -> check_result {
            std::string why;
            const auto schedule = parse_cron_schedule(o->expr, why);
            if (!schedule) return check_result::error("cron.next", why);
            const auto zone = cron_zone::load(o->tz, why);
            if (!zone) return check_result::error("cron.next", why);
            auto from = std::chrono::time_point_cast<std::chrono::seconds>(
                std::chrono::system_clock::now());
            if (!o->from.empty()) {
                const auto parsed = parse_cron_time(o->from, *zone);
                if (!parsed)
                    return check_result::error(
                        "cron.next", fmt::format("--from '{}' is not a time like 2026-03-28T00:00 "
                                                 "or 2026-03-28T00:00:00Z",
                                                 o->from));
                from = *parsed;
            }
            std::vector<cron_time> times;
            if (!o->previous)
                times = cron_next(*schedule, from, o->count, *zone);
            else if (const auto p = cron_previous(*schedule, from, *zone))
                times.push_back(*p);
            if (times.empty())
                return check_result::error(
                    "cron.next", fmt::format("'{}' {} within 400 years", o->expr,
                                             schedule->reboot ? "runs only when cron starts, never"
                                                              : "does not fire"));
            auto r = check_result::pass(
                "cron.next",
                fmt::format("{} of '{}' in {}",
                            counted(times.size(), o->previous ? "previous time" : "next time"),
                            o->expr, zone->name()));
            r.evidence = bounded_evidence(show_all);
            for (const auto t : times)
                r.evidence.add(
                    {format_cron_time(t, *zone),
                     {{"local", format_cron_time(t, *zone)}, {"utc", format_cron_time(t) + "Z"}}});
            r.totals = {{"zone", zone->name()}, {"canonical", schedule->canonical()}};
            return r;
        });
        if (o->json || r.status != verdict::pass)
            print_result(r, output_options{o->json, "all"});
        else
            for (const auto& item : r.evidence.items())
                fmt::print("{}\n", item.text);
        exit_status_slot() = exit_status(r.status);
    });
}

inline void add_expect(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "expect", "Check that an entry is scheduled, that forbidden ones are not, and that "
                  "none is duplicated (default source: the current user's crontab)");
    struct options {
        std::string schedule, command, run_as;
        std::vector<std::string> absent;
        bool allow_duplicates = false;
        source_options sources;
    };
    auto o = std::make_shared<options>();
    auto* schedule =
        cmd->add_option("--schedule", o->schedule, "the expected entry's schedule (by fire times)");
    auto* command = cmd->add_option("--command", o->command,
                                    "the expected entry's command (blanks normalised)");
    schedule->needs(command);
    command->needs(schedule);
    cmd->add_option("--run-as", o->run_as, "the expected entry's user field (system format)");
    cmd->add_option("--absent", o->absent,
                    "an RE2 pattern no scheduled command may match (repeatable)");
    cmd->add_flag("--allow-duplicates", o->allow_duplicates, "do not fail on duplicated entries");
    o->sources.add_to(*cmd);
    add_check(*cmd, [o](const output_options& out) {
        auto spec = with_input<cron_expect_spec>(o->sources.input({cron_source::user_crontab()}));
        spec.check_programs = false;
        spec.show = out.evidence_limit();
        if (!o->schedule.empty()) spec.present.push_back({o->schedule, o->command, o->run_as});
        spec.absent = o->absent;
        spec.no_duplicates = !o->allow_duplicates;
        return check_cron_expect(spec);
    });
}

inline void add_snapshot(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "snapshot", "Save the crontabs (default: /etc/crontab, /etc/cron.d and the current "
                    "user's crontab), normalised, to compare with 'cron diff' later");
    struct options {
        std::string output;
        source_options sources;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("-o,--output", o->output, "the snapshot file to write")->required();
    o->sources.add_to(*cmd);
    add_check(*cmd, [o](const output_options&) {
        auto spec = with_input<cron_snapshot_spec>(o->sources.input(host_sources()));
        spec.check_programs = false;
        spec.output = o->output;
        return check_cron_snapshot(spec);
    });
}

inline void add_diff(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "diff", "Compare the live crontabs with a snapshot: entries missing, added or changed, "
                "environment lines (default sources: those the snapshot recorded)");
    struct options {
        std::string snapshot;
        source_options sources;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("snapshot,--snapshot", o->snapshot,
                    "a file written by 'rollcheck cron snapshot'")
        ->required();
    o->sources.add_to(*cmd);
    add_check(*cmd, [o](const output_options& out) {
        auto spec = with_input<cron_diff_spec>(o->sources.input({}));
        spec.check_programs = false;
        spec.snapshot = o->snapshot;
        spec.show = out.evidence_limit();
        return check_cron_diff(spec);
    });
}

/// --cron-log, --cron-journal, --cron-journal-file and --user: where cron's
/// record of starting a job is read, and whose crontab started it.
template <class Spec>
inline void add_record_options(CLI::App& cmd, Spec& spec) {
    cmd.add_option("--cron-log", spec.cron_logs,
                   "a file where cron records the runs it starts (/var/log/syslog, "
                   "/var/log/cron.log; repeatable, globs and rotated files read)");
    cmd.add_flag("--cron-journal", spec.cron_journal.enabled,
                 "cron's record in the systemd journal: CRON entries '(user) CMD (command)' "
                 "(this machine's journal, or --cron-journal-file)");
    cmd.add_option("--cron-journal-file", spec.cron_journal.files,
                   "a journal file holding cron's record; repeatable");
    cmd.add_option("--user", spec.user, "the crontab's owner in cron's record (default: any)");
}

inline void add_ran(CLI::App& group) {
    auto* cmd = group.add_subcommand(
        "ran", "Check that a job ran after its last scheduled time: it left a line in its log, "
               "or cron recorded starting it (CRON[pid]: (user) CMD (command)) in syslog or "
               "the journal");
    struct options {
        cron_ran_spec spec;
        std::string log, grace = "15m";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--schedule", o->spec.schedule, "the job's schedule")->required();
    cmd->add_option("--log", o->log, "the job's log file");
    cmd->add_option("--match", o->spec.match, "text the job's log lines contain");
    add_record_options(*cmd, o->spec);
    cmd->add_option("--command", o->spec.command,
                    "the entry's command as the crontab writes it (with --cron-log, "
                    "--cron-journal)");
    cmd->add_option("--grace", o->grace, "how long a run has to write its line")
        ->check(duration_validator())
        ->capture_default_str();
    cmd->add_option("--tz", o->spec.zone, "the schedule's zone")->capture_default_str();
    cmd->add_option("--log-tz", o->spec.log_zone,
                    "zone of log times written without an offset (default: --tz)");
    add_check(*cmd, [o](const output_options&) {
        auto spec = o->spec;
        spec.log = o->log;
        spec.grace = parse_duration(o->grace);
        return check_cron_ran(spec);
    });
}

inline void add_cron_commands(CLI::App& app) {
    auto* group = app.add_subcommand(
        "cron", "crontab checks: lint, next fire times, expected entries, snapshot and "
                "diff, did a job run");
    group->require_subcommand(1);
    add_lint(*group);
    add_next(*group);
    add_expect(*group);
    add_snapshot(*group);
    add_diff(*group);
    add_ran(*group);
}

} // namespace cron
} // namespace rollcheck::detail::commands
