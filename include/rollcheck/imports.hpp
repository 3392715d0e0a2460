/// \file imports.hpp
/// Python import checks: modules that must import, scripts whose imports
/// must resolve as `python SCRIPT` runs them, and modules a rollback removed
/// that must not be importable any more. One interpreter starts; each module
/// is imported in a child forked from it, so no module's import changes
/// another's verdict.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "detail/inline.hpp"
#include "result.hpp"

namespace rollcheck {
/// Which modules to import, with which interpreter, where.
struct import_spec {
    /// A Python interpreter (path, or a name looked up on PATH) or a virtualenv
    /// directory (its bin/python is used). Required.
    std::filesystem::path interpreter;
    /// Where the interpreter runs; it is on sys.path first, as with `python -c`.
    std::filesystem::path working_directory;
    /// Entries put before the inherited PYTHONPATH.
    std::vector<std::string> python_path;
    /// Variables set for the interpreter; a PYTHONPATH here replaces the
    /// inherited one.
    std::map<std::string, std::string> environment;
    /// Dotted module names that must import.
    std::vector<std::string> must_import;
    /// Dotted module names that must not be importable (ModuleNotFoundError).
    std::vector<std::string> must_not_import;
    /// Scripts (the old system's entry points) whose imports must resolve as
    /// `python SCRIPT` would, without running their job; relative to
    /// working_directory.
    std::vector<std::filesystem::path> entry_points;
    /// Deadline for the whole check, every interpreter run included.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// Deadline for one module's import; a module still importing then is an error.
    std::chrono::milliseconds module_timeout{std::chrono::seconds(10)};
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Imports every module of `spec`, each in a fresh child of one interpreter
/// ("py.imports"). Fails when a module or entry point of the project is
/// broken (naming the import chain down to a project module that is gone,
/// or the file and line of the exception), or a removed module still
/// imports (naming the file it came from). What cannot be verified here is
/// an error, never a failure: a package the interpreter lacks that is not
/// the project's, a module that hangs at import or kills its process.
[[nodiscard]] ROLLCHECK_INLINE check_result check_imports(const import_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/python/imports_impl.hpp"
#endif
