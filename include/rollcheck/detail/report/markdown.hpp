/// \file detail/report/markdown.hpp
/// A run as the incident record the plan's "Document" step asks for: the
/// closing line, the "After rollback" checklist, every check, the evidence
/// of what failed, the environment and the times.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tally.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// Evidence items shown per result, and bytes per line, in the Markdown
/// report: enough to act on; the JSON report keeps all that was kept.
inline constexpr std::size_t markdown_items = 10;
inline constexpr std::size_t markdown_line_bytes = 300;

/// Whether `entry` claims the results of the check kind `kind`.
[[nodiscard]] inline bool claims(const checklist_entry& entry, std::string_view kind) {
    return std::find(entry.kinds.begin(), entry.kinds.end(), kind) != entry.kinds.end();
}

/// The item of `checklist` whose verdicts a result of `kind` counts in: the
/// first that names the kind, else the first that names none; null when
/// none takes it.
[[nodiscard]] inline const checklist_entry* item_for(const std::vector<checklist_entry>& checklist,
                                                     std::string_view kind) {
    const checklist_entry* fallback = nullptr;
    for (const auto& entry : checklist) {
        if (entry.proof != "checks") continue;
        if (claims(entry, kind)) return &entry;
        if (entry.kinds.empty() && fallback == nullptr) fallback = &entry;
    }
    return fallback;
}

/// The verdicts behind each item proved by checks. A failure outside the
/// verifiers counts as an error of the item the case's results go to.
[[nodiscard]] inline std::map<const checklist_entry*, verdict_counts>
tally_checklist(const run_record& run, const std::vector<checklist_entry>& checklist) {
    std::map<const checklist_entry*, verdict_counts> t;
    for (const auto& c : run.cases) {
        const checklist_entry* case_item = nullptr;
        for (const auto& r : c.results) {
            const auto* item = item_for(checklist, r.check);
            if (item == nullptr) continue;
            t[item].add(r.status);
            if (case_item == nullptr || !item->kinds.empty()) case_item = item;
        }
        if (case_item == nullptr) case_item = item_for(checklist, "");
        if ((!c.failure.empty() || c.results.empty()) && case_item != nullptr)
            t[case_item].add(verdict::error);
    }
    return t;
}

/// The verdict a checklist item shows for `counts`: the worst that occurs;
/// `skip` when nothing was verified.
[[nodiscard]] inline verdict checklist_verdict(const verdict_counts& counts) noexcept {
    verdict v = verdict::skip;
    for (const verdict each : {verdict::pass, verdict::warn, verdict::fail, verdict::error})
        if (counts[each] > 0) v = each;
    return v;
}

/// An item of the plan's "After rollback" checklist: proved by this run's
/// verdicts (`counts`), or left to people (`note`).
struct checklist_item {
    std::string_view text;
    std::optional<verdict_counts> counts; ///< none: not for rollcheck to prove
    bool done = false;                    ///< ticked although no verdict proves it
    std::string note;                     ///< for an item without counts

    /// Ticked: proved when something was verified and nothing failed.
    [[nodiscard]] bool ticked() const noexcept {
        if (!counts) return done;
        const verdict v = checklist_verdict(*counts);
        return counts->total > 0 && (v == verdict::pass || v == verdict::warn);
    }
};

/// An item ticked when a notice went out, with what each notice did.
[[nodiscard]] inline checklist_item notices_item(const run_record& run, std::string_view text) {
    const bool any = std::any_of(run.notices.begin(), run.notices.end(),
                                 [](const notice_record& n) { return n.sent; });
    std::string said;
    for (const auto& n : run.notices)
        said += (said.empty() ? "" : "; ") + describe_notice(n);
    return {text, std::nullopt, any, said.empty() ? "no notice was asked for" : said};
}

/// The checklist of a run that follows no plan: its checks, and its notices.
[[nodiscard]] inline const std::vector<checklist_entry>& checklist_without_plan() {
    static const std::vector<checklist_entry> items{{"Checks verified", "checks", {}},
                                                    {"Team notified", "notices", {}}};
    return items;
}

