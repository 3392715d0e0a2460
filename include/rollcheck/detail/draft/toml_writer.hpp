/// \file detail/draft/toml_writer.hpp
/// A drafted plan written as the plan file it is: strings quoted and
/// escaped by toml++, each phase with its steps, its TODOs and warnings as
/// comments at the runbook's lines, then its checks.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "model.hpp"

namespace rollcheck::detail::draft {

/// `text` as a TOML basic string, escaped as TOML wants it.
[[nodiscard]] inline std::string toml_quoted(const std::string& text) {
    std::ostringstream out;
    out << toml::toml_formatter{toml::value<std::string>(text),
                                toml::format_flags::allow_unicode_strings};
    return out.str();
}

/// `values` as a TOML array of strings, on one line when it fits.
[[nodiscard]] inline std::string toml_array(const std::vector<std::string>& values,
                                            std::size_t indent) {
    std::vector<std::string> quoted;
    std::size_t width = indent + 2;
    for (const auto& v : values) {
        quoted.push_back(toml_quoted(v));
        width += quoted.back().size() + 2;
    }
    if (width <= 99) return fmt::format("[{}]", fmt::join(quoted, ", "));
    std::string out = "[\n";
    for (const auto& q : quoted)
        out += fmt::format("    {},\n", q);
    return out + "]";
}

/// `raw` as a TOML comment may hold it: no control character but the tab,
/// the runbook's shown as "\xNN".
[[nodiscard]] inline std::string printable(std::string_view raw) {
    std::string text;
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7f)
            text += fmt::format("\\x{:02x}", byte);
        else
            text += c;
    }
    return text;
}

/// `raw` as comment lines of at most 79 columns, the first after `raw_lead`;
/// after a lead ("TODO RUNBOOK.md:12: "), the lines that follow are indented.
[[nodiscard]] inline std::string comment_lines(std::string_view raw_lead, std::string_view raw) {
    const auto lead = printable(raw_lead);
    const auto text = printable(raw);
    const std::string next = lead.empty() ? "# " : "#   ";
    std::string out;
    std::string line = fmt::format("# {}", lead);
    bool empty = true; // no word on `line` yet
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        const auto word = text.substr(start, end - start);
        if (!empty && line.size() + 1 + word.size() > 79) {
            out += line + "\n";
            line = next;
        } else if (!empty) {
            line += ' ';
        }
        line += word;
        empty = false;
        start = end + 1;
    }
    return out + line + "\n";
}

class toml_writer {
public:
    explicit toml_writer(const drafted_plan& plan) : plan_(plan) {}

    [[nodiscard]] std::string write(std::string_view summary) && {
        out_ += comment_lines("", fmt::format("Drafted by `rollcheck plan draft` from {}: a "
                                              "start, not a finished plan. Read each TODO and "
                                              "WARNING below, give each check its severity and "
                                              "each value its system's, then check it with "
                                              "`rollcheck-suite --plan THIS.toml --list-tests`. "
                                              "docs/plans.md describes the format.",
                                              plan_.runbook));
        out_ += comment_lines("", fmt::format("{}.", summary));
        out_ += fmt::format("\n[plan]\nname = {}\n", toml_quoted(plan_.name));
        if (!plan_.title.empty()) out_ += fmt::format("title = {}\n", toml_quoted(plan_.title));
        defaults();
        for (const auto& n : plan_.notes)
            note_lines(n);
        for (const auto& phase : plan_.phases)
            write_phase(phase, false);
        for (const auto& phase : plan_.unchecked)
            write_phase(phase, true);
        matrix();
        checklists();
        return std::move(out_);
    }

private:
    void defaults() {
        static constexpr std::string_view order[] = {"project", "database", "cron", "logs",
                                                     "pipeline"};
        bool any = false;
        for (const auto section : order) {
            bool opened = false;
            for (const auto& v : plan_.values) {
                if (v.section != section) continue;
                if (!any)
                    out_ += "\n" + comment_lines("", "The runbook's own values, which a target "
                                                     "of this system may override "
                                                     "(docs/target.md).");
                any = true;
                if (!opened) out_ += fmt::format("\n[defaults.{}]\n", section);
                opened = true;
                if (!v.comment.empty() || v.line != 0)
                    out_ += comment_lines(
                        "", v.line == 0 ? v.comment
                            : v.comment.empty()
                                ? fmt::format("{}:{}", plan_.runbook, v.line)
                                : fmt::format("{}:{}: {}", plan_.runbook, v.line, v.comment));
                const auto value = v.list             ? toml_array(v.values, v.key.size() + 3)
                                   : v.values.empty() ? toml_quoted("")
                                                      : toml_quoted(v.values.front());
                if (v.given)
                    out_ += fmt::format("{} = {}\n", v.key, value);
                else if (section == "pipeline")
                    // Declared, so that ${pipeline.KEY} names it; empty, so the target gives it.
                    out_ += fmt::format("{} = \"\"\n", v.key);
                else
                    out_ += fmt::format("# {} = {}\n", v.key, value);
            }
        }
    }

