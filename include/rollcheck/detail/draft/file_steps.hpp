/// \file detail/draft/file_steps.hpp
/// Steps that remove and restore files: `rm -rf PATHS` (files.removed, the
/// paths' modules no longer importable), `git checkout REV -- PATHS` and
/// `cp ARCHIVE/*.py DIR/` (files.restored), with their traps.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "step_context.hpp"
#include "values.hpp"

namespace rollcheck::detail::draft {

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

inline std::string removed(step_context& s, const std::vector<std::string>& words) {
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
        if (auto m = module_of(p); s.python && !m.empty()) gone.push_back(m);
    paths = literals(std::move(paths));
    auto& c = s.check("files.removed", fmt::format("{} removed{}", joined(paths),
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

inline std::string restored_from_git(step_context& s, const std::vector<std::string>& words) {
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
        s.warn(fmt::format(
            "`{}` restores the files as {}: when the migration was committed, {} holds "
            "it, and this restores nothing. Name the commit before the migration (its tag "
            "or hash) as [project] revision, which files.restored compares with",
            s.step.text, revision.empty() ? "the index has them" : "the last commit has them",
            revision.empty() ? "the index" : "HEAD"));
    }
    std::string reference = "${project.revision}";
    if (!revision.empty() && revision != "HEAD")
        reference = s.values.refer("project", "revision", revision, s.step.line);
    for (const auto& p : paths)
        if (p.size() > 3 && p.compare(p.size() - 3, 3, ".py") == 0)
            s.state.restored_scripts.insert(p);
    paths = literals(std::move(paths));
    s.check("files.restored", fmt::format("{} identical to {}", joined(paths), reference))
        .text("root", "${project.root}")
        .text("revision", reference)
        .list("paths", paths);
    return {};
}

inline std::string restored_from_archive(step_context& s, const std::vector<std::string>& words) {
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
        s.warn(fmt::format("`{}` copies every file of {} that {} matches, a stray one "
                           "included, and leaves in {}/ the files the archive lacks. "
                           "files.restored compares the archive's files only: compare the "
                           "listing of {}/ with the archive's too",
                           s.step.text, from, joined(names), into, into));
    const auto archive = s.values.refer("pipeline", "archive", from, s.step.line);
    into = literal(into);
    const auto root = into[0] == '/' ? into : "${project.root}/" + into;
    names = literals(std::move(names));
    s.check("files.restored",
            fmt::format("{}/{} identical to the copies in {}", into, joined(names), archive))
        .text("root", root)
        .text("archive", archive)
        .list("paths", names);
    return {};
}

} // namespace rollcheck::detail::draft
