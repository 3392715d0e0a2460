/// \file detail/logs/scan_state.hpp
/// What a region scan reads with and carries from region to region: its
/// context, the cursor of its log, the lines some pattern matched.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../progress.hpp"
#include "line_clock.hpp"
#include "patterns.hpp"
#include "source.hpp"
#include "time.hpp"

namespace rollcheck::detail {

inline constexpr std::string_view traceback_header = "Traceback (most recent call last):";
/// Evidence text is cut here: enough to read, not a megabyte of one line.
inline constexpr std::size_t evidence_text_limit = 1000;
/// Lines longer than this are decided on their first this-many bytes.
inline constexpr std::size_t line_decision_limit = 16 << 20;
/// How far back a line looks for the timestamp of its event.
inline constexpr int event_lookback_lines = 256;

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

/// The line number (from 1) of the line starting at `start`, counting
/// only the newlines not counted before.
[[nodiscard]] inline std::uint64_t line_number(log_cursor& cursor, block_reader& reader,
                                               std::uint64_t start) {
    if (start < cursor.counted_to)
        return cursor.lines_before - reader.newlines(start, cursor.counted_to) + 1;
    cursor.lines_before += reader.newlines(cursor.counted_to, start);
    cursor.counted_to = start;
    return cursor.lines_before + 1;
}

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

/// A line some pattern matched, with the patterns (by index).
struct line_hit {
    std::uint64_t start = 0, end = 0; ///< end: its '\n' or the region's end
    std::vector<unsigned> ids;
};

} // namespace rollcheck::detail
