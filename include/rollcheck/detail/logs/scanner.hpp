/// \file detail/logs/scanner.hpp
/// The scan of one region of one log: Vectorscan in streaming mode over
/// blocks (no match is lost at a block boundary), lines located from match
/// offsets, each candidate line decided like `grep -E` decides it (the
/// pattern matches somewhere in the line), events grouped (a line without
/// a timestamp belongs to the event before it; a traceback is one event).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hs/hs.h>
#include <nlohmann/json.hpp>

#include "../../progress.hpp"
#include "../../result.hpp"
#include "../../stop.hpp"
#include "../../wording.hpp"
#include "json_record.hpp"
#include "line_clock.hpp"
#include "patterns.hpp"
#include "source.hpp"
#include "text.hpp"
#include "time.hpp"

namespace rollcheck::detail {

inline constexpr std::string_view traceback_header = "Traceback (most recent call last):";
/// Evidence text is cut here: enough to read, not a megabyte of one line.
inline constexpr std::size_t evidence_text_limit = 1000;
/// Lines longer than this are decided on their first this-many bytes.
inline constexpr std::size_t line_decision_limit = 16 << 20;
/// How far back a line looks for the timestamp of its event.
inline constexpr int event_lookback_lines = 256;

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
};

/// The event a line belongs to: where it starts, how many lines before the
/// line that is, and its time when it has one.
struct log_event {
    std::uint64_t head = 0;
    std::uint64_t lines_before = 0;
    std::optional<log_millis> time;
};

/// A log being scanned, possibly region after region (follow, resume):
/// what is known of its line numbers and of the last event seen.
struct log_cursor {
    std::string name;
    int fd = -1;
    std::uint64_t counted_to = 0;   ///< newlines before this offset are counted
    std::uint64_t lines_before = 0; ///< … and there are this many
    std::optional<std::uint64_t> last_line;
    log_event last_event;
    std::optional<std::uint64_t> last_error_event;
    /// The head of the first error event counted through this cursor: the
    /// second half of a split scan may continue the first half's last one.
    std::optional<std::uint64_t> first_error_event;
};

/// A scan's progress over all its files: bytes before the current file's
/// region (`base`) plus the offset reached in it.
struct scan_progress {
    std::optional<progress_meter> meter; ///< made once the first file is open
    std::uint64_t base = 0;
    /// Bytes of the current file another thread has scanned (a split scan).
    const std::atomic<std::uint64_t>* beside = nullptr;
    void at(std::uint64_t offset) {
        if (!meter) return;
        meter->update(base + offset +
                      (beside != nullptr ? beside->load(std::memory_order_relaxed) : 0));
    }
};

/// Everything a region scan needs besides the file.
struct scan_context {
    const pattern_set& patterns; ///< compiled for records when `clock` reads records
    const line_clock& clock;
    std::optional<log_millis> since;
    bool stop_when_met = false;
    scan_progress* progress = nullptr; ///< reported once a block, not once a line
    /// Where a scan off the progress meter's thread says how many bytes it
    /// has scanned, once a block.
    std::atomic<std::uint64_t>* scanned = nullptr;
    /// Regions at least this long are scanned in two halves on two threads
    /// (scan_region, split_scan.hpp); never by default.
    std::uint64_t split_from = UINT64_MAX;
};

/// The evidence of one error line, its text made from its data (a split
/// scan renumbers the lines of its second half and writes them again).
[[nodiscard]] inline evidence_item line_evidence(nlohmann::json data) {
    std::string shown =
        fmt::format("{}:{}:{}", data["file"].get<std::string>(), data["line"].get<std::uint64_t>(),
                    data["text"].get<std::string>());
    if (data.contains("exception"))
        shown += fmt::format("  ⇒ line {}: {}", data["exception_line"].get<std::uint64_t>(),
                             data["exception"].get<std::string>());
    return {std::move(shown), std::move(data)};
}

/// A line some pattern matched, with the patterns (by index).
struct line_hit {
    std::uint64_t start = 0, end = 0; ///< end: its '\n' or the region's end
    std::vector<unsigned> ids;
};

