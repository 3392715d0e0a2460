/// \file detail/logs/text.hpp
/// Byte-level helpers of the log scanner: counting newlines fast, and making
/// a log line safe to print (cut, control bytes and invalid UTF-8 escaped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rollcheck::detail {

/// Number of '\n' bytes in [data, data + size): sixteen bytes per step where
/// SSE2 exists, since line numbers of a gigabyte log cost a pass over it.
/// Each step adds the compare's 0 or 1 to sixteen byte counters, which are
/// summed (psadbw) before they can overflow: no popcount, which x86-64's
/// baseline lacks (without -mpopcnt it is a call into libgcc).
[[nodiscard]] inline std::uint64_t count_newlines(const char* data, std::size_t size) noexcept {
    std::uint64_t n = 0;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    while (i + 16 <= size) {
        __m128i counters = zero;
        for (int step = 0; step < 255 && i + 16 <= size; ++step, i += 16) {
            const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(block, nl)); // a match is -1
        }
        alignas(16) std::uint64_t sums[2];
        _mm_store_si128(reinterpret_cast<__m128i*>(sums), _mm_sad_epu8(counters, zero));
        n += sums[0] + sums[1];
    }
#endif
    for (; i < size; ++i)
        n += data[i] == '\n';
    return n;
}

/// Length of the valid UTF-8 sequence starting at `s` (at most `left` bytes
/// available), or 0 when it is not one.
[[nodiscard]] inline std::size_t utf8_sequence(const unsigned char* s, std::size_t left) noexcept {
    const unsigned char c = s[0];
    std::size_t len = 0;
    unsigned min_second = 0x80, max_second = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) min_second = 0xA0;
        if (c == 0xED) max_second = 0x9F; // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) min_second = 0x90;
        if (c == 0xF4) max_second = 0x8F;
    }
    if (len == 0 || len > left || s[1] < min_second || s[1] > max_second) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((s[k] & 0xC0) != 0x80) return 0;
    return len;
}

/// `line` as printable, valid UTF-8: control bytes and bytes that are not
/// UTF-8 become `\xNN` (tab stays), and text past `limit` bytes is cut with
/// a note of how much was left out (of `full_size` bytes, when `line` is
/// already a prefix of the line).
[[nodiscard]] inline std::string printable_line(std::string_view line, std::size_t limit,
                                                std::size_t full_size = 0) {
    std::string out;
    const auto* s = reinterpret_cast<const unsigned char*>(line.data());
    const std::size_t shown = line.size() < limit ? line.size() : limit;
    std::size_t i = 0;
    while (i < shown) {
        const unsigned char c = s[i];
        if (c >= 0x80) {
            if (const std::size_t len = utf8_sequence(s + i, line.size() - i); len > 0) {
                out.append(line.data() + i, len);
                i += len;
                continue;
            }
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F || c >= 0x80)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
        ++i;
    }
    full_size = full_size > line.size() ? full_size : line.size();
    if (i < full_size) out += fmt::format(" [… {} more bytes]", full_size - i);
    return out;
}

/// FNV-1a: a short fingerprint of a file's first bytes, to recognise the
/// same log after a rename or compression.
[[nodiscard]] inline std::uint64_t fingerprint(std::string_view bytes) noexcept {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

} // namespace rollcheck::detail
