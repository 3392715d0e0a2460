/// \file files.hpp
/// Files a rollback removed are gone; files it restored are identical to
/// their reference: the blob at a git revision (as `git checkout REV -- path`
/// leaves them) or the copy in an archive directory.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "detail/inline.hpp"
#include "result.hpp"

namespace rollcheck {
/// Paths that must be gone.
struct absent_spec {
    /// Relative paths and globs are taken from here; empty: the working directory.
    std::filesystem::path root;
    /// Files, directories and globs (`*`, `?`, `[…]`, `**`), e.g. "core/pipeline/",
    /// "tests/test_*_new.py".
    std::vector<std::string> paths;
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Files that must be identical to a reference.
struct restored_spec {
    /// The directory the files were restored into (in git mode, inside the work tree).
    std::filesystem::path root;
    /// Files, directories and globs: relative to `root` against a revision,
    /// relative to `archive` against an archive (e.g. "*.py").
    std::vector<std::string> paths;
    /// The git revision whose blobs are the reference (when `archive` is empty).
    std::string revision = "HEAD";
    /// When set, the reference is this directory instead of git.
    std::filesystem::path archive;
    /// Deadline for each git command.
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Checks that every path and glob of `spec` matches nothing ("files.absent");
/// evidence lists what is still there.
[[nodiscard]] ROLLCHECK_INLINE check_result check_absent(const absent_spec& spec);

/// Checks that every file `spec` names is identical to its reference
/// ("files.restored"): the blob at `spec.revision`, or its copy in
/// `spec.archive`, by content hash. Evidence names each differing, missing
/// or unreadable file and, for text, the first differing line.
[[nodiscard]] ROLLCHECK_INLINE check_result check_restored(const restored_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/files/files_impl.hpp"
#endif
