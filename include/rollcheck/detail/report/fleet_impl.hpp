/// \file detail/report/fleet_impl.hpp
/// Definitions of fleet.hpp, included at its end.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "../../fleet.hpp"
#include "../../time.hpp"
#include "../read_file.hpp"

namespace rollcheck {
namespace detail {

/// A key of results.json, read with the path to it named in any complaint
/// ("cases[3].results[0].verdict: expected a string, found null").
class json_reader {
public:
    json_reader(const nlohmann::json& value, std::string where)
        : value_(value), where_(std::move(where)) {}

    [[nodiscard]] json_reader at(const std::string& key) const {
        if (!value_.is_object()) complain("expected an object");
        const auto found = value_.find(key);
        if (found == value_.end())
            throw std::runtime_error(fmt::format("{}: no key '{}'", where_or_top(), key));
        return {*found, where_.empty() ? key : where_ + "." + key};
    }
    [[nodiscard]] bool has(const std::string& key) const {
        return value_.is_object() && value_.contains(key) && !value_.at(key).is_null();
    }
    [[nodiscard]] std::vector<json_reader> items() const {
        if (!value_.is_array()) complain("expected an array");
        std::vector<json_reader> out;
        for (std::size_t i = 0; i < value_.size(); ++i)
            out.emplace_back(value_[i], fmt::format("{}[{}]", where_, i));
        return out;
    }
    [[nodiscard]] std::string text() const {
        if (!value_.is_string()) complain("expected a string");
        return value_.get<std::string>();
    }
    [[nodiscard]] double number() const {
        if (!value_.is_number()) complain("expected a number");
        return value_.get<double>();
    }
    [[nodiscard]] bool boolean() const {
        if (!value_.is_boolean()) complain("expected true or false");
        return value_.get<bool>();
    }
    [[nodiscard]] time_point time() const {
        std::string why;
        const auto t = parse_time(text(), why);
        if (!t) complain(why);
        return *t;
    }
    [[nodiscard]] verdict verdict_value() const {
        const std::string name = text();
        for (const verdict v :
             {verdict::skip, verdict::pass, verdict::warn, verdict::fail, verdict::error})
            if (to_string(v) == name) return v;
        complain(fmt::format("'{}' is not a verdict (pass, warn, skip, fail, error)", name));
    }
    [[nodiscard]] const nlohmann::json& raw() const noexcept { return value_; }

    [[noreturn]] void complain(const std::string& what) const {
        throw std::runtime_error(fmt::format("{}: {}, found {}", where_or_top(), what,
                                             value_.is_null() ? "null" : value_.dump()));
    }

private:
    [[nodiscard]] std::string where_or_top() const { return where_.empty() ? "the top" : where_; }

