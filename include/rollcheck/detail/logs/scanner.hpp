/// \file detail/logs/scanner.hpp
/// The scan of one region of one log: match_dispatch finds the lines some
/// pattern matches, each is decided like `grep -E` decides it (the pattern
/// matches somewhere in the line), or as a JSON record, given its event
/// (event_attribution.hpp), counted (scan_tally.hpp) and shown
/// (line_evidence.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <re2/re2.h>

#include "../../stop.hpp"
#include "../../wording.hpp"
#include "event_attribution.hpp"
#include "json_record.hpp"
#include "line_clock.hpp"
#include "line_evidence.hpp"
#include "match_dispatch.hpp"
#include "patterns.hpp"
#include "scan_state.hpp"
#include "scan_tally.hpp"
#include "source.hpp"

namespace rollcheck::detail {

class region_scan {
public:
    /// Scans [begin, end); looks ahead (a traceback's exception) up to `readable_end`.
    region_scan(const scan_context& ctx, log_cursor& cursor, scan_tally& tally, std::uint64_t begin,
                std::uint64_t end, std::uint64_t readable_end = 0)
        : ctx_(ctx), cursor_(cursor), tally_(tally),
          reader_(cursor.fd, cursor.name, begin, end, readable_end), begin_(begin),
          matches_(ctx, cursor, tally, reader_, begin), counts_(ctx, cursor, tally),
          evidence_(tally.evidence, cursor, reader_), text_events_(ctx, cursor, reader_),
          record_events_(ctx, reader_) {}

    void run() {
        match_dispatch::stream s(ctx_.patterns.database());
        const auto decide_line = [this](line_hit& hit) { decide(hit); };
        while (reader_.advance()) {
            // A stopped run scans no further: the rest of a large file could take minutes.
            if (stop_requested())
                throw std::runtime_error(
                    fmt::format("{}: interrupted by {} after {} read", cursor_.name, stop_reason(),
                                describe_bytes(reader_.block_offset() - begin_)));
            const auto block = reader_.block();
            matches_.match_block(s);
            const std::uint64_t reached = reader_.block_offset() + block.size();
            matches_.settle(reached, decide_line);
            if (ctx_.progress != nullptr) ctx_.progress->at(reached);
            if (ctx_.scanned != nullptr)
                ctx_.scanned->store(reached - begin_, std::memory_order_relaxed);
            if (ctx_.stop_when_met && tally_.requirements_met(ctx_.patterns))
                return stop_at(reached);
        }
        matches_.finish(s);
        matches_.settle(UINT64_MAX, decide_line);
        counts_.record_last_hits(reader_);
        tally_.bytes += reader_.end() - begin_;
    }

private:
    /// Ends the scan at `scanned_to`: the lines decided so far are the result.
    void stop_at(std::uint64_t scanned_to) {
        counts_.record_last_hits(reader_);
        tally_.bytes += scanned_to - begin_;
        tally_.stopped_early = true;
    }

    void decide(line_hit& hit) {
        if (ctx_.clock.records() != nullptr) return decide_record(hit);
        const auto& patterns = ctx_.patterns.patterns();
        const auto length = static_cast<std::size_t>(
            std::min<std::uint64_t>(hit.end - hit.start, line_decision_limit));
        const std::string line(reader_.span(hit.start, length));
        std::sort(hit.ids.begin(), hit.ids.end());
        hit.ids.erase(std::unique(hit.ids.begin(), hit.ids.end()), hit.ids.end());
        hit.ids.erase(std::remove_if(hit.ids.begin(), hit.ids.end(),
                                     [&](unsigned id) {
                                         return patterns[id].in_database &&
                                                patterns[id].confirm_per_line &&
                                                !RE2::PartialMatch(line, *patterns[id].re);
                                     }),
                      hit.ids.end());
        if (hit.ids.empty()) return;
        const auto event = text_events_.event_of(hit.start, line);
        if (const auto* error = counts_.count(hit, event))
            evidence_.add(hit, line, hit.end - hit.start, event, *error, nullptr,
                          [this](std::uint64_t end, std::uint64_t number) {
                              return text_events_.exception_after(end, number);
                          });
    }

    /// A record the prefilter let through: decoded, and each pattern tried
    /// on its message (line by line) and, when asked, its level. A line
    /// that is no record, or a record without a message field (a field
    /// named wrong), is counted as malformed and matched as text: it is
    /// never passed over unread.
    void decide_record(line_hit& hit) {
        const std::string line(line_clock::line_at(reader_, hit.start, hit.end));
        std::string why;
        auto record = ctx_.clock.records()->read(line, why);
        if (record && !record->message) {
            why = no_message_field(ctx_.clock.records()->fields());
            record.reset();
        }
        if (!record) {
            counts_.note_malformed(reader_, hit.start, why);
            record = json_record{line, std::nullopt, std::nullopt};
        }
        const std::string message = *record->message;
        const bool by_level = ctx_.clock.records()->fields().match_level && record->level;
        const auto& patterns = ctx_.patterns.patterns();
        hit.ids.clear();
        for (unsigned id = 0; id < patterns.size(); ++id)
            if (matches_some_line(*patterns[id].re, message) ||
                (by_level && RE2::PartialMatch(*record->level, *patterns[id].re)))
                hit.ids.push_back(id);
        if (hit.ids.empty()) return;
        const auto event = record_events_.event_of(hit.start, hit.end, *record);
        if (const auto* error = counts_.count(hit, event))
            evidence_.add(hit, message, message.size(), event, *error, &*record,
                          [this](std::uint64_t end, std::uint64_t number) {
                              return record_events_.exception_after(end, number);
                          });
    }

    static std::string no_message_field(const json_log_fields& fields) {
        return fields.message.empty() ? "no message field (log, msg or message)"
                                      : fmt::format("no field '{}'", fields.message);
    }

    /// Whether `re` matches one of the lines of `text` (a decoded message).
    static bool matches_some_line(const RE2& re, std::string_view text) {
        for (;;) {
            const auto nl = text.find('\n');
            if (RE2::PartialMatch(text.substr(0, nl), re)) return true;
            if (nl == std::string_view::npos || nl + 1 == text.size()) return false;
            text.remove_prefix(nl + 1);
        }
    }

    const scan_context& ctx_;
    log_cursor& cursor_;
    scan_tally& tally_;
    block_reader reader_;
    std::uint64_t begin_;
    match_dispatch matches_;
    line_tally counts_;
    line_evidence_writer evidence_;
    text_events text_events_;
    record_events record_events_;
};

/// True when the first line of `reader` is a JSON record with a time and a
/// message: how a Docker json-file log or a structured log is recognised.
[[nodiscard]] inline bool looks_like_json_lines(block_reader& reader, const line_clock& records) {
    if (reader.from(0, 1) != "{") return false;
    const auto record = records.record_at(reader, 0);
    return record && record->time && record->message;
}

/// The ways a scan reads its files: as text, and as JSON records (null
/// when the spec reads text only, or no log may be JSON lines).
struct scan_contexts {
    const scan_context& text;
    const scan_context* records;
    log_format format;

    /// The way to read the log `reader` reads: the spec's, or by its first line.
    [[nodiscard]] const scan_context& for_log(block_reader& reader) const {
        const bool json =
            records != nullptr &&
            (format == log_format::json ||
             (format == log_format::automatic && looks_like_json_lines(reader, records->clock)));
        return json ? *records : text;
    }
};

} // namespace rollcheck::detail