class region_scan {
public:
    /// Scans [begin, end); looks ahead (a traceback's exception) up to `readable_end`.
    region_scan(const scan_context& ctx, log_cursor& cursor, scan_tally& tally, std::uint64_t begin,
                std::uint64_t end, std::uint64_t readable_end = 0)
        : ctx_(ctx), cursor_(cursor), tally_(tally),
          reader_(cursor.fd, cursor.name, begin, end, readable_end), begin_(begin),
          covered_(ctx.patterns.patterns().size() + 2, 0), line_begin_(begin) {}

    void run() {
        stream s(ctx_.patterns.database());
        while (reader_.advance()) {
            // A stopped run scans no further: the rest of a large file could take minutes.
            if (stop_requested())
                throw std::runtime_error(
                    fmt::format("{}: interrupted by {} after {} read", cursor_.name, stop_reason(),
                                describe_bytes(reader_.block_offset() - begin_)));
            const auto block = reader_.block();
            if (s.id == nullptr && !tally_.first_nul)
                if (const void* nul = std::memchr(block.data(), '\0', block.size()))
                    saw_nul(
                        reader_.block_offset() +
                        static_cast<std::uint64_t>(static_cast<const char*>(nul) - block.data()));
            if (s.id != nullptr) {
                const auto rc =
                    hs_scan_stream(s.id, block.data(), static_cast<unsigned>(block.size()), 0,
                                   s.scratch, &region_scan::on_match, this);
                if (failure_) std::rethrow_exception(failure_);
                if (rc != HS_SUCCESS)
                    throw std::runtime_error(
                        fmt::format("{}: Vectorscan scan failed ({})", cursor_.name, rc));
            }
            if (ctx_.patterns.has_line_patterns()) match_lines_with_re2(false);
            const std::uint64_t reached = reader_.block_offset() + block.size();
            settle(reached);
            if (ctx_.progress != nullptr) ctx_.progress->at(reached);
            if (ctx_.scanned != nullptr)
                ctx_.scanned->store(reached - begin_, std::memory_order_relaxed);
            if (ctx_.stop_when_met && tally_.requirements_met(ctx_.patterns))
                return stop_at(reached);
        }
        if (s.id != nullptr) {
            hs_close_stream(s.id, s.scratch, &region_scan::on_match, this);
            s.id = nullptr;
            if (failure_) std::rethrow_exception(failure_);
        }
        if (ctx_.patterns.has_line_patterns()) match_lines_with_re2(true);
        settle(UINT64_MAX);
        record_last_hits();
        tally_.bytes += reader_.end() - begin_;
    }

private:
    void saw_nul(std::uint64_t offset) {
        if (!tally_.first_nul) tally_.first_nul.emplace(cursor_.name, offset);
    }

    /// Ends the scan at `scanned_to`: the lines decided so far are the result.
    void stop_at(std::uint64_t scanned_to) {
        record_last_hits();
        tally_.bytes += scanned_to - begin_;
        tally_.stopped_early = true;
    }

    void record_last_hits() {
        for (const auto& [id, hit] : last_hits_)
            tally_.last_matches[id] = last_match{cursor_.name, line_number(hit.first), hit.second};
    }

