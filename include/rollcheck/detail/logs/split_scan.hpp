/// \file detail/logs/split_scan.hpp
/// A large region scanned in two halves on two threads, with the result
/// of one scan. Reading a warm log is mostly the kernel's copy out of the
/// page cache: two cores copy, and match, faster than one. The halves share
/// only what is read-only (the pattern database, a JSON log's record reader
/// and fields) and the descriptor they pread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

#include "scanner.hpp"
#include "source.hpp"

namespace rollcheck::detail {

/// Regions at least this long are scanned in two halves (scan_logs; a
/// test lowers scan_context::split_from instead).
inline constexpr std::uint64_t split_scan_bytes = 64ULL << 20;

/// split_scan_bytes, or never on a machine with a single core.
[[nodiscard]] inline std::uint64_t default_split_from() {
    return std::thread::hardware_concurrency() > 1 ? split_scan_bytes : UINT64_MAX;
}

/// The second half of a split scan: its own clock (the timestamp reader
/// caches the hour it last read), cursor and tally.
struct second_half {
    second_half(const scan_context& first_ctx, const log_cursor& first_cursor,
                const scan_tally& first_tally, std::uint64_t mid)
        : text_clock(first_ctx.clock.text_clock()), clock(text_clock, first_ctx.clock.records()),
          ctx{first_ctx.patterns, clock, first_ctx.since, false, nullptr, &scanned},
          tally(first_tally.evidence.limit(), first_tally.pattern_lines.size()) {
        cursor.name = first_cursor.name;
        cursor.fd = first_cursor.fd;
        // Its line numbers count from `mid` until the first half's lines are known.
        cursor.counted_to = mid;
        tally.first_nul = first_tally.first_nul;
    }

    timestamp_reader text_clock;
    line_clock clock; ///< the first half's record reader is stateless: it is shared
    std::atomic<std::uint64_t> scanned{0};
    scan_context ctx;
    log_cursor cursor;
    scan_tally tally;
};

/// Adds the second half (which began at `mid`) to the first (`cursor`,
/// `tally`) in file order: counts add, an error event spanning the split
/// counts once, its evidence and last matches come after the first half's.
/// Its line numbers count from `mid`: the newlines before `mid` are counted
/// only when one of them is kept.
class half_merge {
public:
    half_merge(log_cursor& cursor, scan_tally& tally, std::uint64_t mid)
        : cursor_(cursor), tally_(tally), mid_(mid) {}

    void add(second_half& half) {
        auto& second = half.tally;
        for (std::size_t i = 0; i < second.pattern_lines.size(); ++i)
            tally_.pattern_lines[i] += second.pattern_lines[i];
        tally_.error_lines += second.error_lines;
        tally_.excluded_lines += second.excluded_lines;
        tally_.bytes += second.bytes;
        tally_.error_events += second.error_events;
        if (half.cursor.first_error_event &&
            cursor_.last_error_event == half.cursor.first_error_event)
            --tally_.error_events; // one event, begun in the first half
        if (second.first_time) tally_.saw_time(*second.first_time);
        if (second.last_time) tally_.saw_time(*second.last_time);
        if (!tally_.first_nul) tally_.first_nul = second.first_nul;
        tally_.malformed_records += second.malformed_records;
        if (!tally_.first_malformed && second.first_malformed) {
            tally_.first_malformed = second.first_malformed;
            auto& line = (*tally_.first_malformed)["line"];
            line = line.get<std::uint64_t>() + lines_before_mid();
        }
        for (const auto& item : second.evidence.items()) {
            if (tally_.evidence.items().size() < tally_.evidence.limit())
                tally_.evidence.add(renumbered(item));
            else
                tally_.evidence.count_more(1);
        }
        tally_.evidence.count_more(second.evidence.total() - second.evidence.items().size());
        for (std::size_t i = 0; i < second.last_matches.size(); ++i)
            if (auto& last = second.last_matches[i]) {
                last->line += lines_before_mid();
                tally_.last_matches[i] = std::move(last);
            }
        continue_cursor(half.cursor);
    }

private:
    /// Lines before `mid`, counted from where the first half's cursor stopped.
    std::uint64_t lines_before_mid() {
        if (!lines_before_mid_) {
            block_reader reader(cursor_.fd, cursor_.name, 0, mid_);
            lines_before_mid_ = cursor_.lines_before + reader.newlines(cursor_.counted_to, mid_);
        }
        return *lines_before_mid_;
    }