/// The plan's "After rollback" checklist as this run answers it; every
/// report that shows the checklist shows these items.
[[nodiscard]] inline std::vector<checklist_item> after_rollback_checklist(const run_record& run) {
    const auto& checklist = run.checklist.empty() ? checklist_without_plan() : run.checklist;
    const auto t = tally_checklist(run, checklist);
    std::vector<checklist_item> items;
    for (const auto& entry : checklist) {
        if (entry.proof == "checks") {
            const auto found = t.find(&entry);
            items.push_back(
                {entry.text, found == t.end() ? verdict_counts{} : found->second, false, {}});
        } else if (entry.proof == "notices") {
            if (!run.notices.empty() || !run.checklist.empty())
                items.push_back(notices_item(run, entry.text));
        } else if (entry.proof == "report") {
            items.push_back({entry.text, std::nullopt, true, "this report"});
        } else {
            items.push_back({entry.text, std::nullopt, false, "for people to fill in"});
        }
    }
    return items;
}

/// "- [x] No data loss confirmed — PASS (2 verdicts: 2 passed)": ticked
/// only when something was verified and nothing failed.
[[nodiscard]] inline std::string checklist_line(const checklist_item& item) {
    const char tick = item.ticked() ? 'x' : ' ';
    if (!item.counts)
        return fmt::format("- [{}] {} — {}\n", tick, item.text, markdown_inline(item.note));
    const auto& counts = *item.counts;
    if (counts.total == 0) return fmt::format("- [ ] {} — not checked by this run\n", item.text);
    return fmt::format("- [{}] {} — {} ({}: {})\n", tick, item.text,
                       upper(checklist_verdict(counts)), counted(counts.total, "verdict"),
                       describe_counts(counts));
}

[[nodiscard]] inline std::string markdown_checklist(const run_record& run) {
    std::string out = "## After rollback\n\n";
    for (const auto& item : after_rollback_checklist(run))
        out += checklist_line(item);
    return out + "\n";
}

/// When a case turned green, counted from `origin`: "4m 12s (3 attempts)".
[[nodiscard]] inline std::string green_cell(const case_record& c, time_point origin) {
    if (!c.green_at) return c.waived_by ? "waived" : c.worst() >= verdict::fail ? "never" : "—";
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(*c.green_at - origin);
    return c.attempts > 1 ? fmt::format("{} ({} attempts)", describe_span(after), c.attempts)
                          : describe_span(after);
}

[[nodiscard]] inline std::string markdown_table(const run_record& run) {
    std::string out = "## Checks\n\n| phase | severity | verdict | green after | name | summary |\n"
                      "|---|---|---|---|---|---|\n";
    const time_point origin = run.since ? *run.since : run.started;
    for (const auto* c : in_plan_order(run.cases))
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", markdown_inline(c->phase),
                           markdown_inline(c->severity), upper_text(c->standing()),
                           green_cell(*c, origin), markdown_inline(c->name),
                           markdown_inline(case_summary(*c)));
    return out + "\n";
}

/// "Counted from the rollback's start, …; each check ran once (no --wait).":
/// what the times to green are counted from, and whether checks were re-run.
[[nodiscard]] inline std::string recovery_basis(const run_record& run) {
    return fmt::format("Counted from {}{}.",
                       run.since ? "the rollback's start, " + format_utc(*run.since)
                                 : "the run's start (no --since)",
                       run.waited
                           ? "; failing checks were re-run until verified or their phase's deadline"
                           : "; each check ran once (no --wait)");
}

/// Per phase, time to green against the plan's recovery target.
[[nodiscard]] inline std::string markdown_recovery(const run_record& run) {
    std::string out = fmt::format("## Time to green\n\n{}\n\n| phase | time to green | target | "
                                  "result |\n|---|---|---|---|\n",
                                  recovery_basis(run));
    for (const auto& p : recovery_of(run))
        out += fmt::format("| {} | {} | {} | {} |\n", markdown_inline(p.phase),
                           p.time_to_green ? describe_span(*p.time_to_green)
                                           : counted(p.not_green, "check") + " never verified",
                           p.target ? describe_span(*p.target) : "none",
                           markdown_inline(describe_recovery(p)));
    return out + "\n";
}

