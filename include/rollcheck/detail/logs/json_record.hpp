/// \file detail/logs/json_record.hpp
/// One record of a JSON-lines log (Docker's json-file driver, or a
/// structured logger): its time, message and level, read from the top level
/// of the object. Lenient where a log scanner must be: bytes that are not
/// UTF-8 pass through as they are (grep reads bytes too), nested values are
/// skipped unread. Strict where it matters: a record that is not one whole
/// object is malformed, with the byte where it goes wrong.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "../../log_format.hpp"

namespace rollcheck::detail {

/// The fields a record was read for, and what they held.
struct json_record {
    std::optional<std::string> message; ///< decoded
    std::optional<std::string> time;    ///< a string as decoded, a number as written
    std::optional<std::string> level;
};

/// The field names tried, in order, when the spec names none.
inline constexpr std::array<std::string_view, 4> json_time_names = {"time", "timestamp", "ts",
                                                                    "@timestamp"};
inline constexpr std::array<std::string_view, 3> json_message_names = {"log", "msg", "message"};
inline constexpr std::array<std::string_view, 3> json_level_names = {"level", "levelname",
                                                                     "severity"};

/// Which field of a record a key names: 0 none, else 1 + its rank among
/// the names tried (a lower rank wins when a record has several).
[[nodiscard]] inline std::size_t json_field_rank(std::string_view key, const std::string& named,
                                                 const std::string_view* names, std::size_t n) {
    if (!named.empty()) return key == named ? 1 : 0;
    for (std::size_t i = 0; i < n; ++i)
        if (key == names[i]) return i + 1;
    return 0;
}

/// Reads a record's fields, or says what is wrong with it.
class json_record_reader {
public:
    explicit json_record_reader(const json_log_fields& fields) : fields_(fields) {}

    /// `line` as a record; nullopt with `why` naming the byte when it is not one.
    [[nodiscard]] std::optional<json_record> read(std::string_view line, std::string& why) const {
        parse p{line, 0, {}, {0, 0, 0}, {}};
        if (!object(p, 0) || (p.skip_blanks(), p.pos != line.size())) {
            why = p.pos != line.size() && p.why.empty()
                      ? fmt::format("text after the record at byte {}", p.pos + 1)
                      : p.why;
            return std::nullopt;
        }
        return std::move(p.record);
    }

    [[nodiscard]] const json_log_fields& fields() const noexcept { return fields_; }

private:
    /// Nesting deeper than this is not a log record (and would cost stack).
    static constexpr int max_depth = 64;

    struct parse {
        std::string_view s;
        std::size_t pos;
        json_record record;
        std::array<std::size_t, 3> ranks; ///< time, message, level: the rank held

