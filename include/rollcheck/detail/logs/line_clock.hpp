/// \file detail/logs/line_clock.hpp
/// The time of a line of a log: the timestamp at the start of a line of
/// text, or the time field of a JSON-lines record, wherever in the record
/// it stands (Docker writes it last, after the message).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json_record.hpp"
#include "source.hpp"
#include "time.hpp"

namespace rollcheck::detail {

/// A record longer than this is read (and decided) on its first this-many
/// bytes, as a line of text is: a 10 MB record costs 16 MiB at most.
inline constexpr std::size_t record_read_limit = 16 << 20;

class line_clock {
public:
    explicit line_clock(const timestamp_reader& clock, const json_record_reader* json = nullptr)
        : clock_(clock), json_(json) {}

    /// The time of the line starting at `start`, if it has one.
    [[nodiscard]] std::optional<log_millis> at(block_reader& reader, std::uint64_t start) const {
        if (json_ == nullptr) return clock_.at_line_start(reader.from(start, 64));
        const auto record = record_at(reader, start);
        return record ? of(*record) : std::nullopt;
    }

    /// The record of the line starting at `start`, if it is one (a reader
    /// of records only).
    [[nodiscard]] std::optional<json_record> record_at(block_reader& reader,
                                                       std::uint64_t start) const {
        std::string why;
        return json_->read(line_at(reader, start, reader.line_end(start)), why);
    }

    /// The line [start, end), up to record_read_limit bytes.
    [[nodiscard]] static std::string_view line_at(block_reader& reader, std::uint64_t start,
                                                  std::uint64_t end) {
        return reader.span(start, static_cast<std::size_t>(
                                      std::min<std::uint64_t>(end - start, record_read_limit)));
    }

    /// A record's time, when its time field holds one this reader knows.
    [[nodiscard]] std::optional<log_millis> of(const json_record& record) const {
        return record.time ? clock_.whole_text(*record.time) : std::nullopt;
    }

    [[nodiscard]] const timestamp_reader& text_clock() const noexcept { return clock_; }
    /// The reader of records, or null for a text log.
    [[nodiscard]] const json_record_reader* records() const noexcept { return json_; }

private:
    const timestamp_reader& clock_;
    const json_record_reader* json_;
};

} // namespace rollcheck::detail
