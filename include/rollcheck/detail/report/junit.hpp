/// \file detail/report/junit.hpp
/// A run as JUnit XML, valid against the Ant schema CI servers read
/// (Jenkins, GitLab). That schema allows properties only per testsuite and no output per testcase,
/// so each case's severity, tags, verdict and evidence go into the
/// failure or error text and into the testsuite's system-out.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <ctime>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tally.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// "phase7": the class name of a phase's cases ("unphased" for none).
[[nodiscard]] inline std::string junit_class(std::string_view phase) {
    return phase.empty() ? "unphased" : "phase" + std::string(phase);
}

/// The schema's timestamp: no zone designator allowed, so UTC is implied
/// (the properties carry the same times with their "Z").
[[nodiscard]] inline std::string junit_timestamp(time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/// `text` escaped as an attribute, or `fallback` when nothing but
/// whitespace would be left (the schema wants a non-empty token).
[[nodiscard]] inline std::string token_or(std::string_view text, std::string_view fallback) {
    const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) != 0;
    });
    return xml_escape(blank ? fallback : text, true);
}

/// The case as people read it: severity, tags, verdict, each result with
/// its evidence, and a failure outside the verifiers.
[[nodiscard]] inline std::string case_detail(const case_record& c) {
    std::string out = fmt::format(
        "severity {}; tags {}; verdict {}; {} s\n", c.severity.empty() ? "unrated" : c.severity,
        c.tags.empty() ? "none" : joined_tags(c.tags), c.standing(), format_seconds(c.seconds));
    if (c.green_at)
        out += fmt::format("verified at {} after {}\n", format_utc(*c.green_at),
                           counted(static_cast<std::size_t>(c.attempts), "attempt"));
    if (c.waived_by) out += waiver_text(*c.waived_by) + "\n";
    if (!c.before_rollback.empty()) out += c.before_rollback + "\n";
    for (const auto& r : c.results)
        out += fmt::format("{}\n", r);
    if (!c.failure.empty()) out += fmt::format("failure: {}\n", c.failure);
    if (c.results.empty() && c.failure.empty()) out += "no check result was recorded\n";
    return out;
}

/// The failure's kind for the schema's `type`: the check that failed worst,
/// or what went wrong around the checks.
[[nodiscard]] inline std::string failure_type(const case_record& c) {
    for (const auto& r : c.results)
        if (r.status == c.worst()) return r.check;
    return c.failure.empty() ? "no check result" : "case failure";
}

inline void append_testcase(std::string& out, const case_record& c) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                       xml_escape(junit_class(c.phase), true), xml_escape(c.name, true),
                       format_seconds(c.seconds));
    const verdict v = c.worst();
    if (c.waived_by) {
        out += fmt::format(
            ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            xml_escape(waiver_text(*c.waived_by) + "; " + case_summary(c, verdict::fail), true));
    } else if (v == verdict::fail || v == verdict::error) {
        const char* element = v == verdict::fail ? "failure" : "error";
        out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n",
                           element, xml_escape(case_summary(c, verdict::fail), true),
                           xml_escape(failure_type(c), true), xml_escape(case_detail(c)), element);
    } else if (v == verdict::skip) {
        out += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                           xml_escape(case_summary(c), true));
    } else {
        out += "/>\n";
    }
}

inline void append_properties(std::string& out, const run_record& run, const std::string& phase) {
    const auto property = [&](std::string_view name, std::string_view value) {
        out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name,
                           xml_escape(value, true));
    };
    out += "    <properties>\n";
    property("suite", run.suite);
    property("target", run.target);
    property("target_summary", run.target_summary);
    property("started", format_utc(run.started));
    property("finished", format_utc(run.finished));
    property("since", run.since ? format_utc(*run.since) : "not given");
    property("user", run.user);
    property("version", run.version);
    property("closing_line", closing_line(run));
    for (const auto& p : recovery_of(run))
        if (p.phase == phase) property("time_to_green", describe_recovery(p));
    property("waited", run.waited ? "yes" : "no");
    for (const auto& n : run.notices)
        property("notice", describe_notice(n));
    for (const auto& note : run.notes)
        property("note", note);
    out += "    </properties>\n";
}

/// The testsuite of one phase's `cases`.
inline void append_testsuite(std::string& out, const run_record& run,
                             const std::vector<case_record>& cases, const std::string& phase,
                             int id) {
    double seconds = 0;
    for (const auto& c : cases)
        seconds += std::isfinite(c.seconds) && c.seconds > 0 ? c.seconds : 0;
    const auto counts = count_cases(cases);
    out += fmt::format("  <testsuite package=\"{}\" id=\"{}\" name=\"{}\" timestamp=\"{}\" "
                       "hostname=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
                       "skipped=\"{}\" time=\"{}\">\n",
                       token_or(run.suite, "rollcheck"), id, xml_escape(junit_class(phase), true),
                       junit_timestamp(run.started), token_or(run.hostname, "localhost"),
                       counts.total, counts[verdict::fail], counts[verdict::error],
                       counts[verdict::skip] + counts.waived, format_seconds(seconds));
    append_properties(out, run, phase);
    std::string system_out;
    for (const auto& c : cases) {
        append_testcase(out, c);
        system_out += fmt::format("== {}\n{}", c.name, case_detail(c));
    }
    out += fmt::format("    <system-out>{}</system-out>\n    <system-err/>\n  </testsuite>\n",
                       xml_escape(system_out));
}

/// The whole JUnit document of `run`.
[[nodiscard]] inline std::string junit_text(const run_record& run) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    int id = 0;
    for (const auto& phase : phases_of(run.cases)) {
        std::vector<case_record> cases;
        std::copy_if(run.cases.begin(), run.cases.end(), std::back_inserter(cases),
                     [&](const case_record& c) { return c.phase == phase; });
        append_testsuite(out, run, cases, phase, id++);
    }
    // A run that checked nothing is an error CI must see, not an empty report.
    if (run.cases.empty()) {
        case_record none;
        none.name = "the suite ran at least one check";
        none.failure = "no check ran: nothing was verified";
        append_testsuite(out, run, {none}, "", id);
    }
    out += "</testsuites>\n";
    return out;
}

} // namespace rollcheck::detail