    const nlohmann::json& value_;
    std::string where_;
};

[[nodiscard]] inline check_result result_from_json(const json_reader& j) {
    check_result r = check_result::make(j.at("check").text(), j.at("verdict").verdict_value(),
                                        j.at("summary").text());
    r.evidence = bounded_evidence(show_all);
    std::size_t kept = 0;
    for (const auto& item : j.at("evidence").items()) {
        ++kept;
        if (item.raw().is_string())
            r.evidence.add({item.raw().get<std::string>(), nlohmann::json()});
        else
            r.evidence.add({item.raw().dump(), item.raw()});
    }
    const double total = j.at("evidence_total").number();
    if (total > static_cast<double>(kept))
        r.evidence.count_more(static_cast<std::size_t>(total) - kept);
    r.totals = j.at("totals").raw();
    r.elapsed = std::chrono::milliseconds(static_cast<long long>(j.at("elapsed_ms").number()));
    return r;
}

[[nodiscard]] inline case_record case_from_json(const json_reader& j) {
    case_record c;
    c.name = j.at("name").text();
    if (j.has("id")) c.id = j.at("id").text();
    c.phase = j.at("phase").text();
    c.severity = j.at("severity").text();
    for (const auto& tag : j.at("tags").items())
        c.tags.push_back(tag.text());
    if (j.has("failure")) c.failure = j.at("failure").text();
    c.seconds = j.at("seconds").number();
    c.attempts = static_cast<int>(j.at("attempts").number());
    if (j.has("green_at")) c.green_at = j.at("green_at").time();
    if (j.has("waiver")) {
        const auto w = j.at("waiver");
        c.waived_by = waiver{c.name,
                             c.phase,
                             w.at("justification").text(),
                             w.at("expires").text(),
                             w.at("max_severity").text(),
                             w.at("where").text()};
    }
    for (const auto& result : j.at("results").items())
        c.results.push_back(result_from_json(result));
    return c;
}

[[nodiscard]] inline run_record run_from_json(const json_reader& j) {
    run_record run;
    run.suite = j.at("suite").text();
    run.target = j.at("target").text();
    run.target_summary = j.at("target_summary").text();
    run.started = j.at("started").time();
    run.finished = j.at("finished").time();
    if (j.has("since")) run.since = j.at("since").time();
    run.hostname = j.at("hostname").text();
    run.user = j.at("user").text();
    run.version = j.at("version").text();
    for (const auto& note : j.at("notes").items())
        run.notes.push_back(note.text());
    run.waited = j.at("waited").boolean();
    for (const auto& p : j.at("recovery").items())
        if (p.has("target_seconds"))
            run.recovery_targets[p.at("phase").text()] =
                std::chrono::milliseconds(std::llround(p.at("target_seconds").number() * 1000.0));
    if (j.has("matrix"))
        for (const auto& row : j.at("matrix").items())
            run.matrix.push_back(
                {row.at("severity").text(), row.at("action").text(), row.at("approval").text()});
    if (j.has("checklist"))
        for (const auto& item : j.at("checklist").items()) {
            checklist_entry entry{item.at("text").text(), item.at("proof").text(), {}};
            for (const auto& kind : item.at("kinds").items())
                entry.kinds.push_back(kind.text());
            run.checklist.push_back(std::move(entry));
        }
    for (const auto& c : j.at("cases").items())
        run.cases.push_back(case_from_json(c));
    return run;
}

/// `values`' distinct entries, in their first order, joined with ", ".
[[nodiscard]] inline std::string distinct_joined(const std::vector<std::string>& values) {
    std::vector<std::string> seen;
    for (const auto& v : values)
        if (!v.empty() && std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    return fmt::format("{}", fmt::join(seen, ", "));
}

} // namespace detail

ROLLCHECK_INLINE run_reading read_results_json(const std::filesystem::path& file) {
    run_reading out;
    std::string why;
    const auto text = detail::read_whole_file(file, why);
    if (!text) {
        out.error = why;
        return out;
    }
    const nlohmann::json document = nlohmann::json::parse(*text, nullptr, false);
    if (document.is_discarded()) {
        out.error =
            fmt::format("{}: not JSON (a suite's results.json was expected)", file.string());
        return out;
    }
    try {
        out.run = detail::run_from_json(detail::json_reader(document, ""));
    } catch (const std::exception& e) {
        out.error = fmt::format("{}: not a suite's results.json: {}", file.string(), e.what());
    }
    return out;
}

ROLLCHECK_INLINE host_run unreadable_host_run(const std::string& host, const std::string& why) {
    host_run out;
    out.host = host;
    case_record c;
    c.name = "the host's report was read";
    c.failure = why;
    out.run.cases.push_back(std::move(c));
    out.run.notes.push_back("no report could be read: " + why);
    return out;
}

ROLLCHECK_INLINE run_record merge_host_runs(const std::vector<host_run>& runs) {
    run_record fleet;
    std::vector<std::string> hosts, suites, users, versions, summaries;
    bool first = true;
    for (const auto& [host, run] : runs) {
        hosts.push_back(host);
        suites.push_back(run.suite);
        users.push_back(run.user);
        versions.push_back(run.version);
        if (!run.target_summary.empty())
            summaries.push_back(fmt::format("{}: {}", host, run.target_summary));
        // A run without times (a host whose report was unreadable) does not
        // stretch the fleet's.
        if (run.started != time_point{}) {
            if (first || run.started < fleet.started) fleet.started = run.started;
            if (first || run.finished > fleet.finished) fleet.finished = run.finished;
            first = false;
        }
        if (run.since && (!fleet.since || *run.since < *fleet.since)) fleet.since = run.since;
        fleet.waited = fleet.waited || run.waited;
        for (const auto& [phase, target] : run.recovery_targets)
            fleet.recovery_targets.emplace(phase, target);
        fleet.notes.push_back(fmt::format("{}: {} ({}): {}; exit status {}", host,
                                          run.suite.empty() ? "no suite" : run.suite,
                                          run.target.empty() ? "no target" : run.target,
                                          closing_line(run), run_exit_status(run)));
        for (const auto& note : run.notes)
            fleet.notes.push_back(fmt::format("{}: {}", host, note));
        for (case_record c : run.cases) {
            c.name = fmt::format("{}: {}", host, c.name);
            if (c.waived_by) c.waived_by->check = c.name;
            fleet.cases.push_back(std::move(c));
        }
    }
    if (first) fleet.started = fleet.finished = std::chrono::system_clock::now();
    fleet.suite = detail::distinct_joined(suites);
    fleet.hostname = detail::distinct_joined(hosts);
    fleet.user = detail::distinct_joined(users);
    fleet.version = detail::distinct_joined(versions);
    fleet.target = fmt::format("{} host runs: {}", runs.size(), fleet.hostname);
    fleet.target_summary = fmt::format("{}", fmt::join(summaries, "; "));
    return fleet;
}

} // namespace rollcheck
