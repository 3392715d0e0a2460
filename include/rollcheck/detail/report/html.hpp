/// \file detail/report/html.hpp
/// A run as one page for people to look at during an incident: the closing
/// line, the plan's "After rollback" checklist, the phases in verdict
/// colours, a chart of each phase's time to green against its recovery
/// target, every check with the evidence of those that failed folded under
/// it, the waivers and the decision matrix's action. The page stands alone:
/// inline CSS and SVG, no script, nothing fetched; its content security
/// policy forbids scripts and every load, so even text that escaped its
/// escaping could run nothing. Every word on it comes from the data the
/// other reports use (tally.hpp, markdown.hpp); verdicts are written out, so
/// it reads without colour.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "markdown.hpp"
#include "tally.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// `text` cleaned (clean_text) and escaped for HTML text and for attribute
/// values in either kind of quotes.
[[nodiscard]] inline std::string html_escape(std::string_view text) {
    std::string out;
    for (const char c : clean_text(text)) {
        if (const char* entity = markup_entity(c))
            out += entity;
        else if (c == '"')
            out += "&quot;";
        else if (c == '\'')
            out += "&#39;";
        else
            out += c;
    }
    return out;
}

/// The CSS class of a standing ("pass" … "error", "waived"): "v-fail".
/// Standings come from a fixed set, so the class needs no escaping.
[[nodiscard]] inline std::string verdict_class(std::string_view standing) {
    return fmt::format("v-{}", standing);
}

