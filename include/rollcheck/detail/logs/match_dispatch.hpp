/// \file detail/logs/match_dispatch.hpp
/// Which lines of a region some pattern matches: Vectorscan in streaming
/// mode over blocks (no match is lost at a block boundary), RE2 line by
/// line for the patterns Vectorscan refused, lines located from match
/// offsets and handed on in order once all their matches are in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <hs/hs.h>
#include <re2/re2.h>

#include "patterns.hpp"
#include "scan_state.hpp"
#include "scan_tally.hpp"
#include "source.hpp"

namespace rollcheck::detail {

class match_dispatch {
public:
    /// A Vectorscan stream over one region, when the patterns have a database.
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

    match_dispatch(const scan_context& ctx, const log_cursor& cursor, scan_tally& tally,
                   block_reader& reader, std::uint64_t begin)
        : ctx_(ctx), cursor_(cursor), tally_(tally), reader_(reader), begin_(begin),
          covered_(ctx.patterns.patterns().size() + 2, 0), line_begin_(begin) {}

    /// Finds the matches of the reader's current block.
    void match_block(stream& s) {
        const auto block = reader_.block();
        if (s.id == nullptr && !tally_.first_nul)
            if (const void* nul = std::memchr(block.data(), '\0', block.size()))
                tally_.saw_nul(cursor_.name, reader_.block_offset() +
                                                 static_cast<std::uint64_t>(
                                                     static_cast<const char*>(nul) - block.data()));
        if (s.id != nullptr) {
            const auto rc = hs_scan_stream(s.id, block.data(), static_cast<unsigned>(block.size()),
                                           0, s.scratch, &match_dispatch::on_match, this);
            if (failure_) std::rethrow_exception(failure_);
            if (rc != HS_SUCCESS)
                throw std::runtime_error(
                    fmt::format("{}: Vectorscan scan failed ({})", cursor_.name, rc));
        }
        if (ctx_.patterns.has_line_patterns()) match_lines_with_re2(false);
    }

    /// Finds the matches that end with the region: its last line.
    void finish(stream& s) {
        if (s.id != nullptr) {
            hs_close_stream(s.id, s.scratch, &match_dispatch::on_match, this);
            s.id = nullptr;
            if (failure_) std::rethrow_exception(failure_);
        }
        if (ctx_.patterns.has_line_patterns()) match_lines_with_re2(true);
    }

    /// Calls `decide(line_hit&)`, in order, for every line whose matches
    /// are all in: those that end before `scanned_to` (every line at
    /// UINT64_MAX).
    template <typename Decide>
    void settle(std::uint64_t scanned_to, Decide&& decide) {
        while (!hits_.empty()) {
            auto first = hits_.begin();
            if (first->second.end >= scanned_to && scanned_to != UINT64_MAX) return;
            line_hit hit = std::move(first->second);
            hit.start = first->first;
            hits_.erase(first);
            decide(hit);
        }
    }

private:
    /// One record per pattern and line: later matches of the same pattern
    /// in a line it already matched are dropped here, cheaply.
    static int on_match(unsigned id, unsigned long long, unsigned long long to, unsigned,
                        void* self) {
        auto& scan = *static_cast<match_dispatch*>(self);
        try {
            if (id == scan.ctx_.patterns.nul_id())
                scan.tally_.saw_nul(scan.cursor_.name, scan.begin_ + to - 1);
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

    const scan_context& ctx_;
    const log_cursor& cursor_;
    scan_tally& tally_;
    block_reader& reader_;
    std::uint64_t begin_;
    std::vector<std::uint64_t> covered_;
    std::map<std::uint64_t, line_hit> hits_;
    std::uint64_t line_begin_;
    std::exception_ptr failure_;
};

} // namespace rollcheck::detail
