/// \file detail/report/report_impl.hpp
/// Definitions of report.hpp, included at its end.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "../../report.hpp"
#include "../atomic_file.hpp"
#include "before.hpp"
#include "html.hpp"
#include "json.hpp"
#include "junit.hpp"
#include "markdown.hpp"
#include "prometheus.hpp"
#include "tally.hpp"

namespace rollcheck {

ROLLCHECK_INLINE verdict case_record::worst() const {
    if (!failure.empty() || results.empty()) return verdict::error;
    return rollcheck::worst(results);
}

ROLLCHECK_INLINE std::string case_record::standing() const {
    return waived_by ? "waived" : std::string(to_string(worst()));
}

ROLLCHECK_INLINE verdict run_record::worst() const {
    if (cases.empty()) return verdict::error; // a run that checked nothing never passes
    verdict v = verdict::skip;
    for (const auto& c : cases)
        v = std::max(v, c.waived_by ? verdict::warn : c.worst());
    return v;
}

ROLLCHECK_INLINE std::vector<phase_recovery> recovery_of(const run_record& run) {
    std::vector<phase_recovery> out;
    const time_point origin = run.since ? *run.since : run.started;
    for (const auto& phase : detail::phases_of(run.cases)) {
        phase_recovery p;
        p.phase = phase;
        if (const auto t = run.recovery_targets.find(phase); t != run.recovery_targets.end())
            p.target = t->second;
        std::chrono::milliseconds latest{0};
        for (const auto& c : run.cases) {
            if (c.phase != phase) continue;
            if (c.waived_by) {
                ++p.waived;
            } else if (c.worst() >= verdict::fail) {
                ++p.not_green;
            } else if (c.green_at) { // a record built without times counts as green at once
                latest = std::max(latest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              *c.green_at - origin));
            }
        }
        if (p.not_green == 0) p.time_to_green = latest;
        out.push_back(std::move(p));
    }
    return out;
}

ROLLCHECK_INLINE std::string describe_recovery(const phase_recovery& p) {
    std::string text = p.time_to_green ? describe_span(*p.time_to_green)
                                       : fmt::format("not green: {} never verified",
                                                     counted(p.not_green, "check"));
    if (p.waived > 0) text += fmt::format(" ({} waived)", p.waived);
    if (!p.target) return text;
    text += fmt::format(", target {}: ", describe_span(*p.target));
    if (!p.time_to_green) return text + "missed";
    const auto margin = *p.target - *p.time_to_green;
    return text + (p.met() ? fmt::format("met with {} to spare", describe_span(margin))
                           : fmt::format("missed by {}", describe_span(margin)));
}

ROLLCHECK_INLINE std::string closing_line(const run_record& run) {
    const verdict v = run.worst();
    const std::string stopped = run.interrupted_by.empty()
                                    ? std::string()
                                    : "; the run was interrupted by " + run.interrupted_by;
    if (run.cases.empty())
        return fmt::format("{}: 0 checks: no check ran; nothing was verified{}", detail::upper(v),
                           stopped);
    const int rank = detail::worst_failing_rank(run.cases);
    return fmt::format("{}: {}: {}{}; {}{}", detail::upper(v), counted(run.cases.size(), "check"),
                       detail::describe_counts(detail::count_cases(run.cases)),
                       detail::before_counts(run),
                       rank < 0 ? std::string("verified: no action")
                                : fmt::format("worst failing severity {}",
                                              detail::matrix_action(run.matrix, rank)),
                       stopped);
}

ROLLCHECK_INLINE std::string describe_notice(const notice_record& n) {
    return n.sent ? fmt::format("{} {}: sent at {} ({})", n.channel, n.destination,
                                format_utc(n.at), n.outcome)
                  : fmt::format("{} {}: NOT sent (at {}): {}", n.channel, n.destination,
                                format_utc(n.at), n.outcome);
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

ROLLCHECK_INLINE void write_metrics(const run_record& run, const std::filesystem::path& file) {
    detail::write_or_throw(file, detail::prometheus_text(run));
}

ROLLCHECK_INLINE void write_report_html(const run_record& run, const std::filesystem::path& file) {
    detail::write_or_throw(file, detail::report_html_text(run));
}

ROLLCHECK_INLINE std::string write_reports(const run_record& run,
                                           const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fmt::format("cannot create {}: {}", dir.string(), ec.message());
    std::string errors;
    // Each file's text, in report_files' order.
    using text_of = std::string (*)(const run_record&);
    constexpr std::array<text_of, report_files.size()> texts{
        &detail::junit_text, &detail::results_json_text, &detail::report_md_text,
        &detail::prometheus_text, &detail::report_html_text};
    for (std::size_t i = 0; i < report_files.size(); ++i) {
        const auto why = detail::write_file_atomically(dir / report_files[i], texts[i](run));
        if (!why.empty()) (errors += errors.empty() ? "" : "; ") += why;
    }
    return errors;
}

} // namespace rollcheck
