/// \file detail/draft/steps.hpp
/// A section's blocks read as rollback steps: each line of a shell or SQL
/// code block (a comment line the context of those under it, a continued
/// line one step, an SQL statement until its `;`, a crontab entry shown in
/// a comment after `crontab`), and each command in `code` of a list item.
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

#include "../../crontab.hpp"
#include "markdown.hpp"
#include "shell.hpp"
#include "words.hpp"

namespace rollcheck::detail::draft {

/// One rollback step, as the runbook prints it.
struct runbook_step {
    enum class type { shell, sql, cron_entry };
    type what = type::shell;
    std::size_t line = 0;
    std::string text;    ///< as printed; a statement over several lines joined by spaces
    std::string context; ///< the comment, item or paragraph it stands under
};

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
    step_reader(std::vector<runbook_step>& steps,
                std::vector<std::pair<std::size_t, std::string>>& unread)
        : steps_(steps), unread_(unread) {}

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
        steps_.push_back(std::move(s));
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
            unread_.emplace_back(
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

    std::vector<runbook_step>& steps_;
    std::vector<std::pair<std::size_t, std::string>>& unread_;
};

} // namespace rollcheck::detail::draft