    struct stream {
        explicit stream(const hs_database_t* db) {
            if (db == nullptr) return;
            if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS ||
                hs_open_stream(db, 0, &id) != HS_SUCCESS)
                throw std::runtime_error("Vectorscan could not allocate its scratch space");
        }
        ~stream() {
            if (id != nullptr) hs_close_stream(id, nullptr, nullptr, nullptr);
            if (scratch != nullptr) hs_free_scratch(scratch);
        }
        stream(const stream&) = delete;
        stream& operator=(const stream&) = delete;
        hs_stream_t* id = nullptr;
        hs_scratch_t* scratch = nullptr;
    };

    /// One record per pattern and line: later matches of the same pattern
    /// in a line it already matched are dropped here, cheaply.
    static int on_match(unsigned id, unsigned long long, unsigned long long to, unsigned,
                        void* self) {
        auto& scan = *static_cast<region_scan*>(self);
        try {
            if (id == scan.ctx_.patterns.nul_id())
                scan.saw_nul(scan.begin_ + to - 1);
            else
                scan.record_match(id, scan.begin_ + to - 1);
            return 0;
        } catch (...) { // no exception may cross Vectorscan's C frames: stop, rethrow after
            scan.failure_ = std::current_exception();
            return 1;
        }
    }

    /// `last`: the offset of the match's last byte.
    void record_match(unsigned id, std::uint64_t last) {
        if (last < covered_[id]) return;
        const std::uint64_t end = reader_.line_end(last);
        covered_[id] = end + 1;
        auto& hit = hits_[reader_.line_start(last)];
        hit.end = end;
        hit.ids.push_back(id);
    }

    /// Lines of the patterns Vectorscan refused, matched one by one with RE2.
    void match_lines_with_re2(bool at_end) {
        const auto block = reader_.block();
        const std::uint64_t base = reader_.block_offset();
        std::size_t i = line_begin_ > base ? static_cast<std::size_t>(line_begin_ - base) : 0;
        for (;;) {
            const void* nl =
                at_end ? nullptr : std::memchr(block.data() + i, '\n', block.size() - i);
            if (nl == nullptr && !(at_end && line_begin_ < reader_.end())) return;
            const std::uint64_t end =
                nl ? base + static_cast<std::uint64_t>(static_cast<const char*>(nl) - block.data())
                   : reader_.end();
            match_line_with_re2(line_begin_, end);
            line_begin_ = end + 1;
            if (nl == nullptr) return;
            i = static_cast<std::size_t>(end + 1 - base);
        }
    }

    void match_line_with_re2(std::uint64_t start, std::uint64_t end) {
        if (ctx_.clock.records() != nullptr) { // no prefilter: every record is decoded
            auto& hit = hits_[start];
            hit.end = end;
            hit.ids.push_back(ctx_.patterns.escape_id());
            return;
        }
        const auto text = reader_.span(start, static_cast<std::size_t>(std::min<std::uint64_t>(
                                                  end - start, line_decision_limit)));
        const auto& patterns = ctx_.patterns.patterns();
        for (unsigned id = 0; id < patterns.size(); ++id) {
            if (patterns[id].in_database || !RE2::PartialMatch(text, *patterns[id].re)) continue;
            auto& hit = hits_[start];
            hit.end = end;
            hit.ids.push_back(id);
        }
    }

    /// Decides, in order, every line whose matches are all in.
    void settle(std::uint64_t scanned_to) {
        while (!hits_.empty()) {
            auto first = hits_.begin();
            if (first->second.end >= scanned_to && scanned_to != UINT64_MAX) return;
            line_hit hit = std::move(first->second);
            hit.start = first->first;
            hits_.erase(first);
            decide(hit);
        }
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
        count_line(hit, event_of(hit.start, line), line, hit.end - hit.start);
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
            note_malformed(hit.start, why);
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
        count_line(hit, record_event_of(hit.start, hit.end, *record), message, message.size(),
                   &*record);
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

    void note_malformed(std::uint64_t start, const std::string& why) {
        if (tally_.malformed_records++ == 0)
            tally_.first_malformed =
                nlohmann::json{{"file", cursor_.name}, {"line", line_number(start)}, {"why", why}};
    }

    /// Tallies a line some pattern matched: `shown` is its text for the
    /// evidence (`full_size` bytes long in all), `record` its record if any.
    void count_line(const line_hit& hit, const log_event& event, std::string_view shown,
                    std::uint64_t full_size, const json_record* record = nullptr) {
        const auto& patterns = ctx_.patterns.patterns();
        cursor_.last_line = hit.start;
        cursor_.last_event = event;
        if (ctx_.since && event.time && *event.time < *ctx_.since) return;
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
        if (!error) return;
        if (excluded) {
            ++tally_.excluded_lines;
            return;
        }
        ++tally_.error_lines;
        if (cursor_.last_error_event != event.head) {
            ++tally_.error_events;
            cursor_.last_error_event = event.head;
            if (!cursor_.first_error_event) cursor_.first_error_event = event.head;
        }
        add_evidence(hit, shown, full_size, event, *first_error, record);
    }

    void add_evidence(const line_hit& hit, std::string_view line, std::uint64_t full_size,
                      const log_event& event, const log_pattern& pattern,
                      const json_record* record) {
        auto& evidence = tally_.evidence;
        if (evidence.items().size() >= evidence.limit()) {
            evidence.count_more(1);
            return;
        }
        const std::uint64_t number = line_number(hit.start);
        // A record's message ends "\n", or "\r\n" from a container with a TTY.
        while (record != nullptr && !line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.remove_suffix(1);
        if (record != nullptr) full_size = line.size();
        nlohmann::json data = {{"file", cursor_.name},
                               {"line", number},
                               {"text", printable_line(line, evidence_text_limit, full_size)},
                               {"pattern", pattern.text}};
        if (record != nullptr && record->time) data["time"] = *record->time;
        if (record != nullptr && record->level) data["level"] = *record->level;
        if (event.lines_before > 0) data["event_line"] = number - event.lines_before;
        if (line.substr(0, traceback_header.size()) == traceback_header) {
            if (const auto exception = record != nullptr ? record_exception_after(hit.end, number)
                                                         : exception_after(hit.end, number)) {
                data["exception"] = exception->first;
                data["exception_line"] = exception->second;
            }
        }
        evidence.add(line_evidence(std::move(data)));
    }

    /// The line number (from 1) of the line starting at `start`, counting
    /// only the newlines not counted before.
    std::uint64_t line_number(std::uint64_t start) {
        if (start < cursor_.counted_to)
            return cursor_.lines_before - reader_.newlines(start, cursor_.counted_to) + 1;
        cursor_.lines_before += reader_.newlines(cursor_.counted_to, start);
        cursor_.counted_to = start;
        return cursor_.lines_before + 1;
    }

    /// The first unindented line after a traceback header ending at
    /// `header_end`: the exception, with its line number.
    std::optional<std::pair<std::string, std::uint64_t>>
    exception_after(std::uint64_t header_end, std::uint64_t header_line) {
        std::uint64_t pos = header_end + 1;
        for (std::uint64_t k = 1; k <= 1000 && pos < reader_.readable_end(); ++k) {
            const std::uint64_t end = reader_.line_end(pos);
            const auto text = reader_.span(pos, static_cast<std::size_t>(std::min<std::uint64_t>(
                                                    end - pos, evidence_text_limit + 1)));
            if (!text.empty() && text[0] != ' ' && text[0] != '\t')
                return std::make_pair(printable_line(text, evidence_text_limit), header_line + k);
            pos = end + 1;
        }
        return std::nullopt;
    }

    /// The event of the line at `start`: itself when it has a timestamp,
    /// else the nearest line above with one (up to event_lookback_lines);
    /// in a log without timestamps, the traceback it is part of, or itself.
    log_event event_of(std::uint64_t start, std::string_view line) {
        const auto& clock = ctx_.clock.text_clock();
        if (const auto t = clock.at_line_start(line.substr(0, 64))) return {start, 0, t};
        std::optional<log_event> traceback;
        if (line.substr(0, traceback_header.size()) == traceback_header)
            traceback = log_event{start, 0, {}};
        bool indented_run = true;
        std::uint64_t pos = start;
        for (std::uint64_t k = 1; k <= event_lookback_lines && pos > 0; ++k) {
            if (cursor_.last_line && pos <= *cursor_.last_line) {
                if (cursor_.last_event.time) return cursor_.last_event;
                break;
            }
            const std::uint64_t prev = reader_.line_start(pos - 1);
            const std::string head(reader_.span(
                prev, static_cast<std::size_t>(std::min<std::uint64_t>(pos - 1 - prev, 64))));
            if (const auto t = clock.at_line_start(head)) return {prev, k, t};
            if (!traceback && indented_run && head.rfind(traceback_header, 0) == 0)
                traceback = log_event{prev, k, {}};
            indented_run = indented_run && !head.empty() && (head[0] == ' ' || head[0] == '\t');
            pos = prev;
        }
        return traceback ? *traceback : log_event{start, 0, {}};
    }

    /// The record of the line starting at `start`, if it is one.
    std::optional<json_record> record_starting(std::uint64_t start) {
        return ctx_.clock.record_at(reader_, start);
    }

    static bool indented(std::string_view message) {
        return !message.empty() && (message[0] == ' ' || message[0] == '\t');
    }

    /// The event of a record: itself, or the traceback it continues. A
    /// traceback written line by line (as Docker records a program's
    /// stderr) is a header record, indented records (its frames) and the
    /// first record after them (the exception). A record without a time
    /// takes the time of the nearest record above that has one.
    log_event record_event_of(std::uint64_t start, std::uint64_t end, const json_record& record) {
        const std::string_view message = record.message ? std::string_view(*record.message) : "";
        log_event event{start, 0, ctx_.clock.of(record)};
        const bool header = message.rfind(traceback_header, 0) == 0;
        // The record above, when it was the last one decided and continues
        // nothing, ends the walk without being decoded again.
        const bool above_ends = last_plain_record_end_ && *last_plain_record_end_ + 1 == start;
        last_plain_record_end_.reset();
        if (!header && !indented(message)) last_plain_record_end_ = end;
        if (!header && !above_ends) {
            std::uint64_t pos = start;
            for (std::uint64_t k = 1; k <= event_lookback_lines && pos > 0; ++k) {
                pos = reader_.line_start(pos - 1);
                const auto above = record_starting(pos);
                const std::string_view text =
                    above && above->message ? std::string_view(*above->message) : "";
                if (text.rfind(traceback_header, 0) == 0) {
                    event = {pos, k, ctx_.clock.of(*above)};
                    break;
                }
                if (!indented(text)) break;
            }
        }
        if (header || event.lines_before > 0) join_logged_line(event);
        for (std::uint64_t k = 1, pos = event.head;
             !event.time && k <= event_lookback_lines && pos > 0; ++k) {
            pos = reader_.line_start(pos - 1);
            if (const auto t = ctx_.clock.at(reader_, pos))
                event = {pos, event.lines_before + k, t};
        }
        return event;
    }

    /// A traceback right under a record whose message starts with a
    /// timestamp (Python's `logger.exception`: the ERROR line, then the
    /// traceback) belongs to that record's event, as in a text log.
    void join_logged_line(log_event& traceback) {
        if (traceback.head == 0) return;
        const std::uint64_t above = reader_.line_start(traceback.head - 1);
        const auto record = record_starting(above);
        if (!record || !record->message ||
            !ctx_.clock.text_clock().at_line_start(
                std::string_view(*record->message).substr(0, 64)))
            return;
        traceback = {above, traceback.lines_before + 1, ctx_.clock.of(*record)};
    }

    /// The exception of a traceback written record by record: the first
    /// record after the header's that is not indented, with its line number.
    std::optional<std::pair<std::string, std::uint64_t>>
    record_exception_after(std::uint64_t header_end, std::uint64_t header_line) {
        std::uint64_t pos = header_end + 1;
        for (std::uint64_t k = 1; k <= 1000 && pos < reader_.readable_end(); ++k) {
            const auto record = record_starting(pos);
            std::string_view text =
                record && record->message ? std::string_view(*record->message) : "";
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
                text.remove_suffix(1);
            if (!text.empty() && !indented(text))
                return std::make_pair(printable_line(text, evidence_text_limit), header_line + k);
            pos = reader_.line_end(pos) + 1;
        }
        return std::nullopt;
    }

    const scan_context& ctx_;
    log_cursor& cursor_;
    scan_tally& tally_;
    block_reader reader_;
    std::uint64_t begin_;
    std::vector<std::uint64_t> covered_;
    std::map<std::uint64_t, line_hit> hits_;
    /// Per pattern that asks, its last line in this region: start, event time.
    std::map<unsigned, std::pair<std::uint64_t, std::optional<log_millis>>> last_hits_;
    std::uint64_t line_begin_;
    std::exception_ptr failure_;
    /// Where the last record decided ends, when it is plain (neither a
    /// traceback's header nor indented).
    std::optional<std::uint64_t> last_plain_record_end_;
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