inline constexpr std::string_view html_style = R"(
:root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#fff}
body{margin:0 auto;max-width:66rem;padding:0 1rem 2rem}
h1{font-size:1.35rem;margin:1rem 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
p,li,td,th,dd,dt{overflow-wrap:anywhere}
.v-pass{--c:#1a7f37;--bg:#dafbe1}.v-warn{--c:#8a5a00;--bg:#fff8c5}.v-skip{--c:#59636e;--bg:#eff2f5}
.v-waived{--c:#6639ba;--bg:#f5eefe}.v-fail{--c:#c21d2b;--bg:#ffebe9}.v-error{--c:#8b0a1f;--bg:#ffd6d1}
.closing{font-weight:600;padding:.6rem .8rem;border-left:.4rem solid var(--c);background:var(--bg);margin:.5rem 0}
.badge{display:inline-block;min-width:4.6em;text-align:center;font:700 .8rem/1.6 ui-monospace,"DejaVu Sans Mono",monospace;color:#fff;background:var(--c);border-radius:3px;padding:0 .35em;margin-right:.4em}
.meta{color:#59636e;margin:.2rem 0}
ul.checklist{list-style:none;padding:0}
ul.checklist li{padding:.15rem 0}
.tick{display:inline-block;width:1.4em;font-weight:700}
.people{color:#59636e}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
tr[class^="v-"] td{background:var(--bg)}
.phases td:first-child,.phases th:first-child{white-space:nowrap;overflow-wrap:normal}
tr.active td{font-weight:700}
ol.checks{list-style:none;padding:0;margin:0}
li.check{border-left:.3rem solid var(--c);background:var(--bg);padding:.4rem .6rem;margin:.4rem 0}
li.check .name{font-weight:600}
li.check p{margin:.2rem 0}
.severity{font-weight:700;margin-right:.4em}
details{margin:.3rem 0}
summary{cursor:pointer;color:#0b4f9c}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #d0d7de;padding:.5rem;margin:.3rem 0;font:.8rem/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
svg.chart{display:block;width:100%;max-width:44rem}
svg.chart text{font:13px system-ui,"DejaVu Sans",sans-serif;fill:#1f2328}
svg.chart text.phase{font-weight:700}
svg.chart .track{fill:#eff2f5}
svg.chart .met .bar{fill:#1a7f37}svg.chart .missed .bar{fill:#c21d2b}svg.chart .untimed .bar{fill:#59636e}
svg.chart .never .track{fill:#ffebe9;stroke:#c21d2b;stroke-dasharray:4 3}
svg.chart .target{stroke:#1f2328;stroke-width:2}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem}dt{font-weight:600}dd{margin:0}
)";

/// The worst standing of `cases` for the colour of their row, a waived
/// case counting as `warn` as in run_record::worst().
[[nodiscard]] inline std::string phase_standing(const std::vector<const case_record*>& cases) {
    verdict v = verdict::skip;
    bool waived = false;
    for (const auto* c : cases) {
        waived = waived || c->waived_by.has_value();
        v = std::max(v, c->waived_by ? verdict::warn : c->worst());
    }
    return waived && v <= verdict::warn ? "waived" : std::string(to_string(v));
}

[[nodiscard]] inline std::vector<const case_record*> cases_of_phase(const run_record& run,
                                                                    const std::string& phase) {
    std::vector<const case_record*> out;
    for (const auto& c : run.cases)
        if (c.phase == phase) out.push_back(&c);
    return out;
}

[[nodiscard]] inline std::string html_checklist(const run_record& run) {
    std::string out =
        "<section id=\"checklist\">\n<h2>After rollback</h2>\n<ul class=\"checklist\">\n";
    for (const auto& item : after_rollback_checklist(run)) {
        const char* tick = item.ticked() ? "&#x2611;" : "&#x2610;";
        if (!item.counts) {
            out += fmt::format(
                "<li class=\"item people\"><span class=\"tick\">{}</span>{} — {}</li>\n", tick,
                html_escape(item.text), html_escape(item.note));
        } else if (item.counts->total == 0) {
            out +=
                fmt::format("<li class=\"item v-skip\"><span class=\"tick\">{}</span>"
                            "<span class=\"badge\">NONE</span>{} — not checked by this run</li>\n",
                            tick, html_escape(item.text));
        } else {
            const verdict v = checklist_verdict(*item.counts);
            out += fmt::format("<li class=\"item {}\"><span class=\"tick\">{}</span><span "
                               "class=\"badge\">{}</span>{} — {}: {}</li>\n",
                               verdict_class(to_string(v)), tick, upper(v), html_escape(item.text),
                               counted(item.counts->total, "verdict"),
                               html_escape(describe_counts(*item.counts)));
        }
    }
    return out + "</ul>\n</section>\n";
}

[[nodiscard]] inline std::string html_phases(const run_record& run) {
    std::string out = "<section id=\"phases\">\n<h2>Phases</h2>\n<div class=\"scroll\"><table "
                      "class=\"phases\">\n<thead><tr><th>phase</th><th>verdict</th><th>checks</"
                      "th><th>time to green against the target</th></tr></thead>\n<tbody>\n";
    for (const auto& p : recovery_of(run)) {
        const auto cases = cases_of_phase(run, p.phase);
        verdict_counts counts;
        for (const auto* c : cases)
            count_case(counts, *c);
        const auto standing = phase_standing(cases);
        out += fmt::format("<tr class=\"{}\" data-phase=\"{}\"><td>{}</td><td><span "
                           "class=\"badge\">{}</span></td><td>{}: {}</td><td>{}</td></tr>\n",
                           verdict_class(standing), html_escape(p.phase), html_escape(p.phase),
                           upper_text(standing), counted(counts.total, "check"),
                           html_escape(describe_counts(counts)), html_escape(describe_recovery(p)));
    }
    return out + "</tbody>\n</table></div>\n</section>\n";
}

/// A phase's bar of the chart: two lines of figures, then the bar. The
/// track spans twice the target, the target's mark in its middle; a phase
/// without a target is drawn against the slowest phase.
[[nodiscard]] inline std::string chart_bar(const phase_recovery& p, double y,
                                           std::chrono::milliseconds slowest) {
    std::string kind, verdict_word, figures;
    const auto to_green = p.time_to_green ? "green after " + describe_span(*p.time_to_green)
                                          : counted(p.not_green, "check") + " never verified";
    const auto waived = p.waived > 0 ? fmt::format(", {} waived", p.waived) : std::string();
    if (!p.time_to_green) {
        kind = "never";
        verdict_word = p.target ? "MISSED" : "NOT GREEN";
        figures = p.target
                      ? fmt::format("{}{} · target {}", to_green, waived, describe_span(*p.target))
                      : to_green + waived + " · no target";
    } else if (!p.target) {
        kind = "untimed";
        verdict_word = "NO TARGET";
        figures = to_green + waived;
    } else {
        kind = p.met() ? "met" : "missed";
        verdict_word = p.met() ? "MET" : "MISSED";
        const auto margin = describe_span(*p.target - *p.time_to_green);
        figures = fmt::format("{}{} · target {} · {}", to_green, waived, describe_span(*p.target),
                              p.met() ? margin + " to spare" : "late by " + margin);
    }
    double share = 1.0; // of the track's width
    if (p.time_to_green) {
        const double span = p.target ? 2.0 * static_cast<double>(p.target->count())
                                     : static_cast<double>(std::max<long long>(slowest.count(), 1));
        share = std::clamp(static_cast<double>(p.time_to_green->count()) / span, 0.004, 1.0);
    }
    std::string out = fmt::format(
        "<g class=\"phase-bar {}\" data-phase=\"{}\">\n<title>phase {}: {}, {}</title>\n"
        "<text class=\"phase\" x=\"0\" y=\"{}\">phase {} — {}</text>\n"
        "<text class=\"figures\" x=\"0\" y=\"{}\">{}</text>\n"
        "<rect class=\"track\" x=\"0\" y=\"{}\" width=\"100%\" height=\"14\"/>\n",
        kind, html_escape(p.phase), html_escape(p.phase), verdict_word, html_escape(figures),
        y + 14, html_escape(p.phase), verdict_word, y + 31, html_escape(figures), y + 38);
    if (p.time_to_green)
        out +=
            fmt::format("<rect class=\"bar\" x=\"0\" y=\"{}\" width=\"{:.2f}%\" height=\"14\"/>\n",
                        y + 38, share * 100);
    if (p.target)
        out += fmt::format("<line class=\"target\" x1=\"50%\" x2=\"50%\" y1=\"{}\" y2=\"{}\"/>\n",
                           y + 34, y + 56);
    return out + "</g>\n";
}

[[nodiscard]] inline std::string html_chart(const run_record& run) {
    const auto phases = recovery_of(run);
    std::chrono::milliseconds slowest{0};
    for (const auto& p : phases)
        if (p.time_to_green) slowest = std::max(slowest, *p.time_to_green);
    constexpr double row = 66;
    std::string out = fmt::format(
        "<section id=\"recovery\">\n<h2>Time to green</h2>\n<p>{} Each bar spans twice its "
        "phase's recovery target; the upright line marks the target. A bar past the line "
        "missed it; a dashed, empty track never turned green.</p>\n"
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" height=\"{}\">\n"
        "<title id=\"chart-title\">Time to green per phase against its recovery target</title>\n",
        html_escape(recovery_basis(run)), std::max(1.0, row * static_cast<double>(phases.size())));
    for (std::size_t i = 0; i < phases.size(); ++i)
        out += chart_bar(phases[i], row * static_cast<double>(i), slowest);
    return out + "</svg>\n</section>\n";
}

[[nodiscard]] inline std::string html_case(const case_record& c, time_point origin) {
    const auto standing = c.standing();
    std::string out = fmt::format(
        "<li class=\"check {}\" data-verdict=\"{}\">\n<p><span class=\"badge\">{}</span><span "
        "class=\"severity\">{}</span><span class=\"name\">{}</span></p>\n"
        "<p class=\"summary\">{}</p>\n<p class=\"meta\">green after: {}</p>\n",
        verdict_class(standing), standing, upper_text(standing),
        html_escape(c.severity.empty() ? "unrated" : c.severity), html_escape(c.name),
        html_escape(case_summary(c)), html_escape(green_cell(c, origin)));
    if (c.worst() >= verdict::fail)
        out += fmt::format("<details><summary>evidence</summary>\n<pre>{}</pre>\n</details>\n",
                           html_escape(case_evidence_text(c)));
    return out + "</li>\n";
}

[[nodiscard]] inline std::string html_checks(const run_record& run) {
    std::string out = "<section id=\"checks\">\n<h2>Checks</h2>\n";
    const time_point origin = run.since ? *run.since : run.started;
    for (const auto& phase : phases_of(run.cases)) {
        out += fmt::format("<h3>Phase {}</h3>\n<ol class=\"checks\" data-phase=\"{}\">\n",
                           html_escape(phase), html_escape(phase));
        for (const auto* c : cases_of_phase(run, phase))
            out += html_case(*c, origin);
        out += "</ol>\n";
    }
    if (run.cases.empty()) out += "<p>No check ran.</p>\n";
    return out + "</section>\n";
}

[[nodiscard]] inline std::string html_waivers(const run_record& run) {
    std::string out = "<section id=\"waivers\">\n<h2>Waivers</h2>\n";
    std::string items;
    for (const auto* c : in_plan_order(run.cases))
        if (c->waived_by)
            items += fmt::format(
                "<li><span class=\"name\">{}</span> (phase {}, {}, the check's own verdict {}): "
                "{}</li>\n",
                html_escape(c->name), html_escape(c->phase), html_escape(c->severity),
                upper(c->worst()), html_escape(waiver_text(*c->waived_by)));
    return out + (items.empty() ? "<p>No check was waived.</p>\n" : "<ul>\n" + items + "</ul>\n") +
           "</section>\n";
}

/// The decision matrix with the row of the run's action marked, and the
/// closing line.
[[nodiscard]] inline std::string html_decision(const run_record& run) {
    const int rank = worst_failing_rank(run.cases);
    std::string out =
        "<section id=\"decision\">\n<h2>Decision</h2>\n<div class=\"scroll\"><table "
        "class=\"matrix\">\n<thead><tr><th>the worst failing severity</th><th>the decision "
        "matrix's action</th></tr></thead>\n<tbody>\n";
    for (const int r : {0, 1, 2, 3, 4}) {
        const auto action = matrix_action(run.matrix, r);
        const auto colon = action.find(':');
        out += fmt::format("<tr{}><td>{}</td><td>{}{}</td></tr>\n",
                           r == rank ? " class=\"active v-fail\"" : "",
                           html_escape(action.substr(0, colon)),
                           html_escape(action.substr(colon + 2)), r == rank ? " ← this run" : "");
    }
    return out +
           fmt::format("</tbody>\n</table></div>\n<p class=\"closing {}\">{}</p>\n</section>\n",
                       verdict_class(to_string(run.worst())), html_escape(closing_line(run)));
}

[[nodiscard]] inline std::string html_environment(const run_record& run) {
    const auto span =
        std::chrono::duration_cast<std::chrono::milliseconds>(run.finished - run.started);
    std::string out = "<section id=\"environment\">\n<h2>Environment and times</h2>\n<dl>\n";
    const auto row = [&](std::string_view term, std::string_view value) {
        out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", term, html_escape(value));
    };
    row("Suite", run.suite);
    row("Target", run.target);
    row("Target summary", run.target_summary);
    row("Host", run.hostname);
    row("User", run.user);
    row("rollcheck version", run.version);
    row("Started", format_utc(run.started));
    row("Finished", format_utc(run.finished));
    row("Duration", describe_span(span));
    row("Rollback started (--since)", run.since ? format_utc(*run.since) : "not given");
    out += "</dl>\n";
    if (!run.notes.empty()) out += "<h3>Notes</h3>\n<ul class=\"notes\">\n";
    for (const auto& note : run.notes)
        out += "<li>" + html_escape(note) + "</li>\n";
    if (!run.notes.empty()) out += "</ul>\n";
    return out + "</section>\n";
}

/// The HTML page of `run`.
[[nodiscard]] inline std::string report_html_text(const run_record& run) {
    const auto title = "Rollback verification: " + html_escape(run.suite);
    return fmt::format(
               "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n"
               "<p class=\"closing {}\" id=\"closing\">{}</p>\n<p class=\"meta\">{}</p>\n"
               "</header>\n<main>\n",
               title, html_style, title, verdict_class(to_string(run.worst())),
               html_escape(closing_line(run)),
               html_escape(fmt::format("{} · {} · {}", run.target_summary, format_utc(run.started),
                                       run.hostname))) +
           html_checklist(run) + html_phases(run) + html_chart(run) + html_checks(run) +
           html_waivers(run) + html_decision(run) + html_environment(run) +
           "</main>\n</body>\n</html>\n";
}

} // namespace rollcheck::detail
