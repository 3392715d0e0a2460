/// \file detail/containers/containers_impl.hpp
/// Definitions of containers.hpp, included at its end.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../containers.hpp"
#include "../../time.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "container_info.hpp"
#include "log_source.hpp"
#include "queries.hpp"

namespace rollcheck {

namespace detail {

/// A state in which a container's processes exist.
[[nodiscard]] inline bool is_up(const std::string& state) {
    return state == "running" || state == "restarting" || state == "paused";
}

/// True when `files` (the compose label, comma-separated) names `wanted`,
/// as a path or as a file name.
[[nodiscard]] inline bool names_compose_file(const std::string& files, const std::string& wanted) {
    std::size_t start = 0;
    while (start <= files.size()) {
        auto end = files.find(',', start);
        if (end == std::string::npos) end = files.size();
        const auto file = files.substr(start, end - start);
        const auto slash = file.rfind('/');
        if (file == wanted || (slash != std::string::npos && file.substr(slash + 1) == wanted))
            return true;
        start = end + 1;
    }
    return false;
}

/// What is wrong with inspected container `c` by `spec`; `unknown` counts
/// the problems that only say it cannot be told (no health check, no
/// start time): those alone make an error, not a failure.
[[nodiscard]] inline std::vector<std::string>
problems_of(const container_info& c, const containers_running_spec& spec, std::size_t& unknown) {
    std::vector<std::string> problems;
    if (c.restarting)
        problems.push_back(fmt::format("restarting (restarted {}×)", c.restart_count));
    else if (c.state != "running")
        problems.push_back("not running (" + c.state + ")");
    else if (c.restart_count > spec.max_restarts)
        problems.push_back(
            fmt::format("restarted {}× (at most {} allowed)", c.restart_count, spec.max_restarts));
    if (spec.healthy && c.health.empty()) {
        problems.push_back("has no health check");
        ++unknown;
    } else if (spec.healthy && c.health != "healthy") {
        problems.push_back(c.health);
    }
    if (spec.started_after) {
        std::string why;
        const auto started = parse_time(c.started_at, why);
        if (!started) {
            problems.push_back("start time unknown ('" + c.started_at + "')");
            ++unknown;
        } else if (*started < *spec.started_after) {
            problems.push_back("started before " + format_utc(*spec.started_after));
        }
    }
    return problems;
}

/// "; N containers of the project from other files run (files)", or ""
/// without any: the containers a file filter left out that still run, so
/// that a file named wrong does not read as a project that is down.
[[nodiscard]] inline std::string others_up_note(const std::vector<container_info>& others) {
    if (others.empty()) return {};
    std::set<std::string> files;
    for (const auto& c : others) {
        const auto comma = c.config_files.find(',');
        const auto first = c.config_files.substr(0, comma);
        files.insert(first.empty() ? "no compose file" : first.substr(first.rfind('/') + 1));
    }
    std::string shown;
    for (const auto& file : files)
        shown += (shown.empty() ? "" : ", ") + file;
    return fmt::format("; {} of the project from other files {} ({})",
                       counted(others.size(), "container"), agreeing(others.size(), "runs", "run"),
                       shown);
}

/// The names of `containers`, at most three, for a summary.
/// With `states`, a state other than running follows its name: "web (restarting)".
[[nodiscard]] inline std::string some_names(const std::vector<container_info>& containers,
                                            bool states = false) {
    std::string text;
    for (std::size_t i = 0; i < containers.size() && i < 3; ++i) {
        const auto& c = containers[i];
        text += (i > 0 ? ", " : "") + c.name;
        if (states && c.state != "running") text += " (" + c.state + ")";
    }
    if (containers.size() > 3) text += fmt::format(" and {} more", containers.size() - 3);
    return text;
}

} // namespace detail

ROLLCHECK_INLINE check_result check_containers_down(const containers_down_spec& spec) {
    constexpr const char* check = "containers.down";
    return timed_check(check, [&] {
        if (spec.project.empty()) return check_result::error(check, "no compose project given");
        std::optional<check_result> error;
        auto client = detail::open_engine(spec.docker, check, error);
        if (!client) return *error;
        const nlohmann::json filters = {
            {"label", {fmt::format("{}={}", detail::compose_project_label, spec.project)}}};
        auto all = detail::list_containers(*client, filters, check, error);
        if (!all) return *error;
        std::vector<detail::container_info> left, others_up;
        std::size_t members = 0;
        for (auto& c : *all) {
            if (!spec.config_file.empty() &&
                !detail::names_compose_file(c.config_files, spec.config_file)) {
                if (detail::is_up(c.state)) others_up.push_back(c);
                continue;
            }
            ++members;
            if (spec.none_at_all || detail::is_up(c.state)) left.push_back(std::move(c));
        }
        const auto what =
            spec.config_file.empty()
                ? fmt::format("compose project '{}'", spec.project)
                : fmt::format("compose project '{}' ({})", spec.project, spec.config_file);
        const auto kind = spec.none_at_all ? "left" : "running";
        auto r = left.empty()
                     ? check_result::pass(
                           check, (spec.none_at_all || members == 0
                                       ? fmt::format("{} is down: no container of it exists", what)
                                       : fmt::format("{} is down: no container of it runs "
                                                     "({} stopped)",
                                                     what, members)) +
                                      detail::others_up_note(others_up))
                     : check_result::fail(check, fmt::format("{} is not down: {} {}: {}", what,
                                                             counted(left.size(), "container"),
                                                             kind, detail::some_names(left, true)));
        r.evidence = bounded_evidence(spec.show);
        for (const auto& c : left)
            r.evidence.add({detail::describe_container(c), detail::container_data(c)});
        r.totals = {{"socket", client->socket()},
                    {"project", spec.project},
                    {"containers", members},
                    {kind, left.size()}};
        if (!spec.config_file.empty()) r.totals["other_files_running"] = others_up.size();
        return r;
    });
}

ROLLCHECK_INLINE check_result check_containers_running(const containers_running_spec& spec) {
    constexpr const char* check = "containers.running";
    return timed_check(check, [&] {
        if (spec.name_pattern.empty() && spec.image_pattern.empty())
            return check_result::error(check, "no name or image pattern given");
        std::string why;
        std::unique_ptr<RE2> name_re, image_re;
        if (!spec.name_pattern.empty() &&
            !(name_re = detail::compile_pattern(spec.name_pattern, why, {}, "name pattern")))
            return check_result::error(check, why);
        if (!spec.image_pattern.empty() &&
            !(image_re = detail::compile_pattern(spec.image_pattern, why, {}, "image pattern")))
            return check_result::error(check, why);
        std::optional<check_result> error;
        auto client = detail::open_engine(spec.docker, check, error);
        if (!client) return *error;
        auto all = detail::list_containers(*client, nlohmann::json::object(), check, error);
        if (!all) return *error;

        std::vector<std::string> selectors;
        if (name_re) selectors.push_back(fmt::format("name '{}'", spec.name_pattern));
        if (image_re) selectors.push_back(fmt::format("image '{}'", spec.image_pattern));
        const auto selected = fmt::format("{}", fmt::join(selectors, " and "));

        bounded_evidence bad(spec.show), good(spec.show);
        std::size_t matched = 0, failing = 0;
        std::vector<detail::container_info> bad_ones;
        for (auto& c : *all) {
            if ((name_re && !detail::search(*name_re, c.name)) ||
                (image_re && !detail::search(*image_re, c.image)))
                continue;
            ++matched;
            std::vector<std::string> problems;
            std::size_t unknown = 0;
            switch (detail::inspect_container(*client, c, why)) {
            case detail::inspected::failed:
                return check_result::error(check, why);
            case detail::inspected::gone:
                c.state = "removed";
                problems.push_back("removed while it was checked");
                break;
            case detail::inspected::ok:
                problems = detail::problems_of(c, spec, unknown);
            }
            if (problems.size() > unknown) ++failing;
            auto data = detail::container_data(c);
            if (problems.empty()) {
                good.add({detail::describe_container(c), std::move(data)});
                continue;
            }
            const auto problem = fmt::format("{}", fmt::join(problems, ", "));
            data["problem"] = problem;
            bad.add({fmt::format("{}: {}", c.name, problem) + " — " + detail::describe_container(c),
                     std::move(data)});
            bad_ones.push_back(std::move(c));
        }
        std::string wanted = "running";
        if (spec.healthy) wanted += ", healthy";
        if (spec.started_after) wanted += ", started after " + format_utc(*spec.started_after);
        check_result r;
        if (matched < spec.min_count)
            r = check_result::fail(
                check, fmt::format("{} {} (at least {} expected)",
                                   counted(matched, "container matches", "containers match"),
                                   selected, spec.min_count));
        else if (!bad_ones.empty())
            r = check_result::make(check, failing > 0 ? verdict::fail : verdict::error,
                                   fmt::format("{} of {} matching {} {} not {}: {}",
                                               bad_ones.size(), counted(matched, "container"),
                                               selected, agreeing(bad_ones.size(), "is", "are"),
                                               wanted, detail::some_names(bad_ones)));
        else
            r = check_result::pass(check,
                                   fmt::format("{} matching {}: all {}",
                                               counted(matched, "container"), selected, wanted));
        r.evidence = bad_ones.empty() ? std::move(good) : std::move(bad);
        r.totals = {{"socket", client->socket()},
                    {"containers", all->size()},
                    {"matched", matched},
                    {"not_as_expected", bad_ones.size()}};
        return r;
    });
}

ROLLCHECK_INLINE check_result check_container_log_scan(const container_log_spec& spec) {
    return timed_check("logs.scan", [&] {
        if (spec.container.empty()) return check_result::error("logs.scan", "no container given");
        std::optional<check_result> error;
        auto client = detail::open_engine(spec.docker, "logs.scan", error);
        if (!client) return *error;
        return detail::scan_container_log(*client, spec);
    });
}

} // namespace rollcheck
