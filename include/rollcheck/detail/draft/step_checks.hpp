/// \file detail/draft/step_checks.hpp
/// One rollback step to the checks that prove it, the notes it deserves
/// (the runbook's traps), or a TODO saying why no check was drafted: each
/// command a runbook runs (`rm -rf`, `git checkout`, `cp`, `killall`,
/// `docker-compose down`, `pg_restore`, `psql -c`, `pytest`, `python`,
/// `crontab -e`, `tail -f`, `mail`) and each SQL statement.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "../../crontab.hpp"
#include "model.hpp"
#include "runbook.hpp"
#include "shell.hpp"
#include "sql.hpp"
#include "values.hpp"

namespace rollcheck::detail::draft {

/// `paths` joined for a title: "a, b and c".
[[nodiscard]] inline std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return out;
}

/// `path` as the Python module it is ("core/fetchers/db.py" →
/// "core.fetchers.db"), or "" when it is none (a glob, a test file, a name
/// Python cannot import).
[[nodiscard]] inline std::string module_of(std::string path) {
    if (path.find_first_of("*?[") != std::string::npos || path.empty() || path[0] == '/') return {};
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".py") == 0)
        path.resize(path.size() - 3);
    else if (path.find('.') != std::string::npos)
        return {};
    std::string module;
    for (std::size_t start = 0; start <= path.size();) {
        const auto end = path.find('/', start);
        const auto part = path.substr(start, end == std::string::npos ? end : end - start);
        const bool identifier =
            !part.empty() && std::isdigit(static_cast<unsigned char>(part[0])) == 0 &&
            std::all_of(part.begin(), part.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
            });
        if (!identifier) return {};
        module += (module.empty() ? "" : ".") + part;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return module;
}

