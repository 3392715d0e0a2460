/// \file detail/report/text.hpp
/// Text as the reports may hold it. Evidence carries whatever bytes a log
/// line or a table row held; a report must stay well-formed whatever they
/// were, so invalid UTF-8 and control characters become U+FFFD before any
/// escaping.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "../logs/text.hpp"

namespace rollcheck::detail {

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

/// The code point of the valid UTF-8 sequence of `len` bytes at `s`.
[[nodiscard]] inline char32_t decode_utf8(const unsigned char* s, std::size_t len) noexcept {
    if (len == 2) return static_cast<char32_t>((s[0] & 0x1F) << 6 | (s[1] & 0x3F));
    if (len == 3)
        return static_cast<char32_t>((s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F));
    return static_cast<char32_t>((s[0] & 0x07) << 18 | (s[1] & 0x3F) << 12 | (s[2] & 0x3F) << 6 |
                                 (s[3] & 0x3F));
}

/// Characters no report keeps: C0 and C1 controls but tab, newline and
/// carriage return, DEL, and the non-characters XML 1.0 forbids.
[[nodiscard]] constexpr bool unwanted_character(char32_t c) noexcept {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF;
}

/// `text` as valid UTF-8 holding only characters XML 1.0 allows: each
/// invalid byte and each unwanted character becomes U+FFFD.
[[nodiscard]] inline std::string clean_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t len = 1;
        char32_t c = s[i];
        if (c >= 0x80) {
            len = utf8_sequence(s + i, text.size() - i);
            if (len == 0) {
                out += replacement_character;
                ++i;
                continue;
            }
            c = decode_utf8(s + i, len);
        }
        if (unwanted_character(c))
            out += replacement_character;
        else
            out.append(text.data() + i, len);
        i += len;
    }
    return out;
}

/// The entity every markup context needs for `c` ("&amp;", "&lt;", "&gt;"), or null.
[[nodiscard]] inline const char* markup_entity(char c) noexcept {
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    default:
        return nullptr;
    }
}

/// `text` cleaned and escaped for XML character data or an attribute value
/// in double quotes. Tab, newline and carriage return become references in
/// attributes, where a parser would otherwise turn them into spaces.
[[nodiscard]] inline std::string xml_escape(std::string_view text, bool attribute = false) {
    std::string out;
    for (const char c : clean_text(text)) {
        if (const char* entity = markup_entity(c))
            out += entity;
        else if (c == '"' && attribute)
            out += "&quot;";
        else if (c == '\t' && attribute)
            out += "&#9;";
        else if (c == '\n' && attribute)
            out += "&#10;";
        else if (c == '\r')
            out += "&#13;"; // kept: a parser turns a literal one into a newline
        else
            out += c;
    }
    return out;
}

/// `text` cleaned for Markdown inline text (a table cell, a heading): on one line, with the
/// characters that would end the cell, start HTML or escape the next one
/// escaped.
[[nodiscard]] inline std::string markdown_inline(std::string_view text) {
    std::string out;
    for (const char c : clean_text(text)) {
        if (c == '\n' || c == '\r' || c == '\t')
            out += ' ';
        else if (c == '|' || c == '\\' || c == '<')
            (out += '\\') += c;
        else
            out += c;
    }
    return out;
}

/// A code fence longer than any run of backticks in `text`, so no line of
/// the evidence can close it early.
[[nodiscard]] inline std::string code_fence(std::string_view text) {
    std::size_t longest = 0, run = 0;
    for (const char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    return std::string(longest < 3 ? 3 : longest + 1, '`');
}

/// The first `limit` bytes of `text`, cut at a character boundary, with a
/// note of how much was left out.
[[nodiscard]] inline std::string cut_text(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return fmt::format("{} [… {} more bytes]", text.substr(0, end), text.size() - end);
}

} // namespace rollcheck::detail