        void skip_blanks() {
            while (pos < s.size() &&
                   (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n'))
                ++pos;
        }
        bool fail(std::string_view what) {
            if (why.empty())
                why = pos < s.size() ? fmt::format("{} at byte {}", what, pos + 1)
                                     : fmt::format("{}: the record ends at byte {}", what, pos);
            return false;
        }
        bool eat(char c) {
            skip_blanks();
            if (pos < s.size() && s[pos] == c) {
                ++pos;
                return true;
            }
            return false;
        }
        std::string why;
    };

    bool object(parse& p, int depth) const {
        if (!p.eat('{')) return p.fail("not a JSON object");
        if (p.eat('}')) return true;
        do {
            p.skip_blanks();
            std::string key;
            if (!string(p, &key)) return false;
            if (!p.eat(':')) return p.fail("':' expected");
            if (depth == 0 ? !field(p, key) : !value(p, depth + 1, nullptr)) return false;
        } while (p.eat(','));
        return p.eat('}') || p.fail("',' or '}' expected");
    }

    /// A top-level member: kept when it is one of the fields looked for.
    bool field(parse& p, const std::string& key) const {
        const std::size_t ranks[3] = {
            json_field_rank(key, fields_.time, json_time_names.data(), json_time_names.size()),
            json_field_rank(key, fields_.message, json_message_names.data(),
                            json_message_names.size()),
            json_field_rank(key, fields_.level, json_level_names.data(), json_level_names.size())};
        std::optional<std::string>* slots[3] = {&p.record.time, &p.record.message, &p.record.level};
        for (std::size_t k = 0; k < 3; ++k) {
            if (ranks[k] == 0 || (p.ranks[k] != 0 && p.ranks[k] <= ranks[k])) continue;
            std::string text;
            if (!value(p, 1, &text)) return false;
            *slots[k] = std::move(text);
            p.ranks[k] = ranks[k];
            return true;
        }
        return value(p, 1, nullptr);
    }

    /// Any value; a string or scalar is kept in `out` when given.
    bool value(parse& p, int depth, std::string* out) const {
        if (depth > max_depth) return p.fail("nested too deep");
        p.skip_blanks();
        if (p.pos >= p.s.size()) return p.fail("a value expected");
        const char c = p.s[p.pos];
        if (c == '"') return string(p, out);
        if (c == '{') return object(p, depth);
        if (c == '[') return array(p, depth);
        const std::size_t start = p.pos;
        while (p.pos < p.s.size() &&
               std::string_view("+-.0123456789eEtruefalsn").find(p.s[p.pos]) !=
                   std::string_view::npos)
            ++p.pos;
        const auto word = p.s.substr(start, p.pos - start);
        if (word.empty()) return p.fail("a value expected");
        if (word != "true" && word != "false" && word != "null" &&
            word.find_first_not_of("+-.0123456789eE") != std::string_view::npos) {
            p.pos = start;
            return p.fail("a value expected");
        }
        if (out != nullptr) *out = std::string(word);
        return true;
    }

    bool array(parse& p, int depth) const {
        ++p.pos;
        if (p.eat(']')) return true;
        do {
            if (!value(p, depth + 1, nullptr)) return false;
        } while (p.eat(','));
        return p.eat(']') || p.fail("',' or ']' expected");
    }

    /// A string at p.pos (its opening quote), decoded into `out` when given.
    static bool string(parse& p, std::string* out) {
        if (p.pos >= p.s.size() || p.s[p.pos] != '"') return p.fail("'\"' expected");
        ++p.pos;
        for (;;) {
            std::size_t run = p.pos; // a plain loop: find_first_of calls memchr per byte
            while (run < p.s.size() && p.s[run] != '"' && p.s[run] != '\\')
                ++run;
            if (out != nullptr) out->append(p.s.substr(p.pos, run - p.pos));
            p.pos = run;
            if (run == p.s.size()) return p.fail("unclosed string");
            ++p.pos;
            if (p.s[run] == '"') return true;
            if (!escape(p, out)) return false;
        }
    }

    /// The escape after a backslash.
    static bool escape(parse& p, std::string* out) {
        if (p.pos >= p.s.size()) return p.fail("unclosed string");
        const char c = p.s[p.pos++];
        const char* simple = std::strchr("\"\\/bfnrt", c);
        if (c != '\0' && simple != nullptr) {
            if (out != nullptr) *out += "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            return true;
        }
        if (c != 'u') {
            --p.pos;
            return p.fail("an unknown escape");
        }
        auto unit = hex4(p);
        if (!unit) return false;
        std::uint32_t code = *unit;
        if (code >= 0xD800 && code < 0xDC00 && p.s.substr(p.pos, 2) == "\\u") {
            p.pos += 2;
            const auto low = hex4(p);
            if (!low) return false;
            if (*low >= 0xDC00 && *low < 0xE000) {
                code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
            } else { // a lone high half, then the unit after it
                if (out != nullptr) append_utf8(*out, code);
                code = *low;
            }
        }
        if (out != nullptr) append_utf8(*out, code);
        return true;
    }

    static std::optional<std::uint32_t> hex4(parse& p) {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i, ++p.pos) {
            const char c = p.pos < p.s.size() ? p.s[p.pos] : '\0';
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) {
                p.fail("four hex digits expected after \\u");
                return std::nullopt;
            }
            v = v * 16 + static_cast<std::uint32_t>(d);
        }
        return v;
    }

    /// `code` as UTF-8 (a lone surrogate half as its three bytes, as
    /// Python's "surrogatepass" would write it: shown, not dropped).
    static void append_utf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    const json_log_fields& fields_;
};

} // namespace rollcheck::detail