/// A name as a key of `[defaults.pipeline]`: "run_unified_pipeline.py" → "run_unified_pipeline".
[[nodiscard]] inline std::string pipeline_key(std::string name) {
    name = program_name(name);
    if (const auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    std::string key;
    for (const char c : lower(name))
        key += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    return key.empty() ? "process" : key;
}

/// `text` with RE2's special characters escaped.
[[nodiscard]] inline std::string re2_literal(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

/// Whether a verify line stands over the step: "# Verify old system works".
[[nodiscard]] inline bool verifies(const std::string& context) {
    const auto t = lower(context);
    for (const char* word :
         {"verify", "confirm", "check", "test", "validate", "ensure", "works", "smoke", "sanity"})
        if (t.find(word) != std::string::npos) return true;
    return false;
}

/// The words after the program that are not options, `with_value` naming
/// the options that take the next word.
[[nodiscard]] inline std::vector<std::string>
operands(const std::vector<std::string>& words, std::size_t from,
         const std::set<std::string>& with_value = {}) {
    std::vector<std::string> out;
    bool options = true;
    for (std::size_t i = from; i < words.size(); ++i) {
        const auto& w = words[i];
        if (options && w == "--") {
            options = false;
        } else if (options && w.size() > 1 && w[0] == '-') {
            if (with_value.count(w) != 0) ++i;
        } else {
            out.push_back(w);
        }
    }
    return out;
}

/// The value of option `names` (`-d NAME`, `--dbname=NAME`), or "".
[[nodiscard]] inline std::string option_value(const std::vector<std::string>& words,
                                              const std::set<std::string>& names) {
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (names.count(words[i]) != 0 && i + 1 < words.size()) return words[i + 1];
        const auto equals = words[i].find('=');
        if (equals != std::string::npos && names.count(words[i].substr(0, equals)) != 0)
            return words[i].substr(equals + 1);
    }
    return {};
}

[[nodiscard]] inline bool has_flag(const std::vector<std::string>& words,
                                   const std::set<std::string>& names, char letter = 0) {
    for (const auto& w : words) {
        if (names.count(w) != 0) return true;
        // Bundled short flags: -rf, -9f.
        if (letter != 0 && w.size() > 1 && w[0] == '-' && w[1] != '-' &&
            w.find(letter) != std::string::npos)
            return true;
    }
    return false;
}

/// The SQL of `psql`'s `-c` options: `psql -d shop -c "SELECT …"`.
[[nodiscard]] inline std::vector<std::string>
psql_statements(const std::vector<std::string>& words) {
    std::vector<std::string> statements;
    for (std::size_t i = 1; i < words.size(); ++i) {
        if ((words[i] == "-c" || words[i] == "--command") && i + 1 < words.size())
            statements.push_back(words[++i]);
        else if (words[i].rfind("--command=", 0) == 0)
            statements.push_back(words[i].substr(10));
        else if (words[i].rfind("-c", 0) == 0 && words[i].size() > 2)
            statements.push_back(words[i].substr(2));
    }
    return statements;
}

/// Drafts the checks of one phase's steps.
class step_drafter {
public:
    step_drafter(value_book& values, bool python) : values_(values), python_(python) {}

    /// The checks, notes and TODO of `step`, into `phase`.
    void draft(const runbook_step& step, const std::string& step_id, const std::string& source,
               drafted_phase& phase) {
        if (phase.id != phase_id_) crontab_step_.clear();
        phase_id_ = phase.id;
        step_ = &step;
        step_id_ = step_id;
        source_ = source;
        phase_ = &phase;
        std::string why;
        if (step.what == runbook_step::type::cron_entry)
            cron_entry();
        else if (step.what == runbook_step::type::sql)
            why = sql(step.text);
        else
            why = shell();
        if (!why.empty()) todo(why);
    }

    /// The `.py` files `git checkout` restored: the old system's entry points.
    [[nodiscard]] const std::set<std::string>& restored_scripts() const {
        return restored_scripts_;
    }

private:
    // Notes --------------------------------------------------------------------------

    void note(phase_note::type what, std::string message) {
        phase_->notes.push_back({what, step_->line, std::move(message)});
    }
    void todo(std::string why) {
        note(phase_note::type::todo, fmt::format("`{}`: {}", step_->text, why));
    }
    void warn(std::string message) { note(phase_note::type::warning, std::move(message)); }

    drafted_check& check(std::string kind, std::string title) {
        drafted_check c;
        c.kind = std::move(kind);
        c.title = std::move(title);
        c.source = source_;
        c.steps = {step_id_};
        phase_->checks.push_back(std::move(c));
        return phase_->checks.back();
    }

    // SQL ----------------------------------------------------------------------------

    /// The checks of `text`'s statements; why none, when none.
    std::string sql(const std::string& text) {
        std::string why;
        bool any = false;
        for (const auto& r : read_sql(text)) {
            if (r.what == sql_reading::type::unparsable)
                return fmt::format("the SQL does not parse: {}", r.why);
            if (r.what == sql_reading::type::other) {
                why = r.why;
                continue;
            }
            any = true;
            const auto table = values_.refer("database", "table", r.table, step_->line);
            if (r.what == sql_reading::type::duplicates) {
                const auto key = values_.refer("database", "key", r.key, step_->line);
                check("db.duplicates", fmt::format("no duplicated {} in {}", key, table))
                    .text("dsn", "${database.dsn?}")
                    .text("table", table)
                    .text("key", key);
            } else {
                const auto column = values_.refer("database", "timestamp", r.column, step_->line);
                check("db.recent", fmt::format("rows written to {} in the last {} (by {})", table,
                                               r.window, column))
                    .text("dsn", "${database.dsn?}")
                    .text("table", table)
                    .text("column", column)
                    .text("since", fmt::format("${{rollback.since:-{}}}", r.window));
            }
        }
        if (any) return {};
        return why.empty() ? "no SQL statement in it" : why;
    }

    // Shell --------------------------------------------------------------------------

    /// The checks of a shell line's commands; why none, when none.
    std::string shell() {
        const auto commands = shell_commands(step_->text);
        std::string why;
        bool handled = false;
        for (const auto& c : commands) {
            const auto words = program_words(c.words);
            if (words.empty()) continue;
            std::optional<std::string> result;
            const auto program = program_name(words[0]);
            if (c.background) {
                why = fmt::format("starts `{}` in the background (&): no check waits for it. "
                                  "job.ran can prove it ran since the rollback",
                                  fmt::join(words, " "));
                continue;
            }
            result = command(program, words);
            if (!result) continue;
            if (result->empty())
                handled = true;
            else if (why.empty())
                why = *result;
        }
        if (handled) return {};
        return why.empty() ? "no check kind reads this command: write its check by hand" : why;
    }

    /// A command's checks: "" when handled, a reason when not, nothing when
    /// the command is no step of its own (`echo` into a pipe).
    std::optional<std::string> command(const std::string& program,
                                       const std::vector<std::string>& words) {
        if (program == "rm") return removed(words);
        if (program == "git") return restored_from_git(words);
        if (program == "cp") return restored_from_archive(words);
        if (program == "killall" || program == "pkill") return stopped(program, words);
        if (program == "docker-compose" ||
            (program == "docker" && words.size() > 1 && words[1] == "compose"))
            return containers_down(program == "docker" ? 2 : 1, words);
        if (program == "pg_restore") return backup(words);
        if (program == "psql") return psql(words);
        if (program == "pytest") return tests(words, 1);
        if (program.rfind("python", 0) == 0) return python(words);
        if (program == "crontab") return crontab(words);
        if (program == "tail" || program == "less" || program == "cat") return log(words);
        if (program == "mail" || program == "mailx" || program == "sendmail") return notice(words);
        if (program == "echo" || program == "printf") return std::nullopt;
        if (program == "systemctl" || program == "service") {
            const bool stop = std::find(words.begin(), words.end(), "stop") != words.end();
            return fmt::format("no check of a unit: {} --runs proves that what it runs is {}",
                               stop ? "proc.absent" : "proc.running", stop ? "gone" : "back");
        }
        return fmt::format("no check kind reads `{}`: write its check by hand", program);
    }

    std::string removed(const std::vector<std::string>& words) {
        auto paths = operands(words, 1);
        if (paths.empty()) return "rm of nothing";
        for (auto& p : paths) {
            if (!placeholder_in(p).empty() || p[0] == '~')
                return fmt::format("{} is made of a variable: the check needs the path", p);
            while (p.size() > 1 && p.back() == '/')
                p.pop_back();
        }
        std::vector<std::string> gone;
        for (const auto& p : paths)
            if (auto m = module_of(p); python_ && !m.empty()) gone.push_back(m);
        auto& c = check("files.removed", fmt::format("{} removed{}", joined(paths),
                                                     gone.empty() ? "" : " and not importable"));
        c.text("root", "${project.root}").list("paths", paths);
        if (!gone.empty())
            c.text("python", "${project.python}")
                .list("env", {"${project.environment?}"})
                .list("module", {"${project.old_modules?}"})
                .list("entry-point", {"${project.entry_points?}"})
                .list("gone", gone);
        return {};
    }

    std::string restored_from_git(const std::vector<std::string>& words) {
        if (words.size() < 2 || (words[1] != "checkout" && words[1] != "restore"))
            return fmt::format("`git {}` is no file restore: write its check by hand",
                               words.size() > 1 ? words[1] : "");
        std::string revision;
        std::vector<std::string> paths;
        if (words[1] == "checkout") {
            const auto dashes = std::find(words.begin(), words.end(), "--");
            if (dashes == words.end())
                return "git checkout without `--` switches the checkout: no file restore to check";
            for (auto w = words.begin() + 2; w != dashes; ++w)
                if ((*w)[0] != '-') revision = *w;
            paths.assign(dashes + 1, words.end());
        } else {
            revision = option_value(words, {"--source", "-s"});
            paths = operands(words, 2, {"--source", "-s"});
        }
        if (paths.empty()) return "restores no path";
        for (auto& p : paths)
            while (p.size() > 1 && p.back() == '/')
                p.pop_back();
        if (revision.empty() || revision == "HEAD") {
            warn(fmt::format(
                "`{}` restores the files as {}: when the migration was committed, {} holds "
                "it, and this restores nothing. Name the commit before the migration (its tag "
                "or hash) as [project] revision, which files.restored compares with",
                step_->text, revision.empty() ? "the index has them" : "the last commit has them",
                revision.empty() ? "the index" : "HEAD"));
        }
        std::string reference = "${project.revision}";
        if (!revision.empty() && revision != "HEAD")
            reference = values_.refer("project", "revision", revision, step_->line);
        for (const auto& p : paths)
            if (p.size() > 3 && p.compare(p.size() - 3, 3, ".py") == 0) restored_scripts_.insert(p);
        check("files.restored", fmt::format("{} identical to {}", joined(paths), reference))
            .text("root", "${project.root}")
            .text("revision", reference)
            .list("paths", paths);
        return {};
    }

    std::string restored_from_archive(const std::vector<std::string>& words) {
        auto files = operands(words, 1, {"-t", "--target-directory"});
        if (files.size() < 2) return "cp of one path: nothing to compare";
        auto into = files.back();
        files.pop_back();
        while (into.size() > 1 && into.back() == '/')
            into.pop_back();
        std::string from;
        std::vector<std::string> names;
        for (const auto& f : files) {
            const auto slash = f.rfind('/');
            const auto dir = slash == std::string::npos ? "." : f.substr(0, slash);
            if (!from.empty() && dir != from)
                return "copies from several directories: one check per directory";
            from = dir;
            names.push_back(slash == std::string::npos ? f : f.substr(slash + 1));
        }
        const bool glob = std::any_of(names.begin(), names.end(), [](const std::string& n) {
            return n.find_first_of("*?[") != std::string::npos;
        });
        if (glob)
            warn(fmt::format("`{}` copies every file of {} that {} matches, a stray one "
                             "included, and leaves in {}/ the files the archive lacks. "
                             "files.restored compares the archive's files only: compare the "
                             "listing of {}/ with the archive's too",
                             step_->text, from, joined(names), into, into));
        const auto archive = values_.refer("pipeline", "archive", from, step_->line);
        const auto root = into[0] == '/' ? into : "${project.root}/" + into;
        check("files.restored",
              fmt::format("{}/{} identical to the copies in {}", into, joined(names), archive))
            .text("root", root)
            .text("archive", archive)
            .list("paths", names);
        return {};
    }

    std::string stopped(const std::string& program, const std::vector<std::string>& words) {
        const bool whole_line = program == "pkill" && has_flag(words, {"-f", "--full"}, 'f');
        const auto names = operands(
            words, 1, {"-s", "--signal", "-u", "--user", "-U", "-g", "-G", "-P", "-t", "-o"});
        if (names.empty()) return fmt::format("{} of no process", program);
        for (const auto& name : names) {
            const bool script =
                name.find('/') != std::string::npos ||
                std::any_of(std::begin(script_suffixes), std::end(script_suffixes),
                            [&](std::string_view s) {
                                return name.size() > s.size() &&
                                       name.compare(name.size() - s.size(), s.size(), s) == 0;
                            });
            if (!whole_line && script)
                warn(fmt::format("`{}` matches a process by its name, and a script's process "
                                 "is named after its interpreter (python3): it stops nothing. "
                                 "`pkill -f {}` matches the command line; proc.absent proves "
                                 "that none runs",
                                 step_->text, name));
            else if (!whole_line && name.size() > 15)
                warn(fmt::format("`{}`: the kernel keeps 15 characters of a process's name, "
                                 "and {} is longer: it matches nothing. `pkill -f` matches the "
                                 "command line",
                                 step_->text, name));
            const auto key = pipeline_key(name.substr(0, name.find(' ')));
            const auto pattern = values_.refer(
                "pipeline", key, whole_line ? name : re2_literal(program_name(stem(name))),
                step_->line, fmt::format("what `{}` stops: proc.absent looks for it", step_->text));
            check("proc.absent", fmt::format("no process runs {}", pattern))
                .flag("runs")
                .text("wait", "5s")
                .text("pattern", pattern);
        }
        return {};
    }

    [[nodiscard]] static std::string stem(const std::string& name) {
        for (const std::string_view s : script_suffixes)
            if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
                return name.substr(0, name.size() - s.size());
        return name;
    }

    std::string containers_down(std::size_t verb_from, const std::vector<std::string>& words) {
        static const std::set<std::string> with_value = {
            "-f", "--file", "-p", "--project-name", "--env-file", "--profile"};
        const auto verbs = operands(words, verb_from, with_value);
        const auto verb = verbs.empty() ? "" : verbs.front();
        if (verb != "down" && verb != "stop" && verb != "kill" && verb != "rm")
            return fmt::format("compose `{}`: only down, stop, kill and rm are checked "
                               "(containers.down)",
                               verb);
        const auto file = option_value(words, {"-f", "--file"});
        const auto named = option_value(words, {"-p", "--project-name"});
        std::string project;
        if (!named.empty()) {
            project = values_.refer("pipeline", "compose_project", named, step_->line);
        } else {
            values_.leave("pipeline", "compose_project", false,
                          fmt::format("the compose project `{}` stops: `docker compose ls` "
                                      "names it (by default, the directory of {})",
                                      step_->text, file.empty() ? "docker-compose.yml" : file));
            project = "${pipeline.compose_project}";
        }
        auto& c = check("containers.down",
                        fmt::format("no container of the compose project {}{} runs", project,
                                    file.empty() ? "" : fmt::format(" ({})", file)));
        c.text("project", project);
        if (!file.empty()) c.text("file", file);
        if (verb == "down" || verb == "rm") c.flag("removed");
        return {};
    }

    std::string backup(const std::vector<std::string>& words) {
        const auto files =
            operands(words, 1, {"-d", "--dbname",   "-f", "--file",      "-U",    "--username",
                                "-h", "--host",     "-p", "--port",      "-j",    "--jobs",
                                "-n", "--schema",   "-t", "--table",     "-F",    "--format",
                                "-L", "--use-list", "-I", "--index",     "-P",    "--function",
                                "-T", "--trigger",  "-S", "--superuser", "--role"});
        if (files.empty())
            return "pg_restore reading stdin: the archive is not named, so no check of it";
        const auto& file = files.back();
        const auto lowered = lower(file);
        if (lowered.size() > 4 && (lowered.compare(lowered.size() - 4, 4, ".sql") == 0 ||
                                   lowered.find(".sql.") != std::string::npos))
            warn(fmt::format("`{}`: pg_restore reads the archives pg_dump -Fc, -Fd and -Ft "
                             "write; {} looks like a plain SQL script, which pg_restore refuses "
                             "(psql -f restores one). db.backup checks the archive before the "
                             "rollback",
                             step_->text, file));
        if (!has_flag(words, {"-c", "--clean"}, 'c'))
            warn(fmt::format("`{}` restores without --clean: the tables keep the rows written "
                             "since the backup, and a restored row whose key is already there "
                             "fails its table's load, or, with no unique key, is doubled. Give "
                             "--clean --if-exists, or restore into an empty database",
                             step_->text));
        const auto archive = values_.refer("database", "backup", file, step_->line);
        auto& c = check(
            "db.backup",
            values_.has("database", "table")
                ? fmt::format("the backup {} holds the data of ${{database.table}}, taken "
                              "before the rollback",
                              archive)
                : fmt::format("the backup {} is readable, taken before the rollback", archive));
        c.before = true;
        c.text("archive", archive);
        if (values_.has("database", "table")) c.list("table", {"${database.table}"});
        c.text("taken-before", "${rollback.since?}");
        if (const auto db = option_value(words, {"-d", "--dbname"}); !db.empty())
            c.comments.push_back(fmt::format(
                "It restores into the database {}: checked before the rollback starts.", db));
        return {};
    }

    std::string psql(const std::vector<std::string>& words) {
        const auto statements = psql_statements(words);
        if (statements.empty()) return "psql without -c: its SQL is not in the line";
        std::string why;
        bool any = false;
        for (const auto& s : statements) {
            const auto result = sql(s);
            if (result.empty())
                any = true;
            else if (why.empty())
                why = result;
        }
        return any ? std::string() : why;
    }

    std::string tests(const std::vector<std::string>& words, std::size_t args_from) {
        std::vector<std::string> command = {"${project.python}", "-m", "pytest"};
        command.insert(command.end(), words.begin() + static_cast<std::ptrdiff_t>(args_from),
                       words.end());
        check("run", fmt::format("the tests pass: {}", step_->text))
            .text("cwd", "${project.root}")
            .text("timeout", "10m")
            .list("env", {"${project.environment?}", "PYTHONDONTWRITEBYTECODE=1",
                          "PYTEST_ADDOPTS=-p no:cacheprovider"})
            .list("command", command);
        return {};
    }

    std::string python(const std::vector<std::string>& words) {
        std::size_t at = 1;
        while (at < words.size() && words[at].size() > 1 && words[at][0] == '-' &&
               words[at] != "-m" && words[at] != "-c")
            ++at;
        if (at + 1 < words.size() && words[at] == "-m" && words[at + 1] == "pytest")
            return tests(words, at + 2);
        if (at < words.size() && words[at] == "-c")
            return "python -c: a program in the line, no script to check";
        if (at >= words.size()) return "python without a script";
        const std::string script =
            words[at] == "-m" && at + 1 < words.size() ? "-m " + words[at + 1] : words[at];
        if (!verifies(step_->context))
            return fmt::format("runs {} as a rollback step, under no verify line: a check would "
                               "run it again. If its run is the proof, make it a `run` check",
                               script);
        std::vector<std::string> command = {"${project.python}"};
        command.insert(command.end(), words.begin() + static_cast<std::ptrdiff_t>(at), words.end());
        std::vector<std::string> shown(words.begin() + static_cast<std::ptrdiff_t>(at),
                                       words.end());
        check("run", fmt::format("{} runs clean", fmt::join(shown, " ")))
            .text("cwd", "${project.root}")
            .text("timeout", "5m")
            .list("env", {"${project.environment?}", "PYTHONDONTWRITEBYTECODE=1"})
            .list("command", command);
        return {};
    }

    std::string crontab(const std::vector<std::string>& words) {
        if (has_flag(words, {"-e"})) {
            crontab_step_ = step_id_;
            warn(fmt::format("`{}` opens an editor: a step meant to be scripted, or run under "
                             "pressure, cannot rely on it. Install the crontab from a file kept "
                             "with the runbook (`crontab FILE`); cron.expect proves the entry",
                             step_->text));
            return {};
        }
        return "installs a crontab whole: a cron.expect check of each entry it installs, or "
               "cron.diff against a snapshot, proves it";
    }

    void cron_entry() {
        crontab_options options;
        options.check_programs = false;
        const auto parsed = parse_crontab(step_->text + "\n", "runbook", options);
        if (parsed.entries.size() != 1) return todo("not one crontab entry");
        const auto& entry = parsed.entries.front();
        const auto schedule = values_.refer("cron", "schedule", entry.schedule.text, step_->line);
        const auto command =
            values_.refer("cron", "command", entry.normalized_command(), step_->line);
        auto& c = check("cron.expect",
                        fmt::format("the cron entry {} {} is scheduled", schedule, command));
        // The step that edits the crontab is the one this entry proves.
        if (!crontab_step_.empty()) c.steps.insert(c.steps.begin(), crontab_step_);
        c.text("file", "${cron.crontab?}")
            .text("user", "${cron.user?}")
            .text("schedule", schedule)
            .text("command", command);
        // What the phase stopped must not come back by cron.
        std::vector<std::string> stopped;
        for (const auto& other : phase_->checks)
            if (other.kind == "proc.absent")
                for (const auto& o : other.options)
                    if (o.name == "pattern") stopped.push_back(o.values.front());
        if (!stopped.empty()) phase_->checks.back().list("absent", stopped);
    }

    std::string log(const std::vector<std::string>& words) {
        auto files = operands(words, 1, {"-n", "--lines", "-c", "--bytes", "-s"});
        files.erase(
            std::remove_if(files.begin(), files.end(),
                           [](const std::string& f) { return f.find("log") == std::string::npos; }),
            files.end());
        if (files.empty()) return "reads no log file: write its check by hand";
        const bool same = values_.refer_list("logs", "files", files, step_->line);
        values_.refer_list("logs", "errors", {"ERROR|CRITICAL|Traceback"}, step_->line,
                           "what an error line looks like: rollcheck's usual patterns, since "
                           "the runbook names none");
        values_.leave("logs", "progress", true,
                      "TODO: a pattern of a line that shows the job working (processed [0-9]+ "
                      "items): the runbook watches the log without saying what to look for");
        check("logs.scan", fmt::format("{} without error since the rollback, showing progress",
                                       same ? "${logs.files}" : joined(files)))
            .list("files", same ? std::vector<std::string>{"${logs.files}"} : files)
            .flag("rotated")
            .list("error", {"${logs.errors?}"})
            .list("require", {"${logs.progress}"})
            .text("since", "${rollback.since:-1h}");
        return {};
    }

    std::string notice(const std::vector<std::string>& words) {
        const auto to = operands(words, 1, {"-s", "-c", "-b", "-r", "-a", "-S"});
        note(phase_note::type::note,
             fmt::format("`{}` sends a notice: a plan has no notices, the run sends them. "
                         "`rollcheck-suite --notify-command 'mail -s \"$ROLLCHECK_SUBJECT\" {}'` "
                         "mails the verdict when the run ends",
                         step_->text,
                         to.empty() ? "ADDRESS" : fmt::format("{}", fmt::join(to, " "))));
        return {};
    }

    static constexpr std::string_view script_suffixes[] = {".py", ".sh", ".rb", ".pl", ".js"};

    value_book& values_;
    bool python_ = false;
    const runbook_step* step_ = nullptr;
    std::string step_id_, source_;
    std::string phase_id_;
    std::string crontab_step_; ///< the phase's `crontab -e`, which an entry shown after it proves
    drafted_phase* phase_ = nullptr;
    std::set<std::string> restored_scripts_;
};

} // namespace rollcheck::detail::draft
