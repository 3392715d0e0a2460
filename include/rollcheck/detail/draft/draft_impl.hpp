/// \file detail/draft/draft_impl.hpp
/// plan_draft.hpp's definitions: the runbook screened, read, drafted and
/// written.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "../../plan_draft.hpp"
#include "../read_file.hpp"
#include "drafter.hpp"
#include "model.hpp"
#include "runbook.hpp"
#include "toml_writer.hpp"

namespace rollcheck {

namespace detail::draft {

/// Why `text` is no runbook to read, or "".
[[nodiscard]] inline std::string screen(std::string_view text) {
    if (text.size() > runbook_file_limit)
        return fmt::format("larger than {} MiB: no runbook", runbook_file_limit >> 20);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return "empty: no runbook to draft a plan from";
    if (const auto nul = text.find('\0'); nul != std::string_view::npos)
        return fmt::format(
            "a NUL byte at line {}: this is binary data, not Markdown",
            1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    return {};
}

/// The notes of `plan` sorted into the draft's lists.
inline void collect_notes(const drafted_plan& plan, plan_draft& out) {
    const auto add = [&](const phase_note& n) {
        draft_note note{plan.runbook, n.line, n.message};
        if (n.what == phase_note::type::todo) out.todos.push_back(std::move(note));
        if (n.what == phase_note::type::warning) out.warnings.push_back(std::move(note));
        if (n.what == phase_note::type::note) out.notes.push_back(std::move(note));
    };
    for (const auto& n : plan.notes)
        add(n);
    for (const auto* phases : {&plan.phases, &plan.unchecked})
        for (const auto& phase : *phases)
            for (const auto& n : phase.notes)
                add(n);
    const auto by_line = [](const draft_note& a, const draft_note& b) { return a.line < b.line; };
    for (auto* list : {&out.todos, &out.warnings, &out.notes})
        std::stable_sort(list->begin(), list->end(), by_line);
}

/// The plan's name from the runbook's: "docs/rollback-procedures.md" → "rollback-procedures".
[[nodiscard]] inline std::string plan_name_of(const std::string& runbook) {
    auto stem = std::filesystem::path(runbook).stem().string();
    return stem.empty() ? "runbook" : stem;
}

/// A draft of `markdown`, its checks citing `name` and its errors naming `shown`.
[[nodiscard]] inline plan_draft draft_named(std::string_view markdown, const std::string& name,
                                            const std::string& shown,
                                            const draft_options& options) {
    plan_draft out;
    if (auto why = screen(markdown); !why.empty()) {
        out.error = fmt::format("{}: {}", shown, why);
        return out;
    }
    const auto book = read_runbook(markdown);
    if (book.phases.empty()) {
        out.error = fmt::format("{}: no section holds a rollback step (a shell or SQL code block, "
                                "or list items of commands in `code`, under a heading): no "
                                "phase to draft",
                                shown);
        return out;
    }
    const auto plan =
        plan_drafter(book, name, options.plan_name.empty() ? plan_name_of(name) : options.plan_name)
            .draft();
    collect_notes(plan, out);
    out.phases = plan.phases.size();
    for (const auto& phase : plan.phases) {
        out.checks += phase.checks.size();
        out.steps += phase.steps.size();
    }
    for (const auto& phase : plan.unchecked)
        out.steps += phase.steps.size();
    if (plan.phases.empty()) {
        out.error = fmt::format("{}: no step of its {} phase{} could be drafted as a check, and a "
                                "plan needs one: {} step{} left as TODO",
                                shown, plan.unchecked.size(), plan.unchecked.size() == 1 ? "" : "s",
                                out.todos.size(), out.todos.size() == 1 ? "" : "s");
        return out;
    }
    out.toml = toml_writer(plan).write(out.summary());
    // A draft that is not TOML would be a bug of the writer: say so rather
    // than hand it out. (Reading it as a plan, as the tests do, would take
    // the target reader, and with it libpq, into the `rollcheck` program.)
    try {
        (void)toml::parse(out.toml, std::string_view(name));
    } catch (const toml::parse_error& e) {
        out.error = fmt::format("{}: the draft is not TOML: line {}: {}", shown,
                                e.source().begin.line, e.description());
        out.toml.clear();
    }
    return out;
}

} // namespace detail::draft

ROLLCHECK_INLINE plan_draft draft_plan(std::string_view markdown, const std::string& name,
                                       const draft_options& options) {
    return detail::draft::draft_named(markdown, name, name, options);
}

ROLLCHECK_INLINE plan_draft draft_plan_file(const std::filesystem::path& path,
                                            const draft_options& options) {
    plan_draft out;
    // By its size, unread: a runbook of 50 MB is no runbook, and reading it
    // whole would cost its size in memory.
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size > runbook_file_limit) {
            out.error = fmt::format("{}: {} bytes, larger than the {} MiB a runbook may be: no "
                                    "runbook",
                                    path.string(), size, runbook_file_limit >> 20);
            return out;
        }
    }
    std::string why;
    const auto text = detail::read_whole_file(path, why, runbook_file_limit);
    if (!text) {
        out.error = why;
        return out;
    }
    return detail::draft::draft_named(*text, path.filename().string(), path.string(), options);
}

} // namespace rollcheck