    [[nodiscard]] evidence_item renumbered(const evidence_item& item) {
        nlohmann::json data = item.data;
        for (const char* key : {"line", "event_line", "exception_line"})
            if (data.contains(key)) data[key] = data[key].get<std::uint64_t>() + lines_before_mid();
        return line_evidence(std::move(data));
    }

    /// The cursor as one scan of both halves leaves it; its line count
    /// stays the first half's unless the lines before `mid` were counted.
    void continue_cursor(const log_cursor& second) {
        if (lines_before_mid_) {
            cursor_.counted_to = second.counted_to;
            cursor_.lines_before = *lines_before_mid_ + second.lines_before;
        }
        if (second.last_line) {
            cursor_.last_line = second.last_line;
            cursor_.last_event = second.last_event;
        }
        if (second.last_error_event) cursor_.last_error_event = second.last_error_event;
        if (!cursor_.first_error_event) cursor_.first_error_event = second.first_error_event;
    }

    log_cursor& cursor_;
    scan_tally& tally_;
    std::uint64_t mid_;
    std::optional<std::uint64_t> lines_before_mid_;
};

/// How far past the middle of a region the line it ends at is looked for.
inline constexpr std::uint64_t split_search_bytes = 16ULL << 20;

/// Where the second half of [begin, end) starts: at a line, as a line is
/// matched by one stream. `end` (no split) when the middle's line runs on
/// past split_search_bytes, as in a file of NUL bytes: finding its end would
/// read up to half the region before the scan began, deaf to a stop.
inline std::uint64_t split_point(const log_cursor& cursor, std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t middle = begin + (end - begin) / 2;
    const std::uint64_t searched = std::min(end, middle + split_search_bytes);
    const std::uint64_t line_end =
        block_reader(cursor.fd, cursor.name, begin, searched).line_end(middle);
    return line_end < searched ? line_end + 1 : end;
}

/// Scans [begin, end) of the cursor's log, like one region_scan, but in
/// two halves on two threads when the region is at least `ctx.split_from`
/// long. A scan that stops once the requirements are met stays on one
/// thread: it must stop at the first block that meets them.
inline void scan_region(const scan_context& ctx, log_cursor& cursor, scan_tally& tally,
                        std::uint64_t begin, std::uint64_t end) {
    const bool split = !ctx.stop_when_met && end > begin && end - begin >= ctx.split_from;
    const std::uint64_t mid = split ? split_point(cursor, begin, end) : end;
    if (mid >= end) return region_scan(ctx, cursor, tally, begin, end).run();

    second_half half(ctx, cursor, tally, mid);
    std::exception_ptr first_failure, second_failure;
    std::thread worker;
    try {
        worker = std::thread([&half, &second_failure, mid, end] {
            try {
                region_scan(half.ctx, half.cursor, half.tally, mid, end).run();
            } catch (...) {
                second_failure = std::current_exception();
            }
        });
    } catch (const std::system_error&) { // no thread to be had: one scan, on this one
        return region_scan(ctx, cursor, tally, begin, end).run();
    }
    if (ctx.progress != nullptr) ctx.progress->beside = &half.scanned;
    try {
        region_scan(ctx, cursor, tally, begin, mid, end).run();
    } catch (...) {
        first_failure = std::current_exception();
    }
    worker.join();
    if (ctx.progress != nullptr) ctx.progress->beside = nullptr;
    if (first_failure) std::rethrow_exception(first_failure);
    if (second_failure) std::rethrow_exception(second_failure);
    half_merge(cursor, tally, mid).add(half);
}

} // namespace rollcheck::detail
