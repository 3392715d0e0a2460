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
/// spec.present = {{"30 3 * * *", "python scripts/core/nightly_export.py", ""}};
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
#include "cron_schedule.hpp"
#include "crontab.hpp"
#include "detail/inline.hpp"
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

/// Reads every source of `in`. Never throws for the sources' own faults.
[[nodiscard]] ROLLCHECK_INLINE cron_reading read_crontabs(const cron_input& in);

// ---------------------------------------------------------------- lint
/// `cron.lint`: every problem in the sources, errors and warnings.
struct cron_lint_spec : cron_input {
    std::size_t show = 10;
};

/// fail when a line has an error (cron rejects or mangles it), warn when
/// there are only warnings, pass when clean; error when a source cannot be read.
[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_lint(const cron_lint_spec& spec);

// ---------------------------------------------------------------- expect
/// An entry that must be scheduled.
struct cron_expected_entry {
    std::string schedule; ///< compared by fire times: `30 3 * * 0-7` equals `30 3 * * *`
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

[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_expect(const cron_expect_spec& spec);

// ---------------------------------------------------------------- snapshot and diff
/// The crontabs of `reading` as a snapshot document (entries cron runs and
/// environment lines, normalised), recording `sources` so a diff can re-read them.
[[nodiscard]] ROLLCHECK_INLINE nlohmann::json cron_snapshot_json(const cron_input& in,
                                                                 const cron_reading& reading);

/// `cron.snapshot`: saves the sources' crontabs to `output`.
struct cron_snapshot_spec : cron_input {
    std::filesystem::path output;
    cron_snapshot_spec() { check_programs = false; }
};

[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_snapshot(const cron_snapshot_spec& spec);

/// `cron.diff`: the live crontabs against a snapshot: entries missing, added
/// or changed (by fire times and normalised command), environment lines too.
struct cron_diff_spec : cron_input {
    std::filesystem::path snapshot;
    std::size_t show = 10;
    cron_diff_spec() { check_programs = false; }
};

/// With no sources in the spec, re-reads the sources the snapshot recorded.
[[nodiscard]] ROLLCHECK_INLINE check_result check_cron_diff(const cron_diff_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/cron/cron_impl.hpp"
#endif
