/// \file detail/draft/runbook.hpp
/// A runbook's sections read as a plan reads them: which sections hold
/// rollback steps (the phases), each step at its line with the comment or
/// text it stands under, each phase's recovery target and risk, the
/// decision matrix and the checklists.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../../crontab.hpp"
#include "../../plan_draft.hpp"
#include "markdown.hpp"
#include "shell.hpp"

namespace rollcheck::detail::draft {

/// One rollback step, as the runbook prints it.
struct runbook_step {
    enum class type { shell, sql, cron_entry };
    type what = type::shell;
    std::size_t line = 0;
    std::string text;    ///< as printed; a statement over several lines joined by spaces
    std::string context; ///< the comment, item or paragraph it stands under
};

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

// Words ----------------------------------------------------------------------------

[[nodiscard]] inline std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

[[nodiscard]] inline std::string trim(std::string_view text, std::string_view blanks = " \t\r\n") {
    const auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(blanks);
    return std::string(text.substr(first, last - first + 1));
}

/// Whether `word` occurs in `text` as a whole word (case as given).
[[nodiscard]] inline bool has_word(std::string_view text, std::string_view word) {
    const auto is_letter = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !is_letter(text[at - 1]);
        const auto end = at + word.size();
        if (starts && (end == text.size() || !is_letter(text[end]))) return true;
    }
    return false;
}

/// "critical", "high", "medium" or "low" as `text` names a risk, else "".
[[nodiscard]] inline std::string risk_of(std::string_view text) {
    const auto t = lower(text);
    if (has_word(t, "critical")) return "critical";
    for (const auto& [word, level] :
         {std::pair{"high", "high"}, {"medium", "medium"}, {"moderate", "medium"}, {"low", "low"}})
        for (const auto& form : {fmt::format("{} risk", word), fmt::format("{}-risk", word),
                                 fmt::format("risk: {}", word), fmt::format("severity: {}", word)})
            if (has_word(t, form)) return level;
    return {};
}

// Durations --------------------------------------------------------------------------

/// `seconds` as the plan writes a duration: "1h", "1h30m", "15m", "90s".
[[nodiscard]] inline std::string duration_text(long long seconds) {
    if (seconds % 60 != 0) return fmt::format("{}s", seconds);
    const auto minutes = seconds / 60;
    if (minutes % 60 == 0) return fmt::format("{}h", minutes / 60);
    if (minutes > 60) return fmt::format("{}h{}m", minutes / 60, minutes % 60);
    return fmt::format("{}m", minutes);
}

/// The upper bound of a recovery time as a runbook words it ("< 5
/// minutes", "10-15 minutes", "30-60 minutes (database restore)", "1-2
/// hours", "90 seconds"), in seconds; 0 when it holds none.
[[nodiscard]] inline long long recovery_seconds(std::string_view text) {
    const auto t = lower(text);
    long long most = 0;
    std::vector<double> pending; // numbers waiting for their unit: "10-15 minutes"
    std::size_t i = 0;
    while (i < t.size()) {
        if (std::isdigit(static_cast<unsigned char>(t[i])) == 0) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) != 0 ||
                                  (t[end] == '.' && end + 1 < t.size() &&
                                   std::isdigit(static_cast<unsigned char>(t[end + 1])) != 0)))
            ++end;
        pending.push_back(std::stod(t.substr(i, end - i)));
        std::size_t u = end;
        while (u < t.size() && t[u] == ' ')
            ++u;
        std::size_t unit_end = u;
        while (unit_end < t.size() && std::isalpha(static_cast<unsigned char>(t[unit_end])) != 0)
            ++unit_end;
        const auto unit = t.substr(u, unit_end - u);
        long long scale = 0;
        if (unit == "s" || unit.rfind("sec", 0) == 0) scale = 1;
        if (unit == "m" || unit.rfind("min", 0) == 0) scale = 60;
        if (unit == "h" || unit == "hr" || unit == "hrs" || unit.rfind("hour", 0) == 0)
            scale = 3600;
        if (unit == "d" || unit.rfind("day", 0) == 0) scale = 86400;
        if (scale != 0) {
            for (const double n : pending)
                most = std::max(most, static_cast<long long>(n * static_cast<double>(scale)));
            pending.clear();
        } else if (!unit.empty() && unit != "to") {
            pending.clear();
        }
        i = unit_end > end ? unit_end : end;
    }
    return most;
}

