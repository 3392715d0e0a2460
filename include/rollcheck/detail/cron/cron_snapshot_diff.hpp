/// \file detail/cron/cron_snapshot_diff.hpp
/// check_cron_snapshot and check_cron_diff: the crontabs saved before the
/// rollback, and what changed since.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../../cron.hpp"
#include "../../wording.hpp"
#include "../atomic_file.hpp"
#include "../read_file.hpp"
#include "cron_read.hpp"

namespace rollcheck {

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

ROLLCHECK_INLINE nlohmann::json cron_snapshot_json(const cron_input& in,
                                                   const cron_reading& reading) {
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

ROLLCHECK_INLINE check_result check_cron_snapshot(const cron_snapshot_spec& spec) {
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
        const auto failed = detail::write_file_atomically(
            spec.output, cron_snapshot_json(spec, reading).dump(2) + "\n");
        if (!failed.empty())
            return check_result::error("cron.snapshot",
                                       fmt::format("cannot write snapshot: {}", failed));
        auto summary = fmt::format(
            "saved {} and {} from {} to {}", counted(reading.entries(), "entry", "entries"),
            counted(env, "environment line", "environment lines"),
            counted(reading.tabs.size(), "crontab", "crontabs"), spec.output.string());
        auto r = rejected == 0
                     ? check_result::pass("cron.snapshot", summary)
                     : check_result::warn("cron.snapshot",
                                          fmt::format("{}; {} with errors left out (cron does not "
                                                      "run them; see rollcheck cron lint)",
                                                      summary, counted(rejected, "line", "lines")));
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

ROLLCHECK_INLINE check_result check_cron_diff(const cron_diff_spec& spec) {
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
            r = check_result::pass("cron.diff",
                                   fmt::format("live crontabs match snapshot '{}' ({} in {})",
                                               spec.snapshot.string(),
                                               counted(entries, "entry", "entries"),
                                               counted(names.size(), "crontab", "crontabs")));
        } else {
            std::vector<std::string> parts;
            if (counts.missing) parts.push_back(fmt::format("{} missing", counts.missing));
            if (counts.added) parts.push_back(fmt::format("{} added", counts.added));
            if (counts.changed) parts.push_back(fmt::format("{} changed", counts.changed));
            std::string summary =
                parts.empty() ? std::string() : "entries: " + detail::join_parts(parts, ", ");
            if (counts.environment)
                summary += (summary.empty() ? "" : "; ") + counted(counts.environment,
                                                                   "environment variable differs",
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

} // namespace rollcheck
