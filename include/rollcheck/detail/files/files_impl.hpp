/// \file detail/files/files_impl.hpp
/// Definitions of files.hpp, included at its end.
#pragma once

#include "../../files.hpp"
#include "../../wording.hpp"
#include "../process/output.hpp"
#include "compare.hpp"
#include "glob.hpp"

namespace rollcheck {

namespace detail {

/// "directory with 3 entries", "file of 120 bytes", "symbolic link to x".
inline std::string describe_remaining(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    switch (status.type()) {
    case fs::file_type::directory: {
        std::size_t entries = 0;
        fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied,
                                            ec),
            end;
        for (; !ec && it != end; it.increment(ec))
            ++entries;
        return "directory holding " + counted(entries, "entry", "entries");
    }
    case fs::file_type::symlink: {
        const auto target = fs::read_symlink(path, ec).string();
        (void)fs::status(path, ec); // only the error matters: a dangling or looping link
        return fmt::format("symbolic link to {}{}", target,
                           ec ? fmt::format(" ({})", ec.message()) : "");
    }
    case fs::file_type::regular:
        return "file of " + counted(static_cast<std::size_t>(fs::file_size(path, ec)), "byte");
    default:
        return "special file";
    }
}

} // namespace detail

ROLLCHECK_INLINE check_result check_absent(const absent_spec& spec) {
    return timed_check("files.absent", [&] {
        if (spec.paths.empty()) return check_result::error("files.absent", "no paths given");
        std::error_code ec;
        const auto root = spec.root.empty() ? std::filesystem::current_path(ec) : spec.root;
        if (!std::filesystem::is_directory(root, ec))
            return check_result::error("files.absent",
                                       fmt::format("root '{}' is not a directory", root.string()));
        check_result r;
        r.evidence = bounded_evidence(spec.show);
        std::vector<std::string> problems;
        std::size_t present_patterns = 0;
        for (const auto& pattern : spec.paths) {
            if (detail::path_components(pattern).empty() && pattern != "/") {
                problems.push_back(fmt::format("path '{}' names no file", pattern));
                continue;
            }
            const auto found = detail::glob(root, pattern);
            problems.insert(problems.end(), found.problems.begin(), found.problems.end());
            present_patterns += found.paths.empty() ? 0 : 1;
            for (const auto& path : found.paths) {
                const auto what = detail::describe_remaining(root / path);
                r.evidence.add({fmt::format("{}: still there ({})", path, what),
                                {{"pattern", pattern}, {"path", path}, {"what", what}}});
            }
        }
        r.totals = {{"root", root.string()},
                    {"patterns", spec.paths.size()},
                    {"patterns_present", present_patterns},
                    {"remaining", r.evidence.total()}};
        if (!problems.empty()) {
            r.status = verdict::error;
            r.summary =
                problems.front() +
                (problems.size() > 1 ? fmt::format(" (and {} more)", problems.size() - 1) : "");
        } else if (r.evidence.total() > 0) {
            r.status = verdict::fail;
            r.summary = fmt::format("{} of {} still present under {}: {} left", present_patterns,
                                    counted(spec.paths.size(), "path"), root.string(),
                                    counted(r.evidence.total(), "entry", "entries"));
        } else {
            r.status = verdict::pass;
            r.summary = fmt::format("{}{} absent under {}", spec.paths.size() == 1 ? "" : "all ",
                                    counted(spec.paths.size(), "path"), root.string());
        }
        return r;
    });
}

