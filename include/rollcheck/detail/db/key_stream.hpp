/// \file detail/db/key_stream.hpp
/// Every key of a table with its baseline hash, read in one pass with COPY:
/// the server only prints the keys, and the hash (PostgreSQL's
/// hashtextextended of the key row's text, seed 0) is computed here, where
/// the key types allow it; otherwise the server computes it in the COPY.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "../../postgres.hpp"
#include "baseline_sql.hpp"

namespace rollcheck::detail {

/// PostgreSQL's hash_bytes_extended (src/common/hashfn.c, Bob Jenkins'
/// lookup3 with a 64-bit result) with seed 0, byte by byte; the server's
/// word-wide fetches give the same value on a little-endian machine.
[[nodiscard]] inline std::uint64_t pg_hash_bytes(std::string_view key) {
    const auto rot = [](std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); };
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    auto len = static_cast<std::uint32_t>(key.size());
    std::uint32_t a = 0x9e3779b9U + len + 3923095U;
    std::uint32_t b = a, c = a;
    const auto word = [&](std::size_t i) {
        return std::uint32_t{k[i]} | std::uint32_t{k[i + 1]} << 8 | std::uint32_t{k[i + 2]} << 16 |
               std::uint32_t{k[i + 3]} << 24;
    };
    while (len >= 12) {
        a += word(0);
        b += word(4);
        c += word(8);
        a -= c, a ^= rot(c, 4), c += b;
        b -= a, b ^= rot(a, 6), a += c;
        c -= b, c ^= rot(b, 8), b += a;
        a -= c, a ^= rot(c, 16), c += b;
        b -= a, b ^= rot(a, 19), a += c;
        c -= b, c ^= rot(b, 4), b += a;
        k += 12;
        len -= 12;
    }
    // The last 11 bytes; c's lowest byte is left to the length.
    for (std::uint32_t i = 0; i < len; ++i) {
        const std::uint32_t byte = k[i];
        if (i < 4)
            a += byte << (8 * i);
        else if (i < 8)
            b += byte << (8 * (i - 4));
        else
            c += byte << (8 * (i - 7));
    }
    c ^= b, c -= rot(b, 14);
    a ^= c, a -= rot(c, 11);
    b ^= a, b -= rot(a, 25);
    c ^= b, c -= rot(b, 16);
    a ^= c, a -= rot(c, 4);
    b ^= a, b -= rot(a, 14);
    c ^= b, c -= rot(b, 24);
    return std::uint64_t{b} << 32 | c;
}

/// Appends a column's value to a row's text as record_out writes it:
/// double-quoted when empty or holding `"`, `\`, `(`, `)`, `,` or white
/// space, with `"` and `\` doubled inside.
inline void append_row_field(std::string& row, std::string_view value) {
    bool quote = value.empty();
    for (const char ch : value)
        if (ch == '"' || ch == '\\' || ch == '(' || ch == ')' || ch == ',' || ch == ' ' ||
            (ch >= '\t' && ch <= '\r')) {
            quote = true;
            break;
        }
    if (!quote) {
        row += value;
        return;
    }
    row += '"';
    for (const char ch : value) {
        if (ch == '"' || ch == '\\') row += ch;
        row += ch;
    }
    row += '"';
}

/// Key column types whose text (`::text`, what the key file holds) is what
/// their output function prints inside a row's text (what the hash is of).
/// Not so for boolean (`true` against `t`), inet (the mask), character(n)
/// (trailing blanks), so those are hashed by the server.
[[nodiscard]] inline bool hashable_here(const std::string& type) {
    static const char* const same[] = {"text",      "varchar",     "int2", "int4",
                                       "int8",      "numeric",     "uuid", "date",
                                       "timestamp", "timestamptz", "oid",  "name"};
    for (const char* t : same)
        if (type == t) return true;
    return false;
}

