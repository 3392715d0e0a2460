/// \file detail/report/report_impl.hpp
/// Definitions of report.hpp, included at its end.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "../../report.hpp"
#include "../atomic_file.hpp"
#include "json.hpp"
#include "junit.hpp"
#include "markdown.hpp"
#include "tally.hpp"

namespace rollcheck {

ROLLCHECK_INLINE verdict case_record::worst() const {
    if (!failure.empty() || results.empty()) return verdict::error;
    return rollcheck::worst(results);
}

ROLLCHECK_INLINE verdict run_record::worst() const {
    if (cases.empty()) return verdict::error; // a run that checked nothing never passes
    verdict v = verdict::skip;
    for (const auto& c : cases)
        v = std::max(v, c.worst());
    return v;
}

ROLLCHECK_INLINE std::string closing_line(const run_record& run) {
    const verdict v = run.worst();
    if (run.cases.empty())
        return fmt::format("{}: 0 checks: no check ran; nothing was verified", detail::upper(v));
    const int rank = detail::worst_failing_rank(run.cases);
    return fmt::format("{}: {}: {}; {}", detail::upper(v), counted(run.cases.size(), "check"),
                       detail::describe_counts(detail::count_cases(run.cases)),
                       rank < 0
                           ? std::string("verified: no action")
                           : fmt::format("worst failing severity {}", detail::matrix_action(rank)));
}

ROLLCHECK_INLINE int run_exit_status(const run_record& run) {
    return exit_status(run.worst());
}

namespace detail {

/// Writes `content` to `file` atomically, or throws saying why not.
inline void write_or_throw(const std::filesystem::path& file, const std::string& content) {
    if (auto why = write_file_atomically(file, content); !why.empty())
        throw std::runtime_error(why);
}

} // namespace detail

ROLLCHECK_INLINE void write_junit(const run_record& run, const std::filesystem::path& file) {
    detail::write_or_throw(file, detail::junit_text(run));
}

ROLLCHECK_INLINE void write_results_json(const run_record& run, const std::filesystem::path& file) {
    detail::write_or_throw(file, detail::results_json_text(run));
}

ROLLCHECK_INLINE void write_report_md(const run_record& run, const std::filesystem::path& file) {
    detail::write_or_throw(file, detail::report_md_text(run));
}

ROLLCHECK_INLINE std::string write_reports(const run_record& run,
                                           const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fmt::format("cannot create {}: {}", dir.string(), ec.message());
    std::string errors;
    const auto write = [&](const char* name, const std::string& content) {
        if (auto why = detail::write_file_atomically(dir / name, content); !why.empty())
            (errors += errors.empty() ? "" : "; ") += why;
    };
    write("junit.xml", detail::junit_text(run));
    write("results.json", detail::results_json_text(run));
    write("report.md", detail::report_md_text(run));
    return errors;
}

} // namespace rollcheck