/// A result as the console prints it, with at most `markdown_items` items
/// of `markdown_line_bytes` each.
[[nodiscard]] inline std::string bounded_result(const check_result& r) {
    std::string out = cut_text(clean_text(fmt::format("{} {}: {} ({} ms)", upper(r.status), r.check,
                                                      r.summary, r.elapsed.count())),
                               markdown_line_bytes) +
                      "\n";
    const auto& items = r.evidence.items();
    const std::size_t shown = std::min(items.size(), markdown_items);
    for (std::size_t i = 0; i < shown; ++i)
        out += "  - " + cut_text(clean_text(items[i].text), markdown_line_bytes) + "\n";
    if (r.evidence.total() > shown)
        out += fmt::format("  … {} more not shown\n", r.evidence.total() - shown);
    return out;
}

/// The evidence of a failing or waived case, as plain text: its failing
/// results bounded as bounded_result does, its failure, its waiver.
[[nodiscard]] inline std::string case_evidence_text(const case_record& c) {
    std::string text = c.before_rollback.empty() ? "" : c.before_rollback + "\n";
    for (const auto& r : c.results)
        if (r.status >= verdict::fail) text += bounded_result(r);
    if (!c.failure.empty())
        text += "failure: " + cut_text(clean_text(c.failure), markdown_line_bytes) + "\n";
    if (c.results.empty() && c.failure.empty()) text += "no check result was recorded\n";
    if (c.waived_by) text += waiver_text(*c.waived_by) + "\n";
    return text;
}

[[nodiscard]] inline std::string failing_case_evidence(const case_record& c) {
    const auto text = case_evidence_text(c);
    const auto fence = code_fence(text);
    return fmt::format("### {} · phase {} · {} · {}\n\n{}text\n{}{}\n\n", upper_text(c.standing()),
                       markdown_inline(c.phase), markdown_inline(c.severity),
                       markdown_inline(c.name), fence, text, fence);
}

[[nodiscard]] inline std::string markdown_evidence(const run_record& run) {
    std::string out = "## Evidence of what failed\n\n";
    bool any = false;
    for (const auto* c : in_plan_order(run.cases))
        if (c->worst() >= verdict::fail) {
            out += failing_case_evidence(*c);
            any = true;
        }
    return any ? out : out + "Nothing failed.\n\n";
}

[[nodiscard]] inline std::string markdown_environment(const run_record& run) {
    const auto span =
        std::chrono::duration_cast<std::chrono::milliseconds>(run.finished - run.started);
    std::string out = fmt::format(
        "## Environment\n\n- Suite: {}\n- Target: {}\n- Target summary: {}\n- Host: {}\n"
        "- User: {}\n- rollcheck version: {}\n\n## Times\n\n- Started: {}\n- Finished: {}\n"
        "- Duration: {}\n- Rollback started (--since): {}\n",
        markdown_inline(run.suite), markdown_inline(run.target),
        markdown_inline(run.target_summary), markdown_inline(run.hostname),
        markdown_inline(run.user), markdown_inline(run.version), format_utc(run.started),
        format_utc(run.finished), describe_span(span),
        run.since ? format_utc(*run.since) : "not given");
    if (!run.notes.empty()) out += "\n## Notes\n\n";
    for (const auto& note : run.notes)
        out += "- " + markdown_inline(note) + "\n";
    if (!run.notices.empty()) out += "\n## Notices\n\n";
    for (const auto& n : run.notices)
        out += "- " + markdown_inline(describe_notice(n)) + "\n";
    return out;
}

/// The Markdown document of `run`.
[[nodiscard]] inline std::string report_md_text(const run_record& run) {
    return fmt::format("# Rollback verification: {}\n\n**{}**\n\n", markdown_inline(run.suite),
                       markdown_inline(closing_line(run))) +
           markdown_checklist(run) + markdown_table(run) + markdown_recovery(run) +
           markdown_evidence(run) + markdown_environment(run);
}

} // namespace rollcheck::detail