namespace detail {

/// One file of the git tree at the reference revision (`git ls-tree -r`).
struct tree_entry {
    std::string mode; ///< "100644", "100755", "120000" (symbolic link)
    std::string id;   ///< the blob's object id
    std::string path; ///< relative to the root
};

/// Runs git in `root`; a failure comes back as `error`, with git's own last words.
inline command_outcome run_git(const restored_spec& spec, std::vector<std::string> args,
                               std::string& error, std::size_t output_limit = 64 * 1024) {
    command_spec cmd;
    cmd.argv = {"git"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    cmd.working_directory = spec.root;
    cmd.timeout = spec.timeout;
    cmd.output_limit = output_limit;
    cmd.environment["GIT_OPTIONAL_LOCKS"] = "0"; // read-only: no index refresh written
    auto run = run_command(cmd);
    if (!run.succeeded()) {
        const auto said = last_lines(run.err.text(), 1);
        error = fmt::format("`{}` in {} {}{}", run.command, spec.root.string(), run.describe(),
                            said.empty() ? "" : ": " + said.back());
    } else if (run.out.truncated()) {
        error = fmt::format("`{}` printed more than {} bytes", run.command, output_limit);
    }
    return run;
}

/// The commit `spec.revision` names, or an error naming the revision and the root.
inline std::string resolve_revision(const restored_spec& spec, std::string& error) {
    std::string git_error;
    (void)run_git(spec, {"rev-parse", "--is-inside-work-tree"}, git_error);
    if (!git_error.empty()) {
        error = fmt::format("{} is not inside a git work tree ({})", spec.root.string(), git_error);
        return {};
    }
    const auto run =
        run_git(spec, {"rev-parse", "--verify", "--quiet", spec.revision + "^{commit}"}, git_error);
    if (!git_error.empty()) {
        error = fmt::format("revision '{}' does not exist in the repository at {}", spec.revision,
                            spec.root.string());
        return {};
    }
    return last_lines(run.out.text(), 1).front();
}

/// Every file below the root at `commit` (paths relative to the root).
inline std::vector<tree_entry> list_tree(const restored_spec& spec, const std::string& commit,
                                         std::string& error) {
    const auto run = run_git(spec, {"ls-tree", "-r", "-z", commit}, error, 256 * 1024 * 1024);
    std::vector<tree_entry> entries;
    if (!error.empty()) return entries;
    const auto text = run.out.text();
    std::size_t begin = 0;
    while (begin < text.size()) {
        auto end = text.find('\0', begin);
        if (end == std::string::npos) end = text.size();
        const auto record = text.substr(begin, end - begin);
        begin = end + 1;
        const auto tab = record.find('\t');
        const auto first = record.find(' '), second = record.find(' ', first + 1);
        if (tab == std::string::npos || second == std::string::npos) continue;
        if (record.compare(first + 1, second - first - 1, "blob") != 0) continue; // submodules
        entries.push_back({record.substr(0, first), record.substr(second + 1, tab - second - 1),
                           record.substr(tab + 1)});
    }
    return entries;
}

/// True when `path` is `pattern`, lies below it as a directory, or matches it as a glob.
inline bool selects(const std::string& pattern, const std::string& path) {
    std::string plain = pattern;
    while (plain.size() > 1 && plain.back() == '/')
        plain.pop_back();
    if (plain.rfind("./", 0) == 0) plain.erase(0, 2);
    if (plain == "." || plain == path || path.rfind(plain + "/", 0) == 0) return true;
    return has_wildcard(plain) && ::fnmatch(plain.c_str(), path.c_str(), FNM_PATHNAME) == 0;
}

/// What a comparison found, file by file.
struct comparison {
    std::string reference;        ///< "HEAD (1a2b3c4)" or "archive /x"
    std::vector<std::string> bad; ///< could not compare: bad input, unreadable files, git errors
    std::size_t compared = 0;
    std::size_t identical = 0;
};

inline void record_difference(check_result& r, comparison& cmp, const std::string& path,
                              const std::string& problem, const std::string& detail,
                              bool can_decide = true) {
    if (!can_decide) cmp.bad.push_back(fmt::format("{}: {}", path, detail));
    r.evidence.add({fmt::format("{}: {}", path, detail),
                    {{"path", path}, {"problem", problem}, {"detail", detail}}});
}

/// True for an entry whose working-tree file is to be hashed: a regular file.
inline bool needs_hash(const restored_spec& spec, const tree_entry& entry) {
    return entry.mode != "120000" && not_a_regular_file(spec.root / entry.path).empty();
}

/// Blob ids of working-tree files as `git hash-object` computes them (with
/// the filters a checkout applies), many files per git run; a file git
/// cannot hash gets its error in `errors` instead.
inline std::map<std::string, std::string>
hash_working_files(const restored_spec& spec, const std::vector<std::string>& paths,
                   std::map<std::string, std::string>& errors) {
    constexpr std::size_t batch_size = 200;
    std::map<std::string, std::string> ids;
    for (std::size_t begin = 0; begin < paths.size(); begin += batch_size) {
        const auto first = paths.begin() + static_cast<std::ptrdiff_t>(begin);
        const std::vector<std::string> batch(
            first, first + static_cast<std::ptrdiff_t>(std::min(batch_size, paths.size() - begin)));
        std::vector<std::string> args = {"hash-object", "--"};
        args.insert(args.end(), batch.begin(), batch.end());
        std::string error;
        const auto run = run_git(spec, args, error);
        const auto lines = last_lines(run.out.text(), batch.size());
        if (error.empty() && lines.size() == batch.size()) {
            for (std::size_t i = 0; i < batch.size(); ++i)
                ids[batch[i]] = lines[i];
            continue;
        }
        for (const auto& path : batch) { // one file spoiled the batch: name it
            std::string one_error;
            const auto one = run_git(spec, {"hash-object", "--", path}, one_error);
            if (one_error.empty())
                ids[path] = last_lines(one.out.text(), 1).front();
            else
                errors[path] = one_error;
        }
    }
    return ids;
}

/// The first differing line of a working-tree file and its blob.
inline std::string describe_blob_difference(const restored_spec& spec, const tree_entry& entry) {
    std::string error, read_error;
    const auto shown = run_git(spec, {"show", entry.id}, error, 32 * 1024 * 1024);
    const auto actual = read_head(spec.root / entry.path, 32 * 1024 * 1024, read_error);
    if (!error.empty() || !actual) return "content differs";
    return first_difference(*actual, shown.out.text());
}

/// Compares one entry of the revision with the working tree; `ids` and
/// `errors` hold what hash_working_files found for the regular files.
inline void compare_entry(const restored_spec& spec, const tree_entry& entry,
                          const std::map<std::string, std::string>& ids,
                          const std::map<std::string, std::string>& errors, check_result& r,
                          comparison& cmp) {
    ++cmp.compared;
    const auto path = spec.root / entry.path;
    if (entry.mode == "120000") {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(path, ec);
        if (ec)
            return record_difference(r, cmp, entry.path, "differs",
                                     "should be a symbolic link: " + ec.message());
        if (git_blob_id(target.string()) == entry.id) return (void)++cmp.identical;
        return record_difference(
            r, cmp, entry.path, "differs",
            fmt::format("links to {}, not to what the revision has", target.string()));
    }
    if (const auto why = not_a_regular_file(path); !why.empty())
        return record_difference(r, cmp, entry.path, why == "missing" ? "missing" : "differs", why);
    if (const auto failed = errors.find(entry.path); failed != errors.end())
        return record_difference(r, cmp, entry.path, "unreadable", failed->second, false);
    if (ids.at(entry.path) == entry.id) return (void)++cmp.identical;
    record_difference(r, cmp, entry.path, "differs", describe_blob_difference(spec, entry));
}

inline comparison compare_with_git(const restored_spec& spec, check_result& r) {
    comparison cmp;
    std::string error;
    const auto commit = resolve_revision(spec, error);
    const auto tree = error.empty() ? list_tree(spec, commit, error) : std::vector<tree_entry>{};
    if (!error.empty()) {
        cmp.bad.push_back(error);
        return cmp;
    }
    cmp.reference = fmt::format("{} ({})", spec.revision, commit.substr(0, 12));
    std::vector<const tree_entry*> chosen;
    for (const auto& pattern : spec.paths) {
        const auto before = chosen.size();
        for (const auto& entry : tree)
            if (selects(pattern, entry.path)) chosen.push_back(&entry);
        if (chosen.size() == before)
            cmp.bad.push_back(
                fmt::format("'{}' names no file at revision {}", pattern, spec.revision));
    }
    std::vector<const tree_entry*> unique;
    std::vector<std::string> to_hash;
    std::set<std::string> seen;
    for (const auto* entry : chosen) {
        if (!seen.insert(entry->path).second) continue;
        unique.push_back(entry);
        if (needs_hash(spec, *entry)) to_hash.push_back(entry->path);
    }
    std::map<std::string, std::string> errors;
    const auto ids = hash_working_files(spec, to_hash, errors);
    for (const auto* entry : unique)
        compare_entry(spec, *entry, ids, errors, r, cmp);
    return cmp;
}

/// Compares one restored file with its archived copy.
inline void compare_with_copy(const restored_spec& spec, const std::string& relative,
                              check_result& r, comparison& cmp) {
    ++cmp.compared;
    const auto restored = spec.root / relative;
    const auto archived = spec.archive / relative;
    if (const auto why = not_a_regular_file(restored); !why.empty())
        return record_difference(r, cmp, restored.string(),
                                 why == "missing" ? "missing" : "differs", why);
    std::string error;
    const auto want = file_sha1(archived, error);
    if (!want)
        return record_difference(r, cmp, archived.string(), "unreadable", "unreadable: " + error,
                                 false);
    const auto have = file_sha1(restored, error);
    if (!have)
        return record_difference(r, cmp, restored.string(), "unreadable", "unreadable: " + error,
                                 false);
    if (*have == *want) return (void)++cmp.identical;
    const auto a = read_head(restored, 32 * 1024 * 1024, error);
    const auto b = read_head(archived, 32 * 1024 * 1024, error);
    record_difference(r, cmp, restored.string(), "differs",
                      a && b ? first_difference(*a, *b) : "content differs");
}

inline comparison compare_with_archive(const restored_spec& spec, check_result& r) {
    comparison cmp;
    cmp.reference = "archive " + spec.archive.string();
    std::error_code ec;
    if (!std::filesystem::is_directory(spec.archive, ec)) {
        cmp.bad.push_back(fmt::format("archive '{}' is not a directory", spec.archive.string()));
        return cmp;
    }
    for (const auto& pattern : spec.paths) {
        const auto found = glob(spec.archive, pattern);
        cmp.bad.insert(cmp.bad.end(), found.problems.begin(), found.problems.end());
        std::size_t files = 0;
        for (const auto& match : found.paths) {
            if (!std::filesystem::is_directory(spec.archive / match, ec)) {
                ++files;
                compare_with_copy(spec, match, r, cmp);
                continue;
            }
            std::filesystem::recursive_directory_iterator it(spec.archive / match, ec), end;
            for (; !ec && it != end; it.increment(ec)) {
                if (!it->is_regular_file(ec)) continue;
                ++files;
                const auto relative = std::filesystem::relative(it->path(), spec.archive);
                compare_with_copy(spec, relative.string(), r, cmp);
            }
        }
        if (files == 0)
            cmp.bad.push_back(fmt::format("'{}' names no file in {}", pattern, cmp.reference));
    }
    return cmp;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_restored(const restored_spec& spec) {
    return timed_check("files.restored", [&] {
        if (spec.paths.empty()) return check_result::error("files.restored", "no paths given");
        std::error_code ec;
        if (!std::filesystem::is_directory(spec.root, ec))
            return check_result::error(
                "files.restored", fmt::format("root '{}' is not a directory", spec.root.string()));
        check_result r;
        r.evidence = bounded_evidence(spec.show);
        const auto cmp = spec.archive.empty() ? detail::compare_with_git(spec, r)
                                              : detail::compare_with_archive(spec, r);
        const auto differing = cmp.compared - cmp.identical;
        r.totals = {{"root", spec.root.string()}, {"reference", cmp.reference},
                    {"compared", cmp.compared},   {"identical", cmp.identical},
                    {"differing", differing},     {"problems", cmp.bad}};
        if (!cmp.bad.empty()) {
            r.status = verdict::error;
            r.summary =
                cmp.bad.front() +
                (cmp.bad.size() > 1 ? fmt::format(" (and {} more)", cmp.bad.size() - 1) : "");
        } else if (differing > 0) {
            r.status = verdict::fail;
            r.summary = fmt::format("{} of {} {} from {}", differing, counted(cmp.compared, "file"),
                                    agreeing(differing, "differs", "differ"), cmp.reference);
        } else {
            r.status = verdict::pass;
            r.summary =
                fmt::format("{} identical to {}", counted(cmp.compared, "file"), cmp.reference);
        }
        return r;
    });
}

} // namespace rollcheck
