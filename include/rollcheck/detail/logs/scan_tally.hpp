/// \file detail/logs/scan_tally.hpp
/// What the lines of a scan add up to: lines and events per pattern and
/// role, times, where a pattern last matched, what was not text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../result.hpp"
#include "patterns.hpp"
#include "scan_state.hpp"
#include "source.hpp"
#include "time.hpp"

namespace rollcheck::detail {

/// Where a pattern last matched: the line, and the time of its event.
struct last_match {
    std::string file;
    std::uint64_t line = 0;
    std::optional<log_millis> time;
};

/// What all files of one check add up to.

struct scan_tally {
    scan_tally(std::size_t show, std::size_t patterns)
        : evidence(show), pattern_lines(patterns, 0), last_matches(patterns) {}
    bounded_evidence evidence;
    std::vector<std::uint64_t> pattern_lines;            ///< per pattern, lines counted
    std::vector<std::optional<last_match>> last_matches; ///< per pattern that asks (locate_last)
    std::uint64_t error_lines = 0, error_events = 0, excluded_lines = 0, bytes = 0;
    std::optional<log_millis> first_time, last_time;
    bool stopped_early = false; ///< reading stopped once every requirement was met
    /// The first NUL byte read, file and offset: what is not text cannot
    /// vouch for having no error line (judge_scan makes that pass an error).
    std::optional<std::pair<std::string, std::uint64_t>> first_nul;
    /// JSON lines that are not a record (matched as text instead), and where
    /// the first one is: file, line, what is wrong.
    std::uint64_t malformed_records = 0;
    std::optional<nlohmann::json> first_malformed;

    [[nodiscard]] bool requirements_met(const pattern_set& patterns) const {
        const auto& list = patterns.patterns();
        for (std::size_t i = 0; i < list.size(); ++i)
            if (list[i].role == pattern_role::require && pattern_lines[i] < list[i].min_count)
                return false;
        return true;
    }

    void saw_time(log_millis t) {
        if (!first_time || t < *first_time) first_time = t;
        if (!last_time || t > *last_time) last_time = t;
    }

    void saw_nul(const std::string& file, std::uint64_t offset) {
        if (!first_nul) first_nul.emplace(file, offset);
    }
};

/// Counts the matched lines of one region into a scan_tally, and what the
/// cursor keeps of them for the next region.
class line_tally {
public:
    line_tally(const scan_context& ctx, log_cursor& cursor, scan_tally& tally)
        : ctx_(ctx), cursor_(cursor), tally_(tally) {}

    /// Counts a line some pattern matched, of event `event`; returns the
    /// first error pattern it matched when the line is an error line to
    /// show, else null.
    [[nodiscard]] const log_pattern* count(const line_hit& hit, const log_event& event) {
        const auto& patterns = ctx_.patterns.patterns();
        cursor_.last_line = hit.start;
        cursor_.last_event = event;
        if (ctx_.since && event.time && *event.time < *ctx_.since) return nullptr;
        if (event.time) tally_.saw_time(*event.time);
        bool error = false, excluded = false;
        const log_pattern* first_error = nullptr;
        for (const unsigned id : hit.ids) {
            ++tally_.pattern_lines[id];
            if (patterns[id].locate_last) last_hits_[id] = {hit.start, event.time};
            excluded |= patterns[id].role == pattern_role::exclude;
            if (patterns[id].role == pattern_role::error && !error) {
                error = true;
                first_error = &patterns[id];
            }
        }
        if (!error) return nullptr;
        if (excluded) {
            ++tally_.excluded_lines;
            return nullptr;
        }
        ++tally_.error_lines;
        if (cursor_.last_error_event != event.head) {
            ++tally_.error_events;
            cursor_.last_error_event = event.head;
            if (!cursor_.first_error_event) cursor_.first_error_event = event.head;
        }
        return first_error;
    }

    void note_malformed(block_reader& reader, std::uint64_t start, const std::string& why) {
        if (tally_.malformed_records++ == 0)
            tally_.first_malformed = nlohmann::json{{"file", cursor_.name},
                                                    {"line", line_number(cursor_, reader, start)},
                                                    {"why", why}};
    }

    /// Where each pattern that asks last matched in this region.
    void record_last_hits(block_reader& reader) {
        for (const auto& [id, hit] : last_hits_)
            tally_.last_matches[id] =
                last_match{cursor_.name, line_number(cursor_, reader, hit.first), hit.second};
    }

private:
    const scan_context& ctx_;
    log_cursor& cursor_;
    scan_tally& tally_;
    /// Per pattern that asks, its last line in this region: start, event time.
    std::map<unsigned, std::pair<std::uint64_t, std::optional<log_millis>>> last_hits_;
};

} // namespace rollcheck::detail
