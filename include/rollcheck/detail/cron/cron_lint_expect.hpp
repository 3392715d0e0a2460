/// \file detail/cron/cron_lint_expect.hpp
/// check_cron_lint and check_cron_expect: what the crontabs hold now.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../../cron.hpp"
#include "../../wording.hpp"
#include "../pattern.hpp"
#include "cron_read.hpp"

namespace rollcheck {

ROLLCHECK_INLINE check_result check_cron_lint(const cron_lint_spec& spec) {
    return timed_check("cron.lint", [&] {
        const auto reading = read_crontabs(spec);
        if (auto e = detail::cron_reading_error("cron.lint", spec, reading, spec.show)) return *e;
        // A directory without a crontab file in it: nothing was linted.
        if (reading.tabs.empty())
            return check_result::error("cron.lint",
                                       fmt::format("no crontab to lint: {} holds no crontab file",
                                                   spec.sources.front().label()));
        std::size_t errors = 0, warnings = 0;
        bounded_evidence evidence(spec.show);
        std::vector<std::string> names;
        for (const auto& tab : reading.tabs) {
            names.push_back(tab.name);
            for (const auto& d : tab.diagnostics) {
                (d.severity == cron_severity::error ? errors : warnings) += 1;
                evidence.add(
                    {d.text(),
                     {{"file", d.file},
                      {"line", d.line},
                      {"column", d.column},
                      {"severity", d.severity == cron_severity::error ? "error" : "warning"},
                      {"message", d.message}}});
            }
        }
        std::string where;
        for (const auto& n : names)
            where += (where.empty() ? "" : ", ") + n;
        where += fmt::format(" ({})", counted(reading.entries(), "entry", "entries"));
        const auto counts = fmt::format("{}, {}", counted(errors, "error", "errors"),
                                        counted(warnings, "warning", "warnings"));
        auto r = errors > 0     ? check_result::fail("cron.lint", counts + " in " + where)
                 : warnings > 0 ? check_result::warn("cron.lint", counts + " in " + where)
                                : check_result::pass("cron.lint", "no problems in " + where);
        r.evidence = std::move(evidence);
        r.totals = {{"sources", reading.tabs.size()},
                    {"entries", reading.entries()},
                    {"errors", errors},
                    {"warnings", warnings}};
        return r;
    });
}

namespace detail {

/// "(crontab:3 runs it at '0 3 * * *')": the nearest entry, to say what differs.
inline std::string cron_near_miss(const std::vector<const cron_entry*>& all,
                                  const std::string& command) {
    for (const auto* e : all)
        if (e->normalized_command() == command)
            return fmt::format(" ({} runs it at '{}')", e->where(), e->schedule.text);
    return "";
}

} // namespace detail

ROLLCHECK_INLINE check_result check_cron_expect(const cron_expect_spec& spec) {
    return timed_check("cron.expect", [&] {
        const auto reading = read_crontabs(spec);
        if (auto e = detail::cron_reading_error("cron.expect", spec, reading, spec.show)) return *e;
        if (spec.present.empty() && spec.absent.empty() && !spec.no_duplicates)
            return check_result::error("cron.expect", "nothing to check: no entry expected or "
                                                      "forbidden, duplicates allowed");
        std::vector<cron_schedule> wanted;
        for (const auto& p : spec.present) {
            std::string why;
            auto s = parse_cron_schedule(p.schedule, why);
            if (!s)
                return check_result::error(
                    "cron.expect", fmt::format("expected schedule '{}': {}", p.schedule, why));
            wanted.push_back(std::move(*s));
        }
        std::vector<std::unique_ptr<RE2>> patterns;
        for (const auto& text : spec.absent) {
            std::string why;
            patterns.push_back(detail::compile_pattern(text, why, {}, "forbidden pattern"));
            if (!patterns.back()) return check_result::error("cron.expect", why);
        }
        std::vector<const cron_entry*> all;
        for (const auto& tab : reading.tabs)
            for (const auto& e : tab.entries)
                all.push_back(&e);

        bounded_evidence evidence(spec.show);
        std::size_t missing = 0, forbidden = 0, duplicated = 0;
        for (std::size_t i = 0; i < spec.present.size(); ++i) {
            const auto& p = spec.present[i];
            const auto command = detail::normalize_blanks(p.command);
            const bool found = std::any_of(all.begin(), all.end(), [&](const cron_entry* e) {
                return e->schedule.same_times(wanted[i]) && e->normalized_command() == command &&
                       (p.user.empty() || p.user == e->user);
            });
            if (found) continue;
            ++missing;
            const auto shown =
                fmt::format("{}{}{} {}", p.schedule, p.user.empty() ? "" : " ", p.user, command);
            evidence.add(
                {fmt::format("missing: '{}'{}", shown, detail::cron_near_miss(all, command)),
                 {{"kind", "missing"},
                  {"schedule", p.schedule},
                  {"user", p.user},
                  {"command", command}}});
        }
        for (const auto* e : all)
            for (const auto& re : patterns)
                if (RE2::PartialMatch(e->normalized_command(), *re)) {
                    ++forbidden;
                    evidence.add({fmt::format("{}: '{}' matches forbidden pattern '{}'", e->where(),
                                              e->display(), re->pattern()),
                                  {{"kind", "forbidden"},
                                   {"pattern", re->pattern()},
                                   {"entry", detail::cron_entry_json(*e)}}});
                    break;
                }
        if (spec.no_duplicates) {
            std::map<std::string, const cron_entry*> seen;
            for (const auto* e : all) {
                const auto [it, fresh] = seen.emplace(e->identity(), e);
                if (fresh) continue;
                ++duplicated;
                evidence.add({fmt::format("{}: '{}' duplicates {}", e->where(), e->display(),
                                          it->second->where()),
                              {{"kind", "duplicate"},
                               {"entry", detail::cron_entry_json(*e)},
                               {"first", it->second->where()}}});
            }
        }
        const auto among = fmt::format("among {} in {}", counted(all.size(), "entry", "entries"),
                                       counted(reading.tabs.size(), "crontab", "crontabs"));
        std::vector<std::string> parts;
        check_result r;
        if (missing + forbidden + duplicated > 0) {
            if (missing > 0)
                parts.push_back(
                    counted(missing, "expected entry missing", "expected entries missing"));
            if (forbidden > 0)
                parts.push_back(
                    counted(forbidden, "forbidden entry scheduled", "forbidden entries scheduled"));
            if (duplicated > 0)
                parts.push_back(counted(duplicated, "duplicated entry", "duplicated entries"));
            parts.back() += " " + among;
            for (const auto& note : reading.notes)
                parts.push_back(note);
            r = check_result::fail("cron.expect", detail::join_parts(parts, ", "));
        } else {
            if (!spec.present.empty())
                parts.push_back(counted(spec.present.size(), "expected entry present",
                                        "expected entries present"));
            if (!spec.absent.empty())
                parts.push_back(
                    fmt::format("none matches {}", counted(spec.absent.size(), "forbidden pattern",
                                                           "forbidden patterns")));
            if (spec.no_duplicates) parts.push_back("no duplicates");
            parts.back() += " " + among;
            r = check_result::pass("cron.expect", detail::join_parts(parts, ", "));
        }
        r.evidence = std::move(evidence);
        r.totals = {{"entries", all.size()},    {"crontabs", reading.tabs.size()},
                    {"missing", missing},       {"forbidden", forbidden},
                    {"duplicated", duplicated}, {"notes", reading.notes}};
        return r;
    });
}

} // namespace rollcheck
