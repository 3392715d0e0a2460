/// \file detail/process/line_scan.hpp
/// A command's output read for patterns as it arrives, line by line, so that
/// a line far past what the bounded capture keeps is still seen.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "../pattern.hpp"

namespace rollcheck::detail {

/// A line one of the unwanted patterns matched, located.
struct output_hit {
    const char* stream = "stdout";
    std::uint64_t number = 0; ///< from 1, in its stream
    std::string line;
    std::size_t pattern = 0; ///< index into the unwanted patterns
};

/// Reads stdout and stderr for `wanted` patterns (did any line match each?)
/// and `unwanted` ones (which lines matched: the first `keep` kept, each
/// counted). Patterns work line by line, as grep's. Memory is bounded: a
/// line longer than line_limit bytes is matched on its first line_limit
/// bytes, and a block of complete lines is searched whole, each candidate
/// confirmed on its own line, so a gigabyte of clean output costs one pass
/// of RE2's DFA per pattern, not a call per line.
class line_scanner {
public:
    static constexpr std::size_t line_limit = 8 * 1024;

    /// The patterns must be valid (callers refuse invalid ones before running).
    line_scanner(const std::vector<std::string>& wanted, const std::vector<std::string>& unwanted,
                 std::size_t keep)
        : keep_(keep), wanted_found_(wanted.size(), false) {
        // A block is searched with ^ and $ at every line's ends, as each line alone has them.
        const auto compile = [](const std::string& p) {
            std::string why;
            return std::shared_ptr<RE2>(compile_pattern(p, why));
        };
        for (const auto& p : wanted) {
            wanted_.push_back(compile(p));
            wanted_block_.push_back(compile("(?m:" + p + ")"));
        }
        std::string any;
        for (const auto& p : unwanted) {
            unwanted_.push_back(compile(p));
            any += (any.empty() ? "(?:" : "|(?:") + p + ")";
        }
        counts_.assign(unwanted.size(), 0);
        if (!any.empty()) unwanted_block_ = compile("(?m:" + any + ")");
    }

    /// Bytes of `stream` (0 stdout, 1 stderr) as they were read.
    void feed(int stream, std::string_view data) {
        auto& s = streams_[stream];
        if (s.open_line) {
            const auto newline = data.find('\n');
            append_capped(s.pending, data.substr(0, newline));
            if (newline == std::string_view::npos) return;
            data.remove_prefix(newline + 1);
            s.open_line = false;
            line(stream, s.pending);
        }
        const auto last = data.rfind('\n');
        if (last != std::string_view::npos) {
            block(stream, data.substr(0, last + 1));
            data.remove_prefix(last + 1);
        }
        if (!data.empty()) {
            s.pending.clear();
            append_capped(s.pending, data);
            s.open_line = true;
        }
    }

    /// The end of the output: a last line without its newline is a line.
    void finish() {
        for (int stream = 0; stream < 2; ++stream)
            if (streams_[stream].open_line) {
                streams_[stream].open_line = false;
                line(stream, streams_[stream].pending);
            }
    }

    [[nodiscard]] bool found(std::size_t wanted) const { return wanted_found_[wanted]; }
    [[nodiscard]] const std::vector<output_hit>& hits() const { return hits_; }
    /// Lines whose first matching unwanted pattern is `unwanted`, kept or not.
    [[nodiscard]] std::uint64_t lines_matching(std::size_t unwanted) const {
        return counts_[unwanted];
    }

private:
    struct stream_state {
        std::uint64_t lines = 0; ///< complete lines read
        std::string pending;     ///< the line being read, up to line_limit bytes
        bool open_line = false;
    };

    static void append_capped(std::string& to, std::string_view data) {
        to.append(data.substr(0, line_limit - std::min(line_limit, to.size())));
    }

    /// Complete lines, each ending with '\n'.
    void block(int stream, std::string_view text) {
        for (std::size_t i = 0; i < wanted_.size(); ++i)
            if (!wanted_found_[i] && search(*wanted_block_[i], text))
                for (std::string_view rest = text; !rest.empty() && !wanted_found_[i];) {
                    const auto newline = rest.find('\n');
                    wanted_found_[i] = search(*wanted_[i], capped(rest.substr(0, newline)));
                    rest.remove_prefix(newline + 1);
                }
        auto& lines = streams_[stream].lines;
        re2::StringPiece candidate;
        while (!text.empty()) {
            if (!unwanted_block_ ||
                !unwanted_block_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                                        RE2::UNANCHORED, &candidate, 1)) {
                lines += static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
                return;
            }
            // The candidate's line, checked alone: a match across lines is not one.
            const auto at = static_cast<std::size_t>(candidate.data() - text.data());
            const auto begin = text.rfind('\n', at == 0 ? 0 : at - 1);
            const auto start = begin == std::string_view::npos || at == 0 ? 0 : begin + 1;
            lines += static_cast<std::uint64_t>(
                std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(start), '\n'));
            text.remove_prefix(start);
            const auto newline = text.find('\n');
            ++lines;
            record(stream, lines, capped(text.substr(0, newline)));
            text.remove_prefix(newline + 1);
        }
    }

    static std::string_view capped(std::string_view line) { return line.substr(0, line_limit); }

    void line(int stream, std::string_view text) {
        for (std::size_t i = 0; i < wanted_.size(); ++i)
            wanted_found_[i] = wanted_found_[i] || search(*wanted_[i], text);
        record(stream, ++streams_[stream].lines, text);
    }

    void record(int stream, std::uint64_t number, std::string_view text) {
        for (std::size_t i = 0; i < unwanted_.size(); ++i) {
            if (!search(*unwanted_[i], text)) continue;
            ++counts_[i];
            if (hits_.size() < keep_)
                hits_.push_back({stream == 0 ? "stdout" : "stderr", number, std::string(text), i});
            return;
        }
    }

    std::size_t keep_;
    std::vector<std::shared_ptr<RE2>> wanted_, wanted_block_, unwanted_;
    std::shared_ptr<RE2> unwanted_block_;
    std::vector<bool> wanted_found_;
    std::vector<output_hit> hits_;
    std::vector<std::uint64_t> counts_;
    stream_state streams_[2];
};

} // namespace rollcheck::detail
