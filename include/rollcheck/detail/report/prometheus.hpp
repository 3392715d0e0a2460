/// \file detail/report/prometheus.hpp
/// A run as Prometheus metrics, in the text exposition format node_exporter's
/// textfile collector reads: per check, whether it was verified and how long
/// it took to turn green; per phase, time to green against its target; per
/// run, its exit status, time and counts. Every series is a gauge labelled
/// with the suite, so several suites' files can sit side by side.
/// Part of report_impl.hpp, which includes it once report.hpp has declared
/// the records.
#pragma once

#include <chrono>
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "tally.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// A label value as the format wants it: valid UTF-8, with `\`, `"` and
/// newlines escaped.
[[nodiscard]] inline std::string prometheus_label(std::string_view value) {
    std::string out;
    for (const char c : clean_text(value)) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

/// Collects the series of one metric family under its HELP and TYPE lines.
class prometheus_family {
public:
    prometheus_family(std::string& out, std::string_view name, std::string_view help)
        : out_(out), name_(name) {
        out_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    }
    /// One sample; `labels` already formatted as `key="value",…`.
    void add(const std::string& labels, double value) {
        out_ += fmt::format("{}{{{}}} {}\n", name_, labels,
                            std::isfinite(value) ? fmt::format("{}", value) : "NaN");
    }

private:
    std::string& out_;
    std::string_view name_;
};

[[nodiscard]] inline std::string case_labels(const std::string& suite, const case_record& c) {
    return fmt::format("suite=\"{}\",phase=\"{}\",severity=\"{}\",name=\"{}\"",
                       prometheus_label(suite), prometheus_label(c.phase),
                       prometheus_label(c.severity.empty() ? "unrated" : c.severity),
                       prometheus_label(c.name));
}

[[nodiscard]] inline double seconds_between(time_point from, time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

inline void append_check_metrics(std::string& out, const run_record& run) {
    const std::string suite = run.suite.empty() ? "rollcheck" : run.suite;
    const time_point origin = run.since ? *run.since : run.started;
    prometheus_family verified(out, "rollcheck_check_verified",
                               "1 when the check was verified (pass, warn, skip), 0 when it "
                               "failed, erred or was waived; its verdict is a label");
    for (const auto& c : run.cases)
        verified.add(case_labels(suite, c) +
                         fmt::format(",verdict=\"{}\"", prometheus_label(c.standing())),
                     exit_status(c.worst()) == 0 ? 1 : 0);
    prometheus_family took(out, "rollcheck_check_duration_seconds", "How long the check ran");
    for (const auto& c : run.cases)
        took.add(case_labels(suite, c), std::isfinite(c.seconds) ? c.seconds : 0);
    prometheus_family green(out, "rollcheck_check_green_after_seconds",
                            "From the rollback's start (the run's without it) to the check "
                            "being verified; absent when it never was");
    for (const auto& c : run.cases)
        if (c.green_at) green.add(case_labels(suite, c), seconds_between(origin, *c.green_at));
}

inline void append_phase_metrics(std::string& out, const run_record& run) {
    const std::string suite = prometheus_label(run.suite.empty() ? "rollcheck" : run.suite);
    const auto phases = recovery_of(run);
    const auto labels = [&](const phase_recovery& p) {
        return fmt::format("suite=\"{}\",phase=\"{}\"", suite, prometheus_label(p.phase));
    };
    prometheus_family green(out, "rollcheck_phase_time_to_green_seconds",
                            "From the rollback's start to the phase's last check verified; "
                            "absent while a check never was");
    for (const auto& p : phases)
        if (p.time_to_green)
            green.add(labels(p), std::chrono::duration<double>(*p.time_to_green).count());
    prometheus_family target(out, "rollcheck_phase_recovery_target_seconds",
                             "The recovery time the plan promises for the phase");
    for (const auto& p : phases)
        if (p.target) target.add(labels(p), std::chrono::duration<double>(*p.target).count());
    prometheus_family met(out, "rollcheck_phase_recovery_met",
                          "1 when the phase was green within its recovery target, else 0");
    for (const auto& p : phases)
        met.add(labels(p), p.met() ? 1 : 0);
}

inline void append_run_metrics(std::string& out, const run_record& run) {
    const std::string suite = prometheus_label(run.suite.empty() ? "rollcheck" : run.suite);
    const std::string labels = fmt::format("suite=\"{}\"", suite);
    prometheus_family status(out, "rollcheck_run_exit_status",
                             "0 verified, 1 a check failed, 2 a check could not decide");
    status.add(labels, run_exit_status(run));
    prometheus_family finished(out, "rollcheck_run_finished_timestamp_seconds",
                               "When the run finished, in Unix time");
    finished.add(labels, std::chrono::duration<double>(run.finished.time_since_epoch()).count());
    prometheus_family duration(out, "rollcheck_run_duration_seconds", "How long the run took");
    duration.add(labels, seconds_between(run.started, run.finished));
    prometheus_family checks(out, "rollcheck_run_checks", "The run's checks by verdict");
    const auto counts = count_cases(run.cases);
    for (const verdict v :
         {verdict::pass, verdict::warn, verdict::skip, verdict::fail, verdict::error})
        checks.add(labels + fmt::format(",verdict=\"{}\"", to_string(v)),
                   static_cast<double>(counts[v]));
    checks.add(labels + ",verdict=\"waived\"", static_cast<double>(counts.waived));
}

/// The metrics file of `run`.
[[nodiscard]] inline std::string prometheus_text(const run_record& run) {
    std::string out;
    append_run_metrics(out, run);
    append_phase_metrics(out, run);
    append_check_metrics(out, run);
    return out;
}

} // namespace rollcheck::detail
