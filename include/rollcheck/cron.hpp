/// \file cron.hpp
/// The cron verifier: crontab(5) as Debian's cron (Vixie cron) reads it.
///
/// - `parse_cron_schedule`, `parse_crontab`: the parser, every problem
///   located ("crontab:3:3: minute 60 out of range 0-59");
/// - `cron_next`, `cron_previous`: fire times in UTC or a named zone, across
///   daylight-saving changes as Debian's cron handles them;
/// - verifiers over crontab sources (files, /etc/cron.d-style directories,
///   `crontab -l [-u USER]`): `check_cron_lint` ("cron.lint"),
///   `check_cron_expect` ("cron.expect"), `check_cron_snapshot`
///   ("cron.snapshot"), `check_cron_diff` ("cron.diff") and `check_cron_ran`
///   ("cron.ran": did the job leave a line in its log after its last
///   scheduled time).
///
/// ```cpp
/// rollcheck::cron_expect_spec spec;
/// spec.sources = {rollcheck::cron_source::user_crontab("app")};
/// spec.present = {{"0 2 * * *", "python scripts/core/batch_opportunity_scoring.py", ""}};
/// spec.absent = {"run_unified_pipeline"};
/// auto r = rollcheck::check_cron_expect(spec);
/// ```
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "detail/cron_file.hpp"
#include "detail/cron_fire.hpp"
#include "detail/cron_io.hpp"
#include "detail/cron_schedule.hpp"
#include "result.hpp"

namespace rollcheck {

/// Where crontab text comes from.
struct cron_source {
    enum class kind { file, directory, user, text };
    kind type = kind::file;
    std::filesystem::path path; ///< file or directory
    std::string user;           ///< `crontab -l -u user`; empty: the current user
    std::string name;           ///< text: its name in messages
    std::string content;        ///< text: the crontab itself
    bool system = false;        ///< the format with a user field (always, for a directory)

    /// A crontab file; `system` for /etc/crontab's format with a user field.
    [[nodiscard]] static cron_source file(std::filesystem::path p, bool system = false) {
        cron_source s;
        s.path = std::move(p);
        s.system = system;
        return s;
    }
    /// Every file of a directory such as /etc/cron.d (system format), as cron reads it.
    [[nodiscard]] static cron_source directory(std::filesystem::path p) {
        cron_source s;
        s.type = kind::directory;
        s.path = std::move(p);
        s.system = true;
        return s;
    }
    /// What `crontab -l [-u user]` prints.
    [[nodiscard]] static cron_source user_crontab(std::string user = {}) {
        cron_source s;
        s.type = kind::user;
        s.user = std::move(user);
        return s;
    }
    /// Crontab text already in memory (standard input, a test).
    [[nodiscard]] static cron_source text(std::string name, std::string content,
                                          bool system = false) {
        cron_source s;
        s.type = kind::text;
        s.name = std::move(name);
        s.content = std::move(content);
        s.system = system;
        return s;
    }
    /// How messages name it: the path, "crontab -l -u USER", or the text's name.
    [[nodiscard]] std::string label() const {
        switch (type) {
        case kind::user:
            return user.empty() ? "crontab -l" : "crontab -l -u " + user;
        case kind::text:
            return name;
        default:
            return path.string();
        }
    }
};

/// What every cron verifier reads: its sources and how to list user crontabs.
struct cron_input {
    std::vector<cron_source> sources;
    /// The program that lists user crontabs (`PROGRAM -l [-u USER]`).
    std::string crontab_program = "crontab";
    /// Deadline for each run of that program.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    /// Warn about commands whose program does not exist (lint only).
    bool check_programs = true;
};

/// The crontabs read from a cron_input, and what could not be read.
struct cron_reading {
    std::vector<crontab> tabs;
    std::vector<std::string> errors; ///< a source that could not be read: "could not verify"
    std::vector<std::string> notes;  ///< "no crontab for app": read, and empty