// Steps ------------------------------------------------------------------------------

/// Whether `line` starts an SQL statement.
[[nodiscard]] inline bool starts_sql(std::string_view line) {
    static constexpr std::string_view words[] = {"select", "with",     "insert",  "update",
                                                 "delete", "truncate", "alter",   "create",
                                                 "drop",   "vacuum",   "analyze", "reindex"};
    const auto first = lower(line.substr(0, line.find_first_of(" \t(;")));
    return std::find(std::begin(words), std::end(words), first) != std::end(words);
}

/// Whether the comment `text` is a crontab entry ("0 2 * * * python job.py").
[[nodiscard]] inline bool crontab_entry(const std::string& text) {
    const auto first = text.empty() ? '\0' : text[0];
    if (first != '@' && first != '*' && std::isdigit(static_cast<unsigned char>(first)) == 0)
        return false;
    crontab_options options;
    options.check_programs = false;
    const auto parsed = parse_crontab(text + "\n", "runbook", options);
    return parsed.entries.size() == 1 && parsed.count(cron_severity::error) == 0;
}

/// A comment's text without its marks and numbering: "# 5. Verify it" → "Verify it".
[[nodiscard]] inline std::string comment_text(std::string_view line) {
    auto text = trim(line, " \t#-");
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0)
        ++digits;
    if (digits > 0 && digits < text.size() && (text[digits] == '.' || text[digits] == ')'))
        text = trim(std::string_view(text).substr(digits + 1));
    return text;
}

