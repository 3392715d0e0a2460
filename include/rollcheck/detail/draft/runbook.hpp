/// \file detail/draft/runbook.hpp
/// A runbook's sections read as a plan reads them: which sections hold
/// rollback steps (the phases), each phase's id, title, recovery target
/// and risk, the decision matrix and the checklists.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "markdown.hpp"
#include "steps.hpp"
#include "words.hpp"

namespace rollcheck::detail::draft {

/// A section that holds rollback steps.
struct runbook_phase {
    std::string id;
    std::string title;
    std::string heading;
    std::size_t line = 0;
    std::string recovery;      ///< a duration ("15m"), or ""
    std::string recovery_text; ///< as the runbook gives it ("10-15 minutes")
    std::size_t recovery_line = 0;
    std::string risk;          ///< "critical", "high", "medium", "low", or ""
    std::size_t risk_line = 0; ///< the line of its notes that says it; 0: the heading
    std::vector<runbook_step> steps;
    std::vector<std::pair<std::size_t, std::string>> unread; ///< blocks not read as steps, and why
};

/// A row of the runbook's decision matrix.
struct runbook_decision {
    std::string severity; ///< "P0"
    std::string label;    ///< the row's severity as written: "P0 - Critical"
    std::string level;    ///< the same in lower case
    std::string action;
    std::string approval;
};

/// A checklist item, at its line.
struct runbook_item {
    std::size_t line = 0;
    std::string text;
};

struct runbook {
    std::string title;
    std::vector<runbook_phase> phases;
    std::vector<runbook_decision> matrix;
    std::size_t matrix_line = 0;
    std::vector<runbook_item> before, after;
    std::vector<std::pair<std::size_t, std::string>> unread; ///< checklists of no side
};

/// `text` without the words that say a risk ("Low Risk", "CRITICAL").
[[nodiscard]] inline std::string without_risk(std::string_view text) {
    std::vector<std::string> words;
    for (std::size_t start = 0; start < text.size();) {
        const auto end = text.find(' ', start);
        const auto word = text.substr(start, end == std::string_view::npos ? end : end - start);
        if (!word.empty()) words.emplace_back(word);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    static const std::set<std::string> levels = {"low", "medium", "moderate", "high"};
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const auto bare = lower(trim(words[i], ":,;-"));
        const auto next = i + 1 < words.size() ? lower(trim(words[i + 1], ":,;-")) : "";
        if (bare == "critical" || bare == "risk") continue;
        if (levels.count(bare) != 0 && next == "risk") continue;
        if (bare.size() > 5 && bare.compare(bare.size() - 5, 5, "-risk") == 0 &&
            levels.count(bare.substr(0, bare.size() - 5)) != 0)
            continue;
        out += (out.empty() ? "" : " ") + words[i];
    }
    return out;
}

/// A phase's id and title from its heading: "Phase 1-3: Low Risk
/// (Foundation, Agents)" gives "1-3" and "Foundation, Agents"; "Web tier
/// (Medium Risk)" gives "web-tier" and "Web tier".
inline void name_phase(runbook_phase& phase) {
    std::string rest = phase.heading;
    const auto lowered = lower(rest);
    // "Phase 7", "Stage 2", "Step 3", or a heading numbered "2." or "2)".
    std::size_t at = std::string::npos, word = 0;
    for (const std::string_view w : {"phase ", "stage ", "step "})
        if (const auto found = lowered.find(w);
            at == std::string::npos && found != std::string::npos &&
            (found == 0 || std::isalnum(static_cast<unsigned char>(lowered[found - 1])) == 0)) {
            at = found;
            word = w.size();
        }
    if (at == std::string::npos && !rest.empty() &&
        std::isdigit(static_cast<unsigned char>(rest[0])) != 0) {
        std::size_t digits = 0;
        while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])))
            ++digits;
        if (digits < rest.size() && (rest[digits] == '.' || rest[digits] == ')')) {
            phase.id = rest.substr(0, digits);
            rest = rest.substr(digits + 1);
        }
    }
    if (at != std::string::npos) {
        const auto start = at + word;
        auto end = start;
        while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) != 0 ||
                                     rest[end] == '-' || rest[end] == '.' || rest[end] == '_'))
            ++end;
        const auto id = trim(std::string_view(rest).substr(start, end - start), ".-_");
        if (!id.empty() && std::isdigit(static_cast<unsigned char>(id[0])) != 0) {
            phase.id = id;
            rest = rest.substr(0, at) + rest.substr(end);
        }
    }
    std::string title;
    const auto open = rest.find('(');
    const auto close = open == std::string::npos ? open : rest.find(')', open);
    if (close != std::string::npos) {
        const auto inner = trim(std::string_view(rest).substr(open + 1, close - open - 1));
        if (!inner.empty() && risk_of(inner).empty() && lower(inner) != "critical")
            title = inner;
        else
            rest.erase(open, close - open + 1);
    }
    if (title.empty()) title = without_risk(rest);
    title = trim(title, " \t:-");
    if (title.empty()) title = trim(phase.heading);
    // Steps before any heading are a phase all the same.
    if (title.empty()) title = "Before the first heading";
    phase.title = title;
    if (phase.id.empty()) phase.id = slug(title);
}

