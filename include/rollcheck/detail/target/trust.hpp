/// \file detail/target/trust.hpp
/// Whether a file that rollcheck obeys (a target file, whose [[check]]
/// tables run commands; a waiver file, which turns failures into passes)
/// could have been written by someone other than the user running it. The
/// rule is OpenSSH's StrictModes: the file and every directory above it
/// must be owned by that user or by root and be writable by no one else. A
/// directory that others may write to is accepted when it has the sticky
/// bit (as /tmp does): there, only a file's owner can remove or rename it.
/// libpq refuses a ~/.pgpass that its group or others can read for the same
/// kind of reason; here reading is harmless, writing is not.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../process/proc.hpp"

namespace rollcheck::detail {

/// "its group", "others", "its group and others": who else may write, by mode.
[[nodiscard]] inline std::string other_writers(mode_t mode) {
    const bool group = (mode & S_IWGRP) != 0, others = (mode & S_IWOTH) != 0;
    return group && others ? "its group and others" : group ? "its group" : "others";
}

/// The directories that hold `path`, nearest first: those of its absolute
/// path as written (a symbolic link in one of them could be swapped) and
/// those of the file it resolves to.
[[nodiscard]] inline std::vector<std::filesystem::path>
holding_directories(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> dirs;
    const auto add_parents = [&dirs](std::filesystem::path p) {
        while (p.has_relative_path()) {
            p = p.parent_path();
            if (std::find(dirs.begin(), dirs.end(), p) == dirs.end()) dirs.push_back(p);
        }
    };
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(path, ec);
    if (!ec) add_parents(absolute.lexically_normal());
    const auto real = std::filesystem::canonical(path, ec);
    if (!ec) add_parents(real);
    return dirs;
}

/// Why the file `path`, open as `fd`, cannot be trusted as a `what` ("target
/// file"), which `consequence` ("can run commands"): who else could have
/// written it, and the command that fixes it. Empty when only the user
/// running this program, or root, could have.
[[nodiscard]] inline std::string untrusted_file(const std::filesystem::path& path, int fd,
                                                std::string_view what,
                                                std::string_view consequence) {
    const uid_t me = ::geteuid();
    const auto trusted_owner = [me](uid_t owner) { return owner == me || owner == 0; };
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return fmt::format("cannot check who may write it: {}", std::strerror(errno));
    const std::string file = path.string();
    if (!trusted_owner(st.st_uid))
        return fmt::format("owned by {}, not by {} who runs rollcheck, and a {} {}: make it yours "
                           "(chown {} {}) or run rollcheck as {}",
                           user_name(st.st_uid), user_name(me), what, consequence, user_name(me),
                           file, user_name(st.st_uid));
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fmt::format("writable by {} (mode {:04o}), and a {} {}: chmod go-w {}",
                           other_writers(st.st_mode), st.st_mode & 07777, what, consequence, file);
    for (const auto& dir : holding_directories(path)) {
        struct stat d {};
        if (::stat(dir.c_str(), &d) != 0)
            return fmt::format("cannot check who may write in {}: {}", dir.string(),
                               std::strerror(errno));
        if (!trusted_owner(d.st_uid))
            return fmt::format("in {}, owned by {}, who could replace the file, and a {} {}: "
                               "chown {} {}, or move the file to a directory of yours",
                               dir.string(), user_name(d.st_uid), what, consequence, user_name(me),
                               dir.string());
        if ((d.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (d.st_mode & S_ISVTX) == 0)
            return fmt::format("in {}, writable by {} (mode {:04o}), who could replace the file, "
                               "and a {} {}: chmod go-w {}, or move the file to a directory of "
                               "yours",
                               dir.string(), other_writers(d.st_mode), d.st_mode & 07777, what,
                               consequence, dir.string());
    }
    return {};
}

} // namespace rollcheck::detail