    void note_lines(const phase_note& n) {
        static constexpr std::string_view labels[] = {"TODO", "WARNING", "NOTE"};
        const auto label = labels[static_cast<int>(n.what)];
        out_ += comment_lines(fmt::format("{} {}:{}: ", label, plan_.runbook, n.line), n.message);
    }

    void write_phase(const drafted_phase& phase, bool unchecked) {
        out_ += "\n# " + std::string(77, '-') + "\n";
        out_ += comment_lines("", fmt::format("{}: \"{}\"",
                                              plan_.runbook + ":" + std::to_string(phase.line),
                                              phase.heading));
        if (unchecked)
            out_ += comment_lines("TODO: ", "no step of this phase was drafted as a check, and "
                                            "a plan's phase needs one: write its checks, then "
                                            "uncomment it.");
        const std::string lead = unchecked ? "# " : "";
        out_ += lead + "[[phase]]\n";
        out_ += lead + fmt::format("id = {}\n", toml_quoted(phase.id));
        out_ += lead + fmt::format("title = {}\n", toml_quoted(phase.title));
        if (!phase.recovery.empty())
            out_ += lead + fmt::format("recovery = {} # {}\n", toml_quoted(phase.recovery),
                                       printable(phase.recovery_comment));
        else
            out_ += comment_lines("TODO: ", "the runbook gives this phase no recovery time: "
                                            "recovery = \"15m\" says when it must be green.");
        for (const auto& step : phase.steps) {
            out_ += lead + "[[phase.step]]\n";
            out_ += lead + fmt::format("id = {}\n", toml_quoted(step.id));
            out_ += lead + fmt::format("run = {}\n", toml_quoted(step.run));
        }
        if (!phase.notes.empty()) out_ += "\n";
        for (const auto& n : phase.notes)
            note_lines(n);
        for (const auto& c : phase.checks)
            write_check(c, phase, lead);
    }

    void write_check(const drafted_check& c, const drafted_phase& phase, const std::string& lead) {
        out_ += "\n";
        for (const auto& comment : c.comments)
            out_ += comment_lines("", comment);
        out_ += lead + "[[check]]\n";
        out_ += lead + fmt::format("id = {}\n", toml_quoted(c.id));
        out_ += lead + fmt::format("phase = {}\n", toml_quoted(c.phase));
        out_ += lead + fmt::format("severity = {} # {}\n", toml_quoted(c.severity),
                                   printable(phase.severity_comment));
        out_ += lead + fmt::format("title = {}\n", toml_quoted(c.title));
        out_ += lead + fmt::format("kind = {}\n", toml_quoted(c.kind));
        out_ += lead + fmt::format("source = {}\n", toml_quoted(c.source));
        if (c.before) out_ += lead + "before = true\n";
        out_ += lead + fmt::format("steps = {}\n", toml_array(c.steps, 8));
        for (const auto& o : c.options) {
            if (o.form == draft_option::shape::flag)
                out_ += lead + fmt::format("{} = true\n", o.name);
            else if (o.form == draft_option::shape::list)
                out_ += lead +
                        fmt::format("{} = {}\n", o.name, toml_array(o.values, o.name.size() + 3));
            else
                out_ += lead + fmt::format("{} = {}\n", o.name, toml_quoted(o.values.front()));
        }
    }

    void matrix() {
        if (plan_.matrix.empty()) return;
        out_ += "\n# " + std::string(77, '-') + "\n";
        out_ += comment_lines("", fmt::format("The runbook's decision matrix, {}:{}.",
                                              plan_.runbook, plan_.matrix_line));
        out_ += "[matrix]\n";
        for (const auto& row : plan_.matrix) {
            out_ += fmt::format("{} = {{ action = {}", row.severity, toml_quoted(row.action));
            if (!row.approval.empty())
                out_ += fmt::format(", approval = {}", toml_quoted(row.approval));
            out_ += " }\n";
        }
    }

    void checklists() {
        if (plan_.before.empty() && plan_.after.empty()) return;
        out_ += "\n" + comment_lines("", fmt::format("The runbook's checklists, {}:{}. What "
                                                     "ticks an item after the rollback (proof) "
                                                     "is guessed from its words: check it.",
                                                     plan_.runbook, plan_.checklist_line));
        out_ += "[checklists]\n";
        if (!plan_.before.empty())
            out_ += fmt::format("before = {}\n", toml_array(plan_.before, 9));
        for (const auto& item : plan_.after) {
            out_ += "\n[[checklists.after]]\n";
            out_ += fmt::format("text = {}\n", toml_quoted(item.text));
            if (!item.proof.empty()) out_ += fmt::format("proof = {}\n", toml_quoted(item.proof));
            if (!item.kinds.empty()) out_ += fmt::format("kinds = {}\n", toml_array(item.kinds, 8));
        }
    }

    const drafted_plan& plan_;
    std::string out_;
};

} // namespace rollcheck::detail::draft
