/// \file detail/cron_checks.hpp
/// The bodies of the cron verifiers declared in cron.hpp.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <re2/re2.h>

#include "../cron.hpp"
#include "../log_scan.hpp"
#include "text.hpp"

namespace rollcheck {

namespace detail {

inline std::string join_parts(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : sep) + p;
    return out;
}

/// "(crontab:3 runs it at '0 3 * * *')": the nearest entry, to say what differs.
inline std::string cron_near_miss(const std::vector<const cron_entry*>& all,
                                  const std::string& command) {
    for (const auto* e : all)
        if (e->normalized_command() == command)
            return fmt::format(" ({} runs it at '{}')", e->where(), e->schedule.text);
    return "";
}

} // namespace detail

inline check_result check_cron_expect(const cron_expect_spec& spec) {
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
            RE2::Options options;
            options.set_log_errors(false);
            patterns.push_back(std::make_unique<RE2>(text, options));
            if (!patterns.back()->ok())
                return check_result::error(
                    "cron.expect",
                    fmt::format("forbidden pattern '{}': {}", text, patterns.back()->error()));
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
        const auto among =
            fmt::format("among {} in {}", detail::plural(all.size(), "entry", "entries"),
                        detail::plural(reading.tabs.size(), "crontab", "crontabs"));
        std::vector<std::string> parts;
        check_result r;
        if (missing + forbidden + duplicated > 0) {
            if (missing > 0)
                parts.push_back(
                    detail::plural(missing, "expected entry missing", "expected entries missing"));
            if (forbidden > 0)
                parts.push_back(detail::plural(forbidden, "forbidden entry scheduled",
                                               "forbidden entries scheduled"));
            if (duplicated > 0)
                parts.push_back(
                    detail::plural(duplicated, "duplicated entry", "duplicated entries"));
            parts.back() += " " + among;
            for (const auto& note : reading.notes)
                parts.push_back(note);
            r = check_result::fail("cron.expect", detail::join_parts(parts, ", "));
        } else {
            if (!spec.present.empty())
                parts.push_back(detail::plural(spec.present.size(), "expected entry present",
                                               "expected entries present"));
            if (!spec.absent.empty())
                parts.push_back(fmt::format(
                    "none matches {}",
                    detail::plural(spec.absent.size(), "forbidden pattern", "forbidden patterns")));
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

// ---------------------------------------------------------------- snapshot

namespace detail {

inline nlohmann::json cron_source_json(const cron_source& s) {
    switch (s.type) {
    case cron_source::kind::directory:
        return {{"type", "directory"}, {"path", s.path.string()}};
    case cron_source::kind::user:
        return {{"type", "user"}, {"user", s.user}};
    case cron_source::kind::text:
        return {{"type", "text"}, {"name", s.name}, {"content", s.content}, {"system", s.system}};
    default:
        return {{"type", "file"}, {"path", s.path.string()}, {"system", s.system}};
    }
}

inline std::optional<cron_source> cron_source_from_json(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
    const auto type = j["type"].get<std::string>();
    const auto str = [&](const char* key) {
        return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
    };
    const bool system = j.contains("system") && j["system"].is_boolean() && j["system"].get<bool>();
    if (type == "directory") return cron_source::directory(str("path"));
    if (type == "user") return cron_source::user_crontab(str("user"));
    if (type == "text") return cron_source::text(str("name"), str("content"), system);
    if (type == "file") return cron_source::file(str("path"), system);
    return std::nullopt;
}

inline constexpr const char* cron_snapshot_format = "rollcheck cron snapshot";

} // namespace detail

inline nlohmann::json cron_snapshot_json(const cron_input& in, const cron_reading& reading) {
    auto sources = nlohmann::json::array();
    for (const auto& s : in.sources)
        sources.push_back(detail::cron_source_json(s));
    auto tabs = nlohmann::json::array();
    for (const auto& tab : reading.tabs) {
        auto entries = nlohmann::json::array();
        for (const auto& e : tab.entries)
            entries.push_back(detail::cron_entry_json(e));
        auto env = nlohmann::json::array();
        for (const auto& v : tab.environment)
            env.push_back({{"name", v.name}, {"value", v.value}, {"line", v.line}});
        tabs.push_back({{"name", tab.name},
                        {"system", tab.system},
                        {"entries", std::move(entries)},
                        {"environment", std::move(env)}});
    }
    return {{"format", detail::cron_snapshot_format},
            {"version", 1},
            {"sources", std::move(sources)},
            {"crontabs", std::move(tabs)}};
}

inline check_result check_cron_snapshot(const cron_snapshot_spec& spec) {
    return timed_check("cron.snapshot", [&] {
        const auto reading = read_crontabs(spec);
        if (auto e = detail::cron_reading_error("cron.snapshot", spec, reading, 10)) return *e;
        if (spec.output.empty())
            return check_result::error("cron.snapshot", "no output file given");
        std::size_t env = 0, rejected = 0;
        for (const auto& tab : reading.tabs) {
            env += tab.environment.size();
            rejected += tab.count(cron_severity::error);
        }
        {
            std::ofstream out(spec.output, std::ios::binary | std::ios::trunc);
            out << cron_snapshot_json(spec, reading).dump(2) << '\n';
            out.flush();
            if (!out)
                return check_result::error("cron.snapshot",
                                           fmt::format("cannot write snapshot '{}': {}",
                                                       spec.output.string(), std::strerror(errno)));
        }
        auto summary = fmt::format(
            "saved {} and {} from {} to {}", detail::plural(reading.entries(), "entry", "entries"),
            detail::plural(env, "environment line", "environment lines"),
            detail::plural(reading.tabs.size(), "crontab", "crontabs"), spec.output.string());
        auto r = rejected == 0
                     ? check_result::pass("cron.snapshot", summary)
                     : check_result::warn("cron.snapshot",
                                          fmt::format("{}; {} with errors left out (cron does not "
                                                      "run them; see rollcheck cron lint)",
                                                      summary,
                                                      detail::plural(rejected, "line", "lines")));
        r.totals = {{"entries", reading.entries()},
                    {"environment", env},
                    {"crontabs", reading.tabs.size()},
                    {"rejected_lines", rejected},
                    {"notes", reading.notes}};
        return r;
    });
}

// ---------------------------------------------------------------- diff

namespace detail {

/// One side of a diff: entries by identity, and environment values by name.
struct cron_side {
    struct item {
        std::string identity, where, shown, command, user, canonical;
    };
    std::vector<item> entries;
    std::map<std::string, std::vector<std::string>> environment;
};

inline std::string cron_identity(const std::string& canonical, const std::string& zone,
                                 const std::string& user, const std::string& command) {
    return fmt::format("{}\t{}\t{}\t{}", canonical, zone, user, command);
}

inline std::map<std::string, cron_side> cron_sides(const cron_reading& reading) {
    std::map<std::string, cron_side> sides;
    for (const auto& tab : reading.tabs) {
        auto& side = sides[tab.name];
        for (const auto& e : tab.entries)
            side.entries.push_back({e.identity(), e.where(), e.display(), e.normalized_command(),
                                    e.user, e.schedule.canonical()});
        for (const auto& v : tab.environment)
            side.environment[v.name].push_back(v.value);
    }
    return sides;
}

/// The snapshot's crontabs, or an error message.
inline std::optional<std::map<std::string, cron_side>>
cron_snapshot_sides(const nlohmann::json& doc, std::string& error) {
    std::map<std::string, cron_side> sides;
    try {
        for (const auto& tab : doc.at("crontabs")) {
            const auto name = tab.at("name").get<std::string>();
            auto& side = sides[name];
            for (const auto& e : tab.at("entries")) {
                const auto schedule = e.at("schedule").get<std::string>();
                const auto command = e.at("command").get<std::string>();
                const auto user = e.at("user").get<std::string>();
                const auto canonical = e.at("canonical").get<std::string>();
                side.entries.push_back(
                    {cron_identity(canonical, e.at("zone").get<std::string>(), user, command),
                     fmt::format("{}:{}", name, e.at("line").get<std::size_t>()),
                     fmt::format("{}{}{} {}", schedule, user.empty() ? "" : " ", user, command),
                     command, user, canonical});
            }
            for (const auto& v : tab.at("environment"))
                side.environment[v.at("name").get<std::string>()].push_back(
                    v.at("value").get<std::string>());
        }
    } catch (const nlohmann::json::exception& e) {
        error = e.what();
        return std::nullopt;
    }
    return sides;
}

struct cron_diff_counts {
    std::size_t missing = 0, added = 0, changed = 0, environment = 0;
    [[nodiscard]] std::size_t total() const { return missing + added + changed + environment; }
};

inline void cron_diff_entries(const cron_side& before, const cron_side& after,
                              bounded_evidence& evidence, cron_diff_counts& counts) {
    std::vector<cron_side::item> gone = before.entries, fresh;
    for (const auto& e : after.entries) {
        const auto it = std::find_if(gone.begin(), gone.end(),
                                     [&](const auto& g) { return g.identity == e.identity; });
        if (it != gone.end())
            gone.erase(it);
        else
            fresh.push_back(e);
    }
    for (const auto& g : gone) {
        auto it = std::find_if(fresh.begin(), fresh.end(), [&](const auto& f) {
            return f.user == g.user && (f.command == g.command || f.canonical == g.canonical);
        });
        if (it != fresh.end()) {
            ++counts.changed;
            evidence.add({fmt::format("changed: {} '{}' is now '{}' ({})", g.where, g.shown,
                                      it->shown, it->where),
                          {{"kind", "changed"},
                           {"was", g.shown},
                           {"now", it->shown},
                           {"where", it->where}}});
            fresh.erase(it);
            continue;
        }
        ++counts.missing;
        evidence.add({fmt::format("missing: {} '{}'", g.where, g.shown),
                      {{"kind", "missing"}, {"entry", g.shown}, {"where", g.where}}});
    }
    for (const auto& f : fresh) {
        ++counts.added;
        evidence.add({fmt::format("added: {} '{}'", f.where, f.shown),
                      {{"kind", "added"}, {"entry", f.shown}, {"where", f.where}}});
    }
}

inline void cron_diff_environment(const std::string& tab, const cron_side& before,
                                  const cron_side& after, bounded_evidence& evidence,
                                  cron_diff_counts& counts) {
    std::map<std::string, int> names;
    for (const auto& side : {&before, &after})
        for (const auto& [name, values] : side->environment)
            names[name] = 0;
    const auto show = [](const std::vector<std::string>* v) {
        if (v == nullptr) return std::string("unset");
        std::string out;
        for (const auto& value : *v)
            out += (out.empty() ? "'" : ", '") + cron_snippet(value) + "'";
        return out;
    };
    for (const auto& [name, unused] : names) {
        const auto b = before.environment.find(name), a = after.environment.find(name);
        const auto* was = b == before.environment.end() ? nullptr : &b->second;
        const auto* now = a == after.environment.end() ? nullptr : &a->second;
        if (was != nullptr && now != nullptr && *was == *now) continue;
        ++counts.environment;
        evidence.add(
            {fmt::format("environment: {}: {} was {}, is {}", tab, name, show(was), show(now)),
             {{"kind", "environment"},
              {"crontab", tab},
              {"name", name},
              {"was", was ? nlohmann::json(*was) : nlohmann::json()},
              {"now", now ? nlohmann::json(*now) : nlohmann::json()}}});
    }
}

} // namespace detail

inline check_result check_cron_diff(const cron_diff_spec& spec) {
    return timed_check("cron.diff", [&]() -> check_result {
        std::string why;
        const auto text = detail::read_whole_file(spec.snapshot, why);
        if (!text) return check_result::error("cron.diff", "snapshot: " + why);
        const auto doc = nlohmann::json::parse(*text, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() ||
            doc.value("format", "") != detail::cron_snapshot_format)
            return check_result::error(
                "cron.diff",
                fmt::format("'{}' is not a rollcheck cron snapshot", spec.snapshot.string()));
        const auto before = detail::cron_snapshot_sides(doc, why);
        if (!before)
            return check_result::error("cron.diff", fmt::format("snapshot '{}' is damaged: {}",
                                                                spec.snapshot.string(), why));
        cron_input in = spec;
        if (in.sources.empty() && doc.contains("sources") && doc["sources"].is_array())
            for (const auto& s : doc["sources"])
                if (auto src = detail::cron_source_from_json(s)) in.sources.push_back(*src);
        const auto reading = read_crontabs(in);
        if (auto e = detail::cron_reading_error("cron.diff", in, reading, spec.show)) return *e;
        const auto after = detail::cron_sides(reading);

        bounded_evidence evidence(spec.show);
        detail::cron_diff_counts counts;
        std::map<std::string, int> names;
        using sides_t = std::map<std::string, detail::cron_side>;
        for (const sides_t* sides : {&*before, &after})
            for (const auto& [name, side] : *sides)
                names[name] = 0;
        const detail::cron_side none;
        std::size_t entries = 0;
        for (const auto& [name, unused] : names) {
            const auto b = before->find(name), a = after.find(name);
            const auto& was = b == before->end() ? none : b->second;
            const auto& now = a == after.end() ? none : a->second;
            entries += was.entries.size();
            detail::cron_diff_entries(was, now, evidence, counts);
            detail::cron_diff_environment(name, was, now, evidence, counts);
        }
        check_result r;
        if (counts.total() == 0) {
            r = check_result::pass(
                "cron.diff",
                fmt::format("live crontabs match snapshot '{}' ({} in {})", spec.snapshot.string(),
                            detail::plural(entries, "entry", "entries"),
                            detail::plural(names.size(), "crontab", "crontabs")));
        } else {
            std::vector<std::string> parts;
            if (counts.missing) parts.push_back(fmt::format("{} missing", counts.missing));
            if (counts.added) parts.push_back(fmt::format("{} added", counts.added));
            if (counts.changed) parts.push_back(fmt::format("{} changed", counts.changed));
            std::string summary =
                parts.empty() ? std::string() : "entries: " + detail::join_parts(parts, ", ");
            if (counts.environment)
                summary += (summary.empty() ? "" : "; ") +
                           detail::plural(counts.environment, "environment variable differs",
                                          "environment variables differ");
            r = check_result::fail("cron.diff", fmt::format("{} against snapshot '{}'", summary,
                                                            spec.snapshot.string()));
        }
        r.evidence = std::move(evidence);
        r.totals = {{"missing", counts.missing},
                    {"added", counts.added},
                    {"changed", counts.changed},
                    {"environment", counts.environment},
                    {"snapshot_entries", entries}};
        return r;
    });
}

// ---------------------------------------------------------------- did it run

namespace detail {

/// The scan cron.ran makes: one required pattern, the match as a literal
/// (any line that is not empty when there is none), located where it last matched.
inline log_scan_spec ran_scan_of(const cron_ran_spec& spec) {
    log_scan_spec scan;
    scan.files = {literal_log_path(spec.log.string())};
    scan.rules.required = {{spec.match.empty() ? "." : RE2::QuoteMeta(spec.match), 1, true}};
    scan.show = 0;
    return scan;
}

/// Reads a log's wall-clock times on `zone`, as cron's own clock would.
inline timestamp_reader ran_clock(const tz_zone& zone, cron_time now) {
    return timestamp_reader(now, [zone](std::int64_t wall) {
        return wall - zone.offset_at(wall - zone.offset_at(wall));
    });
}

/// The time of the scan's `last` match (its event's time), if it has one.
inline std::optional<cron_time> last_match_time(const nlohmann::json& last) {
    if (last.is_null() || !last.at("time").is_string()) return std::nullopt;
    const auto millis = timestamp_reader().whole_text(last.at("time").get<std::string>());
    if (!millis) return std::nullopt;
    return time_of(*millis / 1000);
}

/// The verdict from the scan's last matching line against the due run.
inline check_result judge_ran(const cron_ran_spec& spec, const nlohmann::json& pattern,
                              cron_time due, const tz_zone& zone) {
    const std::uint64_t matching = pattern.at("lines");
    const nlohmann::json last = pattern.value("last", nlohmann::json());
    const auto latest = last_match_time(last);
    const std::string what = spec.match.empty() ? std::string("a line")
                                                : fmt::format("a line containing '{}'", spec.match);
    const std::string due_text = format_cron_time(due, zone);
    const auto at = [&] { return format_cron_time(*latest, zone); };
    if (matching > 0 && !latest)
        return check_result::error(
            "cron.ran",
            fmt::format("{} of '{}' {}, but no time rollcheck can read is on or above {} (line "
                        "{}; ISO 8601, Python logging, syslog, epoch seconds)",
                        counted(matching, "line"), spec.log.string(),
                        matching == 1 ? "matches" : "match", matching == 1 ? "it" : "the last",
                        last.at("line").get<std::uint64_t>()));
    if (latest && *latest >= due)
        return check_result::pass(
            "cron.ran", fmt::format("'{}' logged {} at {} ({}:{}), after the run due at {} {}",
                                    spec.schedule, what, at(), spec.log.string(),
                                    last.at("line").get<std::uint64_t>(), due_text, zone.name()));
    return check_result::fail(
        "cron.ran",
        fmt::format("no {} in '{}' since the run of '{}' due at {} {} (grace {} min); {}",
                    what.substr(2), spec.log.string(), spec.schedule, due_text, zone.name(),
                    std::chrono::duration_cast<std::chrono::minutes>(spec.grace).count(),
                    latest ? fmt::format("the last one is from {} (line {})", at(),
                                         last.at("line").get<std::uint64_t>())
                           : std::string("none at all")));
}

} // namespace detail

inline check_result check_cron_ran(const cron_ran_spec& spec) {
    return timed_check("cron.ran", [&]() -> check_result {
        std::string why;
        const auto schedule = parse_cron_schedule(spec.schedule, why);
        if (!schedule)
            return check_result::error("cron.ran",
                                       fmt::format("schedule '{}': {}", spec.schedule, why));
        if (schedule->reboot)
            return check_result::error("cron.ran", "@reboot runs when cron starts, not on a "
                                                   "clock: there is no scheduled time to check");
        const auto zone = cron_zone::load(spec.zone, why);
        const auto log_zone = spec.log_zone.empty() ? zone : cron_zone::load(spec.log_zone, why);
        if (!zone || !log_zone) return check_result::error("cron.ran", why);
        const auto now = spec.now.value_or(
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
        const auto grace = std::chrono::duration_cast<std::chrono::seconds>(spec.grace);
        // The last run whose grace has passed: it must have logged by now.
        const auto due = cron_previous(*schedule, now - grace + std::chrono::seconds(1), *zone);
        if (!due)
            return check_result::error("cron.ran", fmt::format("'{}' has not fired in 400 years "
                                                               "before now: nothing to check",
                                                               spec.schedule));
        nlohmann::json pattern = {{"lines", 0}}; // an empty log: rotated, and nothing since
        std::error_code ec;
        if (!std::filesystem::is_regular_file(spec.log, ec) ||
            std::filesystem::file_size(spec.log, ec) != 0 || ec) {
            auto scan =
                detail::scan_logs(detail::ran_scan_of(spec), detail::ran_clock(*log_zone, now));
            if (scan.status == verdict::error) return check_result::error("cron.ran", scan.summary);
            pattern = scan.totals.at("patterns").at(0);
        }
        check_result r = detail::judge_ran(spec, pattern, *due, *zone);
        const auto& last = pattern.value("last", nlohmann::json());
        r.totals = {{"due", format_cron_time(*due, *zone)},
                    {"zone", zone->name()},
                    {"matching_lines", pattern.at("lines")},
                    {"latest", last.is_null() ? nlohmann::json() : last}};
        return r;
    });
}

} // namespace rollcheck
