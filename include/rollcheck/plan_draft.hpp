/// \file plan_draft.hpp
/// A first plan from a runbook: `rollcheck plan draft RUNBOOK.md`. The
/// runbook's Markdown is read with cmark-gfm (headings, fenced code, GitHub's
/// tables and task lists) and its SQL with PostgreSQL's own parser
/// (libpg_query). Each section that holds rollback steps becomes a phase,
/// with its recovery target and the severity its heading hints at; the
/// steps rollcheck knows a check for (`rm -rf`, `git checkout`, `pg_restore`,
/// a duplicate-detection SELECT, `tail -f`, …) become checks citing their
/// line; what it cannot read is a TODO in the draft, and the runbook's known
/// traps (`killall` on a script, `crontab -e`, …) are warnings. The draft is
/// a start for people to finish: docs/plans.md walks through one.
///
/// ```cpp
/// #include <rollcheck/plan_draft.hpp>
///
/// int draft(const std::string& markdown) {
///     const auto d = rollcheck::draft_plan(markdown, "RUNBOOK.md");
///     if (!d.ok()) {
///         fmt::print(stderr, "{}\n", d.error);
///         return 2;
///     }
///     for (const auto& w : d.warnings)
///         fmt::print(stderr, "warning: {}\n", w.text());
///     fmt::print("{}", d.toml); // loads with rollcheck::parse_plan
///     return 0;
/// }
/// ```
///
/// Needs cmark-gfm and libpg_query (Debian's libcmark-gfm-dev,
/// libcmark-gfm-extensions-dev and libpg-query-dev) besides what
/// rollcheck::rollcheck links: link `cmark-gfm`, `cmark-gfm-extensions` and
/// `pg_query`. For that reason rollcheck.hpp does not include it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "detail/inline.hpp"

namespace rollcheck {

/// How to draft.
struct draft_options {
    /// The plan's `[plan] name`; empty: the runbook's file name without its
    /// extension.
    std::string plan_name;
};

/// Something the draft says about a line of the runbook: a step it left as
/// a TODO, a trap, a note.
struct draft_note {
    std::string file;     ///< the runbook's name, as given
    std::size_t line = 0; ///< 1-based; 0 for the runbook as a whole
    std::string message;

    /// "RUNBOOK.md:172: crontab -e opens an editor …"
    [[nodiscard]] std::string text() const {
        return line == 0 ? fmt::format("{}: {}", file, message)
                         : fmt::format("{}:{}: {}", file, line, message);
    }
};

/// A drafted plan: its TOML, and what it could not read.
struct plan_draft {
    std::string toml;                 ///< the plan file; empty when `error` is set
    std::vector<draft_note> todos;    ///< steps left for people, each with why
    std::vector<draft_note> warnings; ///< the runbook's traps
    std::vector<draft_note> notes;    ///< the rest worth a look (a notice to send)
    std::size_t phases = 0;           ///< phases drafted
    std::size_t checks = 0;           ///< checks drafted
    std::size_t steps = 0;            ///< rollback steps read
    /// Not empty: nothing could be drafted, and why ("RUNBOOK.md: empty").
    std::string error;

    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
    /// "7 phases, 27 checks drafted from 41 steps; 9 steps left as TODO; 7 warnings"
    [[nodiscard]] std::string summary() const {
        return fmt::format("{} phase{}, {} check{} drafted from {} step{}; {} step{} left as "
                           "TODO; {} warning{}",
                           phases, phases == 1 ? "" : "s", checks, checks == 1 ? "" : "s", steps,
                           steps == 1 ? "" : "s", todos.size(), todos.size() == 1 ? "" : "s",
                           warnings.size(), warnings.size() == 1 ? "" : "s");
    }
};

/// The largest runbook read: a runbook is prose and commands, and a file
/// beyond this is no runbook (it is refused by its size, unread).
inline constexpr std::size_t runbook_file_limit = std::size_t{4} << 20;

/// Drafts a plan from the Markdown `markdown`, the runbook `name` (its
/// checks cite it: `source = "RUNBOOK.md:94"`). Never throws for the
/// runbook's content: a runbook that is empty, binary, larger than
/// runbook_file_limit or without any rollback step is an error.
[[nodiscard]] ROLLCHECK_INLINE plan_draft draft_plan(std::string_view markdown,
                                                     const std::string& name,
                                                     const draft_options& options = {});

/// Reads the runbook at `path` and drafts a plan from it, the runbook named
/// by its file name. A file larger than runbook_file_limit is refused by
/// its size, unread.
[[nodiscard]] ROLLCHECK_INLINE plan_draft draft_plan_file(const std::filesystem::path& path,
                                                          const draft_options& options = {});

} // namespace rollcheck

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/draft/draft_impl.hpp"
#endif