/// Reads a runbook's sections.
class runbook_reader {
public:
    [[nodiscard]] runbook read(const std::vector<md_section>& sections) && {
        for (const auto& s : sections)
            section(s);
        std::set<std::string> ids;
        for (auto& p : book_.phases) {
            const auto base = p.id;
            for (int n = 2; !ids.insert(p.id).second; ++n)
                p.id = fmt::format("{}-{}", base, n);
        }
        return std::move(book_);
    }

private:
    void section(const md_section& s) {
        if (book_.title.empty() && s.level == 1) book_.title = s.heading;
        runbook_phase phase;
        phase.heading = s.heading;
        phase.line = s.line;
        step_reader steps(phase.steps, phase.unread);
        const md_block* before = nullptr;
        std::string intro; // the paragraph that opens a checklist
        for (const auto& b : s.blocks) {
            steps.block(b, before);
            notes(b, phase);
            if (b.what == md_block::type::table && book_.matrix.empty()) matrix(b);
            if (b.what == md_block::type::task) checklist_item(b, intro, s.heading);
            if (b.what == md_block::type::paragraph)
                intro = b.text;
            else if (b.what != md_block::type::task)
                intro.clear();
            before = &b;
        }
        if (phase.steps.empty()) {
            book_.unread.insert(book_.unread.end(), phase.unread.begin(), phase.unread.end());
            return;
        }
        name_phase(phase);
        if (const auto risk = risk_of(phase.heading); !risk.empty()) {
            phase.risk = risk;
            phase.risk_line = 0;
        }
        book_.phases.push_back(std::move(phase));
    }

    /// "Recovery Time: 10-15 minutes" and "risk: high" lines, in prose or
    /// in a block of notes.
    static void notes(const md_block& b, runbook_phase& phase) {
        if (b.what != md_block::type::paragraph && b.what != md_block::type::code) return;
        if (b.what == md_block::type::code) {
            const auto info = lower(b.info);
            if (info != "yaml" && info != "yml" && info != "text" && info != "txt") return;
        }
        std::size_t line = b.line;
        for (std::size_t start = 0; start <= b.text.size(); ++line) {
            const auto end = b.text.find('\n', start);
            const auto text = std::string_view(b.text).substr(
                start, end == std::string::npos ? std::string::npos : end - start);
            if (const auto kv = label_value(text)) {
                static const std::set<std::string> recovery = {
                    "recovery time",          "recovery",        "recovery target",
                    "expected recovery time", "time to recover", "rto"};
                const auto seconds = recovery.count(kv->first) ? recovery_seconds(kv->second) : 0;
                // A year: beyond it, the line is no recovery time a plan can hold.
                if (seconds > 0 && seconds <= 366LL * 86400 && phase.recovery.empty()) {
                    phase.recovery = duration_text(seconds);
                    phase.recovery_text = kv->second;
                    phase.recovery_line = line;
                }
                if ((kv->first == "risk" || kv->first == "severity" || kv->first == "risk level") &&
                    phase.risk.empty()) {
                    phase.risk = risk_of("risk: " + kv->second);
                    phase.risk_line = line;
                }
            }
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }

    /// The decision matrix: the first table with a severity column.
    void matrix(const md_block& b) {
        if (b.rows.size() < 2) return;
        const auto& header = b.rows.front();
        std::size_t severity = header.size(), action = header.size(), approval = header.size();
        for (std::size_t i = 0; i < header.size(); ++i) {
            const auto h = lower(header[i]);
            if (severity == header.size() && (h.find("severity") != std::string::npos ||
                                              h.find("priority") != std::string::npos))
                severity = i;
            else if (action == header.size() && h.find("action") != std::string::npos)
                action = i;
            else if (approval == header.size() && h.find("approv") != std::string::npos)
                approval = i;
        }
        if (severity == header.size()) return;
        if (action == header.size()) action = severity + 1;
        if (approval == header.size()) approval = action + 1;
        static constexpr std::pair<std::string_view, std::string_view> levels[] = {
            {"critical", "P0"}, {"high", "P1"}, {"medium", "P2"}, {"low", "P3"}};
        for (std::size_t r = 1; r < b.rows.size(); ++r) {
            const auto& row = b.rows[r];
            const auto cell = [&](std::size_t i) { return i < row.size() ? trim(row[i]) : ""; };
            runbook_decision d;
            d.label = cell(severity);
            d.level = lower(d.label);
            for (const char* p : {"p0", "p1", "p2", "p3"})
                if (has_word(d.level, p)) d.severity = fmt::format("P{}", p[1]);
            for (const auto& [word, level] : levels)
                if (d.severity.empty() && has_word(d.level, word)) d.severity = level;
            d.action = cell(action);
            d.approval = cell(approval);
            if (d.severity.empty() || d.action.empty()) continue;
            if (std::any_of(book_.matrix.begin(), book_.matrix.end(),
                            [&](const runbook_decision& o) { return o.severity == d.severity; }))
                continue;
            book_.matrix.push_back(std::move(d));
        }
        if (!book_.matrix.empty()) book_.matrix_line = b.line;
    }

    void checklist_item(const md_block& b, const std::string& intro, const std::string& heading) {
        const auto side = [](const std::string& text) {
            const auto t = lower(text);
            if (has_word(t, "after") || t.find("post-") != std::string::npos || has_word(t, "post"))
                return 2;
            if (has_word(t, "before") || has_word(t, "prior") ||
                t.find("pre-") != std::string::npos)
                return 1;
            return 0;
        };
        int which = side(intro);
        if (which == 0) which = side(heading);
        const auto text = trim(b.text);
        if (text.empty()) return;
        if (which == 0) {
            book_.unread.emplace_back(
                b.line, fmt::format("checklist item '{}': neither before nor after the rollback "
                                    "(say so in the line before the list)",
                                    text));
            return;
        }
        (which == 1 ? book_.before : book_.after).push_back({b.line, text});
    }

    runbook book_;
};

/// The runbook in `markdown`, read.
[[nodiscard]] inline runbook read_runbook(std::string_view markdown) {
    return runbook_reader().read(markdown_walk::read(markdown));
}

} // namespace rollcheck::detail::draft
