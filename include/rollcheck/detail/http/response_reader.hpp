/// \file detail/http/response_reader.hpp
/// One HTTP/1.1 GET on a connected stream_socket (RFC 9112): the request,
/// then the response's head and its body by the framing the head gives
/// (Content-Length, chunked, or until the peer closes). Interim 1xx answers
/// are skipped; anything that is not HTTP/1.x is named as such, and its
/// first bytes kept to be shown. (libcurl, linked for notices, does not
/// hand those bytes over, and a check must say what answered instead.)
#pragma once

#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "stream_socket.hpp"

namespace rollcheck::detail {

/// How reading a response ended: `io` for the socket, `malformed` (non-empty)
/// when the peer's bytes are not HTTP, saying what is wrong.
struct http_read {
    io_status io;
    std::string malformed;

    [[nodiscard]] bool ok() const noexcept { return io.ok() && malformed.empty(); }
};

/// Reads one response from `socket`, which it does not own.
class response_reader {
public:
    explicit response_reader(stream_socket& socket) : socket_(socket) {}

    /// Sends `GET target` naming `host`, asking the peer to close after.
    io_status send_get(const std::string& host, const std::string& target) {
        return socket_.send_all("GET " + target + " HTTP/1.1\r\nHost: " + host +
                                "\r\nUser-Agent: rollcheck\r\nConnection: close\r\n\r\n");
    }

    /// Reads up to the end of the final (non-1xx) head.
    http_read read_head() {
        for (;;) {
            auto read = read_one_head();
            if (!read.ok() || status_ >= 200 || status_ == 101) return read;
        }
    }

    [[nodiscard]] int status() const noexcept { return status_; }
    /// A field of the head, "" when absent (names are case-insensitive).
    [[nodiscard]] std::string field(const std::string& name) const {
        const auto found = fields_.find(lower(name));
        return found == fields_.end() ? std::string() : found->second;
    }
    /// True once any byte came back.
    [[nodiscard]] bool received_any() const noexcept { return received_any_; }
    /// The first bytes received, as they came.
    [[nodiscard]] std::string_view received_start() const noexcept { return first_bytes_; }

    /// Hands the body to `take` piece by piece until it ends or `take`
    /// returns false (then ok, with the rest unread).
    http_read read_body(const std::function<bool(std::string_view)>& take) {
        while (!body_done()) {
            if (pos_ == buffer_.size()) {
                if (auto more = fill(); !more.ok()) return end_of_data(more);
                continue;
            }
            auto step = framing_ == framing::chunked ? chunk_step(take) : plain_step(take);
            if (!step.ok() || stopped_taking_) return step;
        }
        return {};
    }

private:
    static std::string lower(std::string text) {
        for (char& c : text)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return text;
    }
    static http_read malformed(std::string why) { return {{}, std::move(why)}; }

    [[nodiscard]] bool body_done() const {
        return framing_ == framing::none || (framing_ == framing::length && left_ == 0) ||
               chunk_state_ == chunk::done;
    }

    /// More bytes into the buffer, dropping what was consumed.
    http_read fill() {
        if (pos_ > 0) {
            buffer_.erase(0, pos_);
            pos_ = 0;
        }
        const auto io = socket_.receive_some(buffer_, 64 * 1024);
        if (!buffer_.empty() && !received_any_) {
            received_any_ = true;
            first_bytes_ = buffer_.substr(0, 64);
        }
        return {io, {}};
    }

    /// The peer closed or the socket failed in the body: complete only
    /// when the body runs until the close.
    http_read end_of_data(const http_read& read) {
        if (read.io.end == io_end::closed && framing_ == framing::until_close) {
            framing_ = framing::none;
            return {};
        }
        return read;
    }

    /// The next line of the head, without its line end; false until one is whole.
    bool next_line(std::string& line) {
        const auto end = buffer_.find('\n', pos_);
        if (end == std::string::npos) return false;
        line = buffer_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos_ = end + 1;
        return true;
    }

    http_read read_one_head() {
        static constexpr std::size_t head_limit = 64 * 1024;
        fields_.clear();
        last_field_.clear();
        status_ = 0;
        std::string line;
        bool status_read = false;
        std::size_t head_size = 0;
        for (;;) {
            if (!status_read && buffer_.size() - pos_ >= 1) {
                const std::string_view start(buffer_.data() + pos_, buffer_.size() - pos_);
                const std::string_view expected = "HTTP/1.";
                if (start.substr(0, expected.size()) != expected.substr(0, start.size()))
                    return malformed("bad version");
            }
            const auto line_start = pos_;
            if (!next_line(line)) {
                if (head_size + (buffer_.size() - pos_) > head_limit)
                    return malformed("the head is longer than 64 KiB");
                if (auto more = fill(); !more.ok()) return more;
                continue;
            }
            head_size += pos_ - line_start;
            if (head_size > head_limit) return malformed("the head is longer than 64 KiB");
            if (!status_read) {
                if (auto bad = parse_status(line); !bad.empty()) return malformed(bad);
                status_read = true;
            } else if (line.empty()) {
                return choose_framing();
            } else if (auto bad = parse_field(line); !bad.empty()) {
                return malformed(bad);
            }
        }
    }

