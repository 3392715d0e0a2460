/// \file detail/logs/event_attribution.hpp
/// The event a matched line belongs to (a line without a timestamp belongs
/// to the event before it; a traceback is one event) and a traceback's
/// exception: in a text log, and in a log of JSON records.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "json_record.hpp"
#include "line_clock.hpp"
#include "scan_state.hpp"
#include "source.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// Events and exceptions of a text log.
class text_events {
public:
    text_events(const scan_context& ctx, const log_cursor& cursor, block_reader& reader)
        : ctx_(ctx), cursor_(cursor), reader_(reader) {}

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

private:
    const scan_context& ctx_;
    const log_cursor& cursor_;
    block_reader& reader_;
};

/// Events and exceptions of a log of JSON records, whose messages may be
/// one line of a traceback each.
class record_events {
public:
    record_events(const scan_context& ctx, block_reader& reader) : ctx_(ctx), reader_(reader) {}

    /// The event of a record: itself, or the traceback it continues. A
    /// traceback written line by line (as Docker records a program's
    /// stderr) is a header record, indented records (its frames) and the
    /// first record after them (the exception). A record without a time
    /// takes the time of the nearest record above that has one.
    log_event event_of(std::uint64_t start, std::uint64_t end, const json_record& record) {
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

    /// The exception of a traceback written record by record: the first
    /// record after the header's that is not indented, with its line number.
    std::optional<std::pair<std::string, std::uint64_t>>
    exception_after(std::uint64_t header_end, std::uint64_t header_line) {
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

private:
    /// The record of the line starting at `start`, if it is one.
    std::optional<json_record> record_starting(std::uint64_t start) {
        return ctx_.clock.record_at(reader_, start);
    }

    static bool indented(std::string_view message) {
        return !message.empty() && (message[0] == ' ' || message[0] == '\t');
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

    const scan_context& ctx_;
    block_reader& reader_;
    /// Where the last record decided ends, when it is plain (neither a
    /// traceback's header nor indented).
    std::optional<std::uint64_t> last_plain_record_end_;
};

} // namespace rollcheck::detail
