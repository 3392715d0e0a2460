/// \file detail/suite/waiver_impl.hpp
/// Definitions of waiver.hpp, included at its end.
#pragma once

#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "../../waiver.hpp"
#include "../report/tally.hpp"
#include "../target/target_impl.hpp"

namespace rollcheck {

namespace detail {

/// Reads the `[[waiver]]` tables of one file, collecting every fault.
class waiver_reader {
public:
    explicit waiver_reader(const std::filesystem::path& name) : name_(name.string()) {}

    waiver_reading read(std::string_view text) && {
        try {
            read_document(toml::parse(text, std::string_view(name_)));
        } catch (const toml::parse_error& e) {
            fail(e.source(), std::string(e.description()));
        }
        if (!reading_.errors.empty()) reading_.waivers.clear();
        return std::move(reading_);
    }

private:
    void fail(const toml::source_region& at, std::string message) {
        reading_.errors.push_back(
            {fmt::format("{}:{}:{}", name_, at.begin.line, at.begin.column), std::move(message)});
    }

    void read_document(const toml::table& root) {
        for (auto&& [key, node] : root)
            if (key.str() != "waiver")
                fail(key.source(), fmt::format("unknown key '{}': a waiver file holds [[waiver]] "
                                               "tables only",
                                               key.str()));
        const auto* node = root.get("waiver");
        if (node == nullptr) return;
        const auto* array = node->as_array();
        if (array == nullptr || !array->is_array_of_tables())
            return fail(node->source(),
                        fmt::format("'waiver': expected [[waiver]] tables, found {}",
                                    toml_type_name(*node)));
        for (const auto& element : *array)
            read_waiver(*element.as_table());
    }

    void read_waiver(const toml::table& t) {
        waiver w;
        const auto at = t.source();
        w.where = fmt::format("{}:{}:{}", name_, at.begin.line, at.begin.column);
        for (auto&& [key, value] : t) {
            static constexpr std::string_view known[] = {"check", "phase", "justification",
                                                         "expires", "max_severity"};
            if (!one_of(key.str(), known))
                fail(key.source(), fmt::format("[[waiver]]: unknown key '{}'", key.str()));
        }
        read_text(t, "check", w.check);
        read_text(t, "phase", w.phase);
        read_text(t, "justification", w.justification);
        read_expiry(t, w.expires);
        if (t.contains("max_severity")) {
            read_text(t, "max_severity", w.max_severity);
            if (!w.max_severity.empty() && w.max_severity != "P2" && w.max_severity != "P3")
                fail(t.get("max_severity")->source(),
                     fmt::format("[[waiver]] max_severity: '{}': a waiver covers P2 or P3 only",
                                 w.max_severity));
        }
        reading_.waivers.push_back(std::move(w));
    }

    /// A required, non-blank string.
    void read_text(const toml::table& t, std::string_view key, std::string& out) {
        const auto* node = t.get(key);
        if (node == nullptr)
            return fail(t.source(), fmt::format("[[waiver]]: missing key '{}'", key));
        const auto* s = node->as_string();
        if (s == nullptr)
            return fail(node->source(), fmt::format("[[waiver]] {}: expected a string, found {}",
                                                    key, toml_type_name(*node)));
        if (s->get().find_first_not_of(" \t") == std::string::npos)
            return fail(node->source(), fmt::format("[[waiver]] {}: empty", key));
        out = s->get();
    }

    /// `expires`: a TOML date or a "YYYY-MM-DD" string naming a real day.
    void read_expiry(const toml::table& t, std::string& out) {
        const auto* node = t.get("expires");
        if (node == nullptr) return fail(t.source(), "[[waiver]]: missing key 'expires'");
        std::string text;
        if (const auto* date = node->as_date()) {
            std::ostringstream s;
            s << date->get();
            text = s.str();
        } else if (const auto* s = node->as_string()) {
            text = s->get();
        } else {
            return fail(node->source(), fmt::format("[[waiver]] expires: expected a date "
                                                    "(2026-12-15), found {}",
                                                    toml_type_name(*node)));
        }
        static const std::regex day(R"(\d{4}-\d{2}-\d{2})");
        std::string why;
        if (!std::regex_match(text, day) || !parse_time(text, why))
            return fail(node->source(),
                        fmt::format("[[waiver]] expires: '{}' is not a date (2026-12-15)", text));
        out = text;
    }

    std::string name_;
    waiver_reading reading_;
};

/// When `w` stops covering failures: the end of its expiry day, local time.
[[nodiscard]] inline time_point waiver_end(const waiver& w) {
    std::string why;
    const auto day = parse_time(w.expires, why);
    return day ? *day + std::chrono::hours(24) : time_point{};
}

/// Why `w` may not cover the failing case `c`, or "" when it may.
[[nodiscard]] inline std::string waiver_refusal(const waiver& w, const case_record& c) {
    const std::string limit = w.max_severity.empty() ? "P2" : w.max_severity;
    if (severity_rank(c.severity) < severity_rank(limit))
        return fmt::format("the failure is {}, and a waiver covers {} at most{}",
                           c.severity.empty() ? "unrated" : c.severity, limit,
                           limit == "P2" ? " (never P0 or P1)" : "");
    return {};
}

} // namespace detail

ROLLCHECK_INLINE waiver_reading parse_waivers(std::string_view text,
                                              const std::filesystem::path& name) {
    return detail::waiver_reader(name).read(text);
}

ROLLCHECK_INLINE waiver_reading load_waivers(const std::filesystem::path& path) {
    std::string why;
    const auto text =
        detail::read_target_file(path, why, "waiver file", "can waive a failing check");
    if (!text) {
        waiver_reading reading;
        reading.errors.push_back({path.string(), why});
        return reading;
    }
    return parse_waivers(*text, path);
}

ROLLCHECK_INLINE void apply_waivers(run_record& run, const std::vector<waiver>& waivers,
                                    time_point now) {
    for (const auto& w : waivers) {
        if (now >= detail::waiver_end(w)) {
            run.notes.push_back(fmt::format("waiver {} for '{}' expired on {}: it covers nothing; "
                                            "renew it or remove it",
                                            w.where, w.check, w.expires));
            continue;
        }
        bool used = false, known = false;
        for (auto& c : run.cases) {
            if ((c.name != w.check && c.id != w.check) || c.phase != w.phase) continue;
            known = true;
            if (c.worst() < verdict::fail || c.waived_by) continue;
            used = true;
            if (const auto why = detail::waiver_refusal(w, c); !why.empty())
                run.notes.push_back(
                    fmt::format("waiver {} not applied to '{}': {}", w.where, w.check, why));
            else
                c.waived_by = w;
        }
        if (known && !used)
            run.notes.push_back(fmt::format("waiver {} unused: '{}' did not fail (it can be "
                                            "removed before it expires on {})",
                                            w.where, w.check, w.expires));
    }
}

} // namespace rollcheck
