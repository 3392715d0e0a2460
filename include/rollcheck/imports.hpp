/// \file imports.hpp
/// Python import checks: modules that must import, and modules a rollback
/// removed that must not be importable any more. One interpreter checks the
/// whole list, each import isolated, so one broken module masks no other.
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
    /// Dotted module names that must import.
    std::vector<std::string> must_import;
    /// Dotted module names that must not be importable (ModuleNotFoundError).
    std::vector<std::string> must_not_import;
    /// Deadline for the whole check, every interpreter run included.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// Deadline for one module's import; a module still importing then is an error.
    std::chrono::milliseconds module_timeout{std::chrono::seconds(10)};
    /// Evidence items kept.
    std::size_t show = 10;
};

/// Imports every module of `spec` in one interpreter ("py.imports"): fails
/// when a module that must import does not, or a removed module still
/// imports (evidence names the file it came from). A module that hangs at
/// import or kills the interpreter is an error naming it; the modules after
/// it are checked in a fresh interpreter.
[[nodiscard]] ROLLCHECK_INLINE check_result check_imports(const import_spec& spec);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API; compiled once,
// elsewhere, under ROLLCHECK_SEPARATE_COMPILATION (detail/inline.hpp).
#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/python/imports_impl.hpp"
#endif
