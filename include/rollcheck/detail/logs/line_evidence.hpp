/// \file detail/logs/line_evidence.hpp
/// The evidence of an error line: file, line, text, the pattern, and the
/// event and exception it belongs to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../result.hpp"
#include "json_record.hpp"
#include "patterns.hpp"
#include "scan_state.hpp"
#include "source.hpp"
#include "text.hpp"

namespace rollcheck::detail {

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

/// Adds the error lines of one region to the evidence, while it has room.
class line_evidence_writer {
public:
    line_evidence_writer(bounded_evidence& evidence, log_cursor& cursor, block_reader& reader)
        : evidence_(evidence), cursor_(cursor), reader_(reader) {}

    /// `line` is the text shown (`full_size` bytes long in all), `record`
    /// the line's record if any; `exception_after(header_end, header_line)`
    /// finds a traceback's exception.
    template <typename ExceptionAfter>
    void add(const line_hit& hit, std::string_view line, std::uint64_t full_size,
             const log_event& event, const log_pattern& pattern, const json_record* record,
             ExceptionAfter&& exception_after) {
        if (evidence_.items().size() >= evidence_.limit()) {
            evidence_.count_more(1);
            return;
        }
        const std::uint64_t number = line_number(cursor_, reader_, hit.start);
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
            if (const auto exception = exception_after(hit.end, number)) {
                data["exception"] = exception->first;
                data["exception_line"] = exception->second;
            }
        }
        evidence_.add(line_evidence(std::move(data)));
    }

private:
    bounded_evidence& evidence_;
    log_cursor& cursor_;
    block_reader& reader_;
};

} // namespace rollcheck::detail
