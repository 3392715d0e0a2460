// What the phase suites share: specs built from the target, so that each
// test case reads as the plan step it proves.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <rollcheck/baseline.hpp>
#include <rollcheck/command.hpp>
#include <rollcheck/duplicates.hpp>
#include <rollcheck/files.hpp>
#include <rollcheck/imports.hpp>
#include <rollcheck/suite.hpp>

namespace rollcheck::phases {

inline const target& system() {
    return suite::current_target();
}

/// The paths (relative to the project) are gone.
inline absent_spec removed(std::vector<std::string> paths) {
    absent_spec spec;
    spec.root = system().project_root;
    spec.paths = std::move(paths);
    return spec;
}

/// The files (relative to the project) are as the target's revision (HEAD
/// unless it names the commit before the migration) has them.
inline restored_spec as_in_head(std::vector<std::string> paths) {
    restored_spec spec;
    spec.root = system().project_root;
    spec.paths = std::move(paths);
    spec.revision = system().revision;
    return spec;
}

/// The removed modules no longer import, and the old system still does as
/// it runs: its modules import and its entry points' imports resolve.
inline import_spec importing(std::vector<std::string> gone) {
    import_spec spec;
    spec.interpreter = system().python;
    spec.working_directory = system().project_root;
    spec.environment = system().environment;
    spec.must_import = system().old_modules;
    spec.entry_points.assign(system().entry_points.begin(), system().entry_points.end());
    spec.must_not_import = std::move(gone);
    return spec;
}

/// A Python script of the project, run from its root, must exit 0 and
/// print no line the job log's error patterns match (the runbook's, and the
/// job's own markers the target adds), pytest excepted: its exit statuses
/// say what its ERROR lines mean. It leaves no trace in the checkout it runs
/// in: no __pycache__ written, no .pytest_cache (the command shown stays
/// the plan's own).
inline command_check_spec python_run(std::vector<std::string> arguments,
                                     std::chrono::milliseconds timeout = std::chrono::minutes(5)) {
    command_check_spec spec;
    spec.command.argv = {system().python};
    spec.command.argv.insert(spec.command.argv.end(), arguments.begin(), arguments.end());
    spec.command.working_directory = system().project_root;
    spec.command.timeout = timeout;
    spec.command.environment = system().environment;
    spec.error_patterns = system().error_patterns;
    spec.command.environment["PYTHONDONTWRITEBYTECODE"] = "1";
    const char* addopts = std::getenv("PYTEST_ADDOPTS");
    spec.command.environment["PYTEST_ADDOPTS"] =
        std::string(addopts != nullptr && *addopts != '\0' ? addopts + std::string(" ") : "") +
        "-p no:cacheprovider";
    return spec;
}

/// The key of the target's table is unique.
inline duplicates_spec unique_key() {
    duplicates_spec spec;
    spec.connection = system().connection;
    spec.table = system().table;
    spec.key = {system().key};
    return spec;
}

/// No row of the baseline is missing now.
inline compare_spec nothing_lost() {
    compare_spec spec;
    spec.connection = system().connection;
    spec.baseline = system().baseline;
    return spec;
}

} // namespace rollcheck::phases