    [[nodiscard]] std::size_t entries() const {
        std::size_t n = 0;
        for (const auto& t : tabs)
            n += t.entries.size();
        return n;
    }
};

namespace detail {

/// Debian's cron reads only /etc/cron.d files named like run-parts(8) wants.
inline bool cron_d_name_ok(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

inline void read_cron_directory(const cron_source& src, const crontab_options& options,
                                cron_reading& out) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(src.path, ec), end; !ec && it != end;
         it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) {
        out.errors.push_back(
            fmt::format("cannot read directory '{}': {}", src.path.string(), ec.message()));
        return;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string why;
        auto text = read_whole_file(f, why);
        if (!text) {
            out.errors.push_back(why);
            continue;
        }
        auto tab = parse_crontab(*text, f.string(), options);
        if (!cron_d_name_ok(f.filename().string())) {
            // cron skips it: its entries do not run, so they are not counted as scheduled.
            tab.entries.clear();
            tab.diagnostics.insert(
                tab.diagnostics.begin(),
                {f.string(), 0, 0, cron_severity::warning,
                 "cron ignores this file: its name has characters other than letters, digits, "
                 "'_' and '-'"});
        }
        out.tabs.push_back(std::move(tab));
    }
}

inline void read_user_crontab(const cron_source& src, const cron_input& in,
                              const crontab_options& options, cron_reading& out) {
    command_spec spec;
    spec.argv = {in.crontab_program, "-l"};
    if (!src.user.empty()) spec.argv.insert(spec.argv.end(), {"-u", src.user});
    spec.timeout = in.timeout;
    spec.output_limit = 64u << 20;
    const auto run = run_command(spec);
    const auto label = src.label();
    if (run.out.truncated()) {
        out.errors.push_back(
            fmt::format("{}: printed more than {} bytes", label, spec.output_limit));
        return;
    }
    if (run.succeeded()) {
        out.tabs.push_back(parse_crontab(run.out.text(), label, options));
        return;
    }
    const auto err = run.err.text();
    if (run.status == command_status::exited && err.find("no crontab for") != std::string::npos) {
        out.notes.push_back(fmt::format("{}: {}", label, err.substr(0, err.find('\n'))));
        out.tabs.push_back(parse_crontab("", label, options));
        return;
    }
    out.errors.push_back(fmt::format("{}: {}{}{}", label, run.describe(), err.empty() ? "" : ": ",
                                     cron_snippet(err.substr(0, err.find('\n')))));
}

} // namespace detail

/// Reads every source of `in`. Never throws for the sources' own faults.
[[nodiscard]] inline cron_reading read_crontabs(const cron_input& in) {
    cron_reading out;
    for (const auto& src : in.sources) {
        crontab_options options;
        options.system = src.system;
        options.check_programs = in.check_programs;
        switch (src.type) {
        case cron_source::kind::text:
            out.tabs.push_back(parse_crontab(src.content, src.name, options));
            break;
        case cron_source::kind::directory:
            detail::read_cron_directory(src, options, out);
            break;
        case cron_source::kind::user:
            detail::read_user_crontab(src, in, options, out);
            break;
        case cron_source::kind::file: {
            std::string why;
            if (auto text = detail::read_whole_file(src.path, why))
                out.tabs.push_back(parse_crontab(*text, src.path.string(), options));
            else
                out.errors.push_back(why);
            break;
        }
        }
    }
    return out;
}