/// Reads every key of a table with its hash through one COPY.
class key_stream {
public:
    key_stream(pqxx::transaction_base& tx, const baseline_sql& sql, const table_ref& table,
               const std::vector<std::string>& key)
        : tx_(tx), sql_(sql), table_(table), columns_(key.size()) {
        local_hash_ = true;
        const auto oid = tx.exec_params1("SELECT to_regclass($1)::oid", table.sql(tx))[0];
        for (const auto& column : key) {
            const auto type =
                tx.exec_params1("SELECT t.typname::text FROM pg_attribute AS a JOIN pg_type AS t "
                                "ON t.oid = a.atttypid WHERE a.attrelid = $1 AND a.attname = $2",
                                oid.c_str(), column)[0];
            if (!hashable_here(type.c_str())) local_hash_ = false;
        }
        // A sample checked against the server's own hash: any difference
        // (a type or setting this file does not know) and the server hashes.
        if (local_hash_) {
            const auto sample = tx.exec(fmt::format("SELECT {}::text{} FROM {} LIMIT 200", sql.hash,
                                                    sql.key_columns, sql.from));
            std::string line;
            for (const auto& row : sample) {
                line = encode_key(row, 1);
                if (hash_line(line) != row[0].as<std::int64_t>()) {
                    local_hash_ = false;
                    break;
                }
            }
        }
    }

    /// True when the hashes are computed here rather than by the server.
    [[nodiscard]] bool local_hash() const noexcept { return local_hash_; }

    /// Calls `each(hash, key_line)` for every row; key_line is the key as the
    /// key file holds it (encode_key's form).
    template <typename Each>
    void for_each(Each&& each) {
        pqxx::stream_from copy(tx_, local_hash_ ? fmt::format("(SELECT {} FROM {})",
                                                              sql_.key_columns.substr(2), sql_.from)
                                                : fmt::format("(SELECT {}{} FROM {})", sql_.hash,
                                                              sql_.key_columns, sql_.from));
        std::string raw, line;
        while (copy.get_raw_line(raw)) {
            if (!raw.empty() && raw.back() == '\n') raw.pop_back(); // libpqxx 6 keeps it
            std::int64_t hash = 0;
            line.clear();
            if (local_hash_) {
                copy_to_key_line(line, raw);
                hash = hash_line(line);
            } else {
                const auto tab = raw.find('\t');
                const auto parsed = std::from_chars(raw.data(), raw.data() + tab, hash);
                if (tab == std::string::npos || parsed.ec != std::errc())
                    throw std::runtime_error(
                        fmt::format("unexpected COPY line from {}", table_.display()));
                copy_to_key_line(line, std::string_view(raw).substr(tab + 1));
            }
            each(hash, line);
        }
        copy.complete();
    }

private:
    /// A key as COPY's text format gives it, in the key file's form: COPY
    /// also writes \b, \f and \v as escapes, which the key file holds as bytes.
    static void copy_to_key_line(std::string& out, std::string_view copied) {
        if (copied.find('\\') == std::string_view::npos) {
            out += copied;
            return;
        }
        for (std::size_t i = 0; i < copied.size(); ++i) {
            const char c = copied[i];
            if (c != '\\' || i + 1 == copied.size()) {
                out += c;
                continue;
            }
            const char e = copied[++i];
            if (e == 'b')
                out += '\b';
            else if (e == 'f')
                out += '\f';
            else if (e == 'v')
                out += '\v';
            else {
                out += '\\';
                out += e;
            }
        }
    }

    /// The hash of a key line: its values as a row's text, hashed.
    std::int64_t hash_line(const std::string& line) {
        row_.assign(1, '(');
        if (line.find('\\') == std::string::npos) {
            std::size_t start = 0;
            for (std::size_t i = 0; i < columns_; ++i) {
                if (i > 0) row_ += ',';
                const auto tab = line.find('\t', start);
                append_row_field(row_, std::string_view(line).substr(
                                           start, tab == std::string::npos ? tab : tab - start));
                start = tab + 1;
            }
        } else {
            const auto values = decode_key(line);
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (i > 0) row_ += ',';
                if (values[i]) append_row_field(row_, *values[i]); // NULL: nothing
            }
        }
        row_ += ')';
        return static_cast<std::int64_t>(pg_hash_bytes(row_));
    }

    pqxx::transaction_base& tx_;
    const baseline_sql& sql_;
    const table_ref& table_;
    std::size_t columns_;
    bool local_hash_ = false;
    std::string row_;
};

} // namespace rollcheck::detail