/// Whether a code span holds a command rather than a name: its program is
/// one a runbook runs, a script, or a statement.
[[nodiscard]] inline bool looks_like_command(const std::string& text) {
    if (starts_sql(text) && text.find(' ') != std::string::npos) return true;
    const auto commands = shell_commands(text);
    if (commands.empty()) return false;
    const auto words = program_words(commands.front().words);
    if (words.empty()) return false;
    const auto program = program_name(words[0]);
    static const std::set<std::string> known = {"rm",        "rmdir",      "git",
                                                "cp",        "mv",         "rsync",
                                                "ln",        "python",     "python2",
                                                "python3",   "pytest",     "pip",
                                                "psql",      "pg_restore", "pg_dump",
                                                "pg_ctl",    "killall",    "pkill",
                                                "kill",      "docker",     "docker-compose",
                                                "podman",    "kubectl",    "helm",
                                                "systemctl", "service",    "supervisorctl",
                                                "crontab",   "tail",       "less",
                                                "grep",      "journalctl", "curl",
                                                "wget",      "mail",       "mailx",
                                                "sendmail",  "make",       "ansible-playbook",
                                                "terraform", "alembic",    "bash",
                                                "sh",        "sleep",      "tar",
                                                "unzip",     "redis-cli",  "mysql"};
    if (known.count(program) != 0) return true;
    const auto& first = words[0];
    const auto ends = [&](std::string_view suffix) {
        return first.size() > suffix.size() &&
               first.compare(first.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return first.rfind("./", 0) == 0 || ends(".sh") || ends(".py");
}

/// Reads a section's blocks into steps, collecting what it cannot read.
class step_reader {
public:
    explicit step_reader(runbook_phase& phase) : phase_(phase) {}

    void block(const md_block& b, const md_block* before) {
        // The text just before a block is what it stands under ("Verify:").
        const std::string lead =
            before != nullptr && before->what == md_block::type::paragraph ? before->text : "";
        if (b.what == md_block::type::code) return code(b, lead);
        if (b.what == md_block::type::item)
            for (const auto& span : b.spans)
                if (looks_like_command(span.text))
                    add(starts_sql(span.text) ? runbook_step::type::sql : runbook_step::type::shell,
                        span.line, trim(span.text), b.text);
    }

private:
    void add(runbook_step::type what, std::size_t line, std::string text, std::string context) {
        runbook_step s;
        s.what = what;
        s.line = line;
        s.text = std::move(text);
        s.context = std::move(context);
        phase_.steps.push_back(std::move(s));
    }

    void code(const md_block& b, const std::string& lead) {
        const auto info = lower(b.info);
        static constexpr std::string_view shells[] = {"",    "bash",    "sh",           "shell",
                                                      "zsh", "console", "shell-session"};
        static constexpr std::string_view sqls[] = {"sql", "psql", "pgsql", "postgresql"};
        static constexpr std::string_view notes[] = {"yaml", "yml", "toml", "ini", "text", "txt"};
        if (std::find(std::begin(notes), std::end(notes), info) != std::end(notes)) return;
        const bool sql = std::find(std::begin(sqls), std::end(sqls), info) != std::end(sqls);
        if (!sql && std::find(std::begin(shells), std::end(shells), info) == std::end(shells)) {
            phase_.unread.emplace_back(
                b.line,
                fmt::format("a ```{} block: only shell and SQL blocks are read as steps", b.info));
            return;
        }
        lines(b, lead, sql);
    }

    void lines(const md_block& b, const std::string& lead, bool sql_only) {
        std::string context = lead;
        bool after_crontab = false;
        std::string statement; // an SQL statement over several lines
        std::size_t statement_line = 0;
        const auto flush = [&] {
            if (!statement.empty())
                add(runbook_step::type::sql, statement_line, trim(statement), context);
            statement.clear();
        };
        std::vector<std::string> all;
        for (std::size_t start = 0; start <= b.text.size();) {
            const auto end = b.text.find('\n', start);
            all.push_back(b.text.substr(start, end == std::string::npos ? end : end - start));
            if (end == std::string::npos) break;
            start = end + 1;
        }
        if (!all.empty() && all.back().empty()) all.pop_back();
        for (std::size_t i = 0; i < all.size(); ++i) {
            const std::size_t line = b.line + i;
            auto text = trim(all[i]);
            if (text.empty()) {
                flush();
                context = lead;
                after_crontab = false;
                continue;
            }
            if (!statement.empty()) {
                statement += " " + text;
                if (text.back() == ';') flush();
                continue;
            }
            if (text.rfind("--", 0) == 0 || (!sql_only && text[0] == '#')) {
                const auto comment = comment_text(text);
                if (!sql_only && after_crontab && crontab_entry(comment))
                    add(runbook_step::type::cron_entry, line, comment, context);
                else if (!comment.empty())
                    context = comment;
                continue;
            }
            if (sql_only || starts_sql(text)) {
                statement = text;
                statement_line = line;
                if (text.back() == ';') flush();
                continue;
            }
            if (text.rfind("$ ", 0) == 0) text = trim(std::string_view(text).substr(2));
            // A continued line is one step with the lines it continues.
            while (!text.empty() && text.back() == '\\' && i + 1 < all.size()) {
                text.pop_back();
                text = trim(text) + " " + trim(all[++i]);
            }
            std::string comment;
            const auto commands = shell_commands(text, &comment);
            for (const auto& c : commands) {
                const auto words = program_words(c.words);
                if (!words.empty() && program_name(words[0]) == "crontab") after_crontab = true;
            }
            // A comment at the line's end speaks for that line alone.
            comment = comment_text(comment);
            add(runbook_step::type::shell, line, text, comment.empty() ? context : comment);
        }
        flush();
    }

    runbook_phase& phase_;
};

// Sections ---------------------------------------------------------------------------

/// `text` as an id: lower-case letters, digits and dashes.
[[nodiscard]] inline std::string slug(std::string_view text) {
    std::string out;
    for (const char c : lower(text)) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0)
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
        if (out.size() >= 40) break;
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? "phase" : out;
}

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

/// A "Key: value" line as (key in lower case, marks dropped; value), or nothing.
[[nodiscard]] inline std::optional<std::pair<std::string, std::string>>
label_value(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto key = lower(trim(line.substr(0, colon), " \t*_-"));
    std::replace(key.begin(), key.end(), '_', ' ');
    return std::make_pair(key, trim(line.substr(colon + 1), " \t*"));
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
        step_reader steps(phase);
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
                if (seconds > 0 && phase.recovery.empty()) {
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