    std::string parse_status(const std::string& line) {
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (line.size() < 12 || line[8] != ' ' ||
            !std::isdigit(static_cast<unsigned char>(line[7])))
            return "bad version";
        for (std::size_t i = 9; i < 12; ++i)
            if (!std::isdigit(static_cast<unsigned char>(line[i]))) return "bad status";
        if (line.size() > 12 && line[12] != ' ') return "bad status";
        status_ = std::stoi(line.substr(9, 3));
        if (status_ < 100 || status_ > 599) return "bad status";
        return {};
    }

    std::string parse_field(const std::string& line) {
        if (line.front() == ' ' || line.front() == '\t') { // obsolete folding: a continuation
            if (last_field_.empty()) return "bad field";
            fields_[last_field_] += " " + trim(line);
            return {};
        }
        const auto colon = line.find(':');
        if (colon == 0 || colon == std::string::npos || line.find_first_of(" \t") < colon)
            return "bad field";
        last_field_ = lower(line.substr(0, colon));
        auto& value = fields_[last_field_];
        value += (value.empty() ? "" : ", ") + trim(line.substr(colon + 1));
        return {};
    }

    static std::string trim(const std::string& text) {
        const auto first = text.find_first_not_of(" \t");
        if (first == std::string::npos) return {};
        return text.substr(first, text.find_last_not_of(" \t") - first + 1);
    }

    http_read choose_framing() {
        chunk_state_ = chunk::size;
        if (status_ < 200 || status_ == 204 || status_ == 304) {
            framing_ = framing::none;
            return {};
        }
        const auto coding = lower(field("Transfer-Encoding"));
        if (!coding.empty()) {
            const auto last = trim(coding.substr(coding.rfind(',') + 1));
            framing_ = last == "chunked" ? framing::chunked : framing::until_close;
            return {};
        }
        if (fields_.count("content-length") == 0) {
            framing_ = framing::until_close;
            return {};
        }
        // Repeated fields arrive joined: every value must be the same number.
        const auto length = field("Content-Length");
        std::uint64_t value = 0;
        bool first = true;
        for (std::size_t from = 0; from <= length.size();) {
            auto to = length.find(',', from);
            if (to == std::string::npos) to = length.size();
            const auto part = trim(length.substr(from, to - from));
            std::uint64_t n = 0;
            if (part.empty() || part.size() > 18 ||
                part.find_first_not_of("0123456789") != std::string::npos)
                return malformed("bad Content-Length");
            n = std::stoull(part);
            if (!first && n != value) return malformed("bad Content-Length");
            value = n;
            first = false;
            from = to + 1;
        }
        framing_ = framing::length;
        left_ = value;
        return {};
    }

    /// Hands on what the buffer holds of a body framed by length or close.
    http_read plain_step(const std::function<bool(std::string_view)>& take) {
        auto size = buffer_.size() - pos_;
        if (framing_ == framing::length)
            size = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
        const std::string_view piece(buffer_.data() + pos_, size);
        pos_ += size;
        if (framing_ == framing::length) left_ -= size;
        stopped_taking_ = !take(piece);
        return {};
    }

    /// One step of the chunked framing: a size line, data, a line end, or trailers.
    http_read chunk_step(const std::function<bool(std::string_view)>& take) {
        std::string line;
        switch (chunk_state_) {
        case chunk::size: {
            if (!next_line(line)) return line_pending("bad chunk size");
            auto digits = trim(line.substr(0, line.find(';')));
            digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
            if (digits.empty() || digits.size() > 15 ||
                digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
                return malformed("bad chunk size");
            left_ = std::stoull(digits, nullptr, 16);
            chunk_state_ = left_ == 0 ? chunk::trailers : chunk::data;
            return {};
        }
        case chunk::data: {
            const auto size =
                static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size() - pos_, left_));
            const std::string_view piece(buffer_.data() + pos_, size);
            pos_ += size;
            left_ -= size;
            if (left_ == 0) chunk_state_ = chunk::data_end;
            stopped_taking_ = !take(piece);
            return {};
        }
        case chunk::data_end:
            if (!next_line(line)) return line_pending("bad chunk end");
            if (!line.empty()) return malformed("bad chunk end");
            chunk_state_ = chunk::size;
            return {};
        case chunk::trailers:
            if (!next_line(line)) return line_pending("bad chunk trailer");
            if (line.empty()) chunk_state_ = chunk::done;
            return {};
        case chunk::done:
            break;
        }
        return {};
    }

    /// A line of the chunked framing not yet whole: read more, unless it
    /// is already too long to be one.
    http_read line_pending(const char* what) {
        if (buffer_.size() - pos_ > 4096) return malformed(what);
        if (auto more = fill(); !more.ok()) return more;
        return {};
    }

    /// The body's framing, from the head.
    enum class framing { none, length, chunked, until_close };
    enum class chunk { size, data, data_end, trailers, done };

    stream_socket& socket_;
    std::string buffer_;
    std::size_t pos_ = 0;
    bool received_any_ = false;
    std::string first_bytes_;
    int status_ = 0;
    std::map<std::string, std::string> fields_;
    std::string last_field_;
    framing framing_ = framing::none;
    chunk chunk_state_ = chunk::size;
    std::uint64_t left_ = 0;
    bool stopped_taking_ = false;
};

} // namespace rollcheck::detail