namespace detail {

/// An error result when no source was given or one could not be read.
inline std::optional<check_result> cron_reading_error(const std::string& check,
                                                      const cron_input& in,
                                                      const cron_reading& reading,
                                                      std::size_t show) {
    if (in.sources.empty()) return check_result::error(check, "no crontab source given");
    if (reading.errors.empty()) return std::nullopt;
    auto r = check_result::error(check, fmt::format("could not read {} of {} crontab sources: {}",
                                                    reading.errors.size(), in.sources.size(),
                                                    reading.errors.front()));
    r.evidence = bounded_evidence(show);
    for (const auto& e : reading.errors)
        r.evidence.add({e, {{"error", e}}});
    return r;
}

inline nlohmann::json cron_entry_json(const cron_entry& e) {
    return {{"file", e.file},
            {"line", e.line},
            {"schedule", e.schedule.text},
            {"canonical", e.schedule.canonical()},
            {"user", e.user},
            {"command", e.normalized_command()},
            {"zone", e.zone}};
}

inline std::string plural(std::size_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

} // namespace detail

// ---------------------------------------------------------------- lint

/// `cron.lint`: every problem in the sources, errors and warnings.
struct cron_lint_spec : cron_input {
    std::size_t show = 10;
};

/// fail when a line has an error (cron rejects or mangles it), warn when
/// there are only warnings, pass when clean; error when a source cannot be read.
[[nodiscard]] inline check_result check_cron_lint(const cron_lint_spec& spec) {
    return timed_check("cron.lint", [&] {
        const auto reading = read_crontabs(spec);
        if (auto e = detail::cron_reading_error("cron.lint", spec, reading, spec.show)) return *e;
        std::size_t errors = 0, warnings = 0;
        bounded_evidence evidence(spec.show);
        std::vector<std::string> names;
        for (const auto& tab : reading.tabs) {
            names.push_back(tab.name);
            for (const auto& d : tab.diagnostics) {
                (d.severity == cron_severity::error ? errors : warnings) += 1;
                evidence.add(
                    {d.text(),
                     {{"file", d.file},
                      {"line", d.line},
                      {"column", d.column},
                      {"severity", d.severity == cron_severity::error ? "error" : "warning"},
                      {"message", d.message}}});
            }
        }
        std::string where;
        for (const auto& n : names)
            where += (where.empty() ? "" : ", ") + n;
        where += fmt::format(" ({})", detail::plural(reading.entries(), "entry", "entries"));
        const auto counts = fmt::format("{}, {}", detail::plural(errors, "error", "errors"),
                                        detail::plural(warnings, "warning", "warnings"));
        auto r = errors > 0     ? check_result::fail("cron.lint", counts + " in " + where)
                 : warnings > 0 ? check_result::warn("cron.lint", counts + " in " + where)
                                : check_result::pass("cron.lint", "no problems in " + where);
        r.evidence = std::move(evidence);
        r.totals = {{"sources", reading.tabs.size()},
                    {"entries", reading.entries()},
                    {"errors", errors},
                    {"warnings", warnings}};
        return r;
    });
}

// ---------------------------------------------------------------- expect

/// An entry that must be scheduled.
struct cron_expected_entry {
    std::string schedule; ///< compared by fire times: `0 2 * * 0-7` equals `0 2 * * *`
    std::string command;  ///< as written in the crontab; compared with blanks normalised
    std::string user;     ///< system format: the user field; empty: any
};

/// `cron.expect`: expected entries present, forbidden ones absent, none twice.
struct cron_expect_spec : cron_input {
    std::vector<cron_expected_entry> present;
    /// RE2 patterns; an entry whose command matches one must not be scheduled.
    std::vector<std::string> absent;
    bool no_duplicates = true;
    std::size_t show = 10;
    cron_expect_spec() { check_programs = false; }
};

[[nodiscard]] inline check_result check_cron_expect(const cron_expect_spec& spec);

// ---------------------------------------------------------------- snapshot and diff

/// The crontabs of `reading` as a snapshot document (entries cron runs and
/// environment lines, normalised), recording `sources` so a diff can re-read them.
[[nodiscard]] inline nlohmann::json cron_snapshot_json(const cron_input& in,
                                                       const cron_reading& reading);

/// `cron.snapshot`: saves the sources' crontabs to `output`.
struct cron_snapshot_spec : cron_input {
    std::filesystem::path output;
    cron_snapshot_spec() { check_programs = false; }
};

[[nodiscard]] inline check_result check_cron_snapshot(const cron_snapshot_spec& spec);

/// `cron.diff`: the live crontabs against a snapshot: entries missing, added
/// or changed (by fire times and normalised command), environment lines too.
struct cron_diff_spec : cron_input {
    std::filesystem::path snapshot;
    std::size_t show = 10;
    cron_diff_spec() { check_programs = false; }
};

/// With no sources in the spec, re-reads the sources the snapshot recorded.
[[nodiscard]] inline check_result check_cron_diff(const cron_diff_spec& spec);

// ---------------------------------------------------------------- did it run

/// `cron.ran`: the job left a line in its log after its last scheduled time.
struct cron_ran_spec {
    std::string schedule;      ///< the entry's schedule
    std::string zone = "UTC";  ///< its zone (CRON_TZ, or the host's)
    std::filesystem::path log; ///< the job's log file
    std::string match;         ///< text a line of the job contains; empty: any line
    std::chrono::milliseconds grace{std::chrono::minutes(15)}; ///< time a run has to log
    std::optional<cron_time> now; ///< the time of the check; default the clock's
    std::string log_zone;         ///< zone of log times without offset; empty: `zone`
};

[[nodiscard]] inline check_result check_cron_ran(const cron_ran_spec& spec);

} // namespace rollcheck

#include "detail/cron_checks.hpp"
