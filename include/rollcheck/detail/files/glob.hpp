/// \file detail/files/glob.hpp
/// Shell-style globs over a directory tree: `*`, `?` and `[…]` within one
/// path component (fnmatch(3)), and `**` for any number of directories.
/// `**` never descends through a symbolic link, so a link loop cannot make
/// the walk endless; other components follow links, bounded by the pattern.
#pragma once

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fnmatch.h>

#include <fmt/format.h>

namespace rollcheck::detail {

/// What a glob found: paths as the pattern spells them (relative when it is
/// relative), and the directories it could not read.
struct glob_matches {
    std::vector<std::string> paths;
    std::vector<std::string> problems;
};

inline bool has_wildcard(const std::string& component) {
    return component.find_first_of("*?[") != std::string::npos;
}

inline std::vector<std::string> path_components(const std::string& pattern) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (begin <= pattern.size()) {
        auto end = pattern.find('/', begin);
        if (end == std::string::npos) end = pattern.size();
        if (end > begin && pattern.compare(begin, end - begin, ".") != 0)
            parts.push_back(pattern.substr(begin, end - begin));
        begin = end + 1;
    }
    return parts;
}

class glob_walk {
public:
    glob_walk(std::filesystem::path base, std::vector<std::string> parts, glob_matches& out)
        : base_(std::move(base)), parts_(std::move(parts)), out_(out) {}

    void expand(const std::string& prefix, std::size_t index) {
        if (index == parts_.size()) {
            out_.paths.push_back(prefix.empty() ? "." : prefix);
            return;
        }
        const auto& part = parts_[index];
        if (part == "**") {
            expand(prefix, index + 1);
            for_each_entry(prefix, [&](const std::filesystem::directory_entry& entry,
                                       const std::string& name) {
                std::error_code ec;
                if (entry.symlink_status(ec).type() == std::filesystem::file_type::directory)
                    expand(join(prefix, name), index);
            });
        } else if (has_wildcard(part)) {
            for_each_entry(prefix,
                           [&](const std::filesystem::directory_entry&, const std::string& name) {
                               if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0)
                                   expand(join(prefix, name), index + 1);
                           });
        } else {
            const auto path = join(prefix, part);
            std::error_code ec;
            if (std::filesystem::symlink_status(base_ / path, ec).type() !=
                std::filesystem::file_type::not_found)
                expand(path, index + 1);
        }
    }

private:
    static std::string join(const std::string& prefix, const std::string& name) {
        if (prefix.empty()) return name;
        return prefix.back() == '/' ? prefix + name : prefix + "/" + name;
    }

    template <typename Visit>
    void for_each_entry(const std::string& prefix, Visit&& visit) {
        const auto dir = base_ / prefix;
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) return; // a file, a dangling or looping link
        std::filesystem::directory_iterator it(dir, ec), end;
        for (; !ec && it != end; it.increment(ec))
            visit(*it, it->path().filename().string());
        if (ec)
            out_.problems.push_back(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    }

    std::filesystem::path base_;
    std::vector<std::string> parts_;
    glob_matches& out_;
};

/// Expands `pattern` relative to `base` (or from / when it is absolute).
/// A pattern without wildcards matches the path when it exists, even as a
/// dangling or looping symbolic link.
[[nodiscard]] inline glob_matches glob(const std::filesystem::path& base,
                                       const std::string& pattern) {
    glob_matches out;
    const bool absolute = !pattern.empty() && pattern.front() == '/';
    glob_walk walk(absolute ? std::filesystem::path("/") : base, path_components(pattern), out);
    walk.expand(absolute ? "/" : "", 0);
    return out;
}

} // namespace rollcheck::detail
