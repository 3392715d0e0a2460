/// \file detail/db/baseline_file.hpp
/// The two files of a baseline: the small JSON (per table and bucket: row
/// count and hash sum) and the optional key file (every key, grouped by
/// bucket, so that compare can name lost keys by reading only the buckets
/// that differ).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../baseline.hpp"
#include "../../postgres.hpp"
#include "../atomic_file.hpp"

namespace rollcheck {

namespace detail {

inline constexpr const char* baseline_format = "rollcheck-baseline";
inline constexpr const char* keys_header = "rollcheck-baseline-keys 1\n";
/// How a key's hash is computed; a baseline with another cannot be compared.
inline constexpr const char* key_hash = "hashtextextended(ROW(key)::text, 0)";

/// Buckets are picked by the hash's low bits: a power of two, 1 to 65536.
[[nodiscard]] constexpr bool valid_bucket_count(unsigned n) noexcept {
    return n != 0 && (n & (n - 1)) == 0 && n <= 65536;
}

[[nodiscard]] inline nlohmann::json baseline_to_json(const baseline& b) {
    auto tables = nlohmann::json::array();
    for (const auto& t : b.tables) {
        nlohmann::json j = {{"schema", t.table.schema},
                            {"name", t.table.name},
                            {"key", t.key},
                            {"column", t.column},
                            {"rows", t.rows},
                            {"counts", t.counts},
                            {"sums", t.sums}};
        j["newest"] = t.newest ? nlohmann::json(*t.newest) : nlohmann::json();
        if (!t.key_offsets.empty()) j["key_offsets"] = t.key_offsets;
        tables.push_back(std::move(j));
    }
    return {{"format", baseline_format},  {"version", baseline::format_version},
            {"taken_at", b.taken_at},     {"server", b.server},
            {"hash", key_hash},           {"buckets", b.buckets},
            {"keys_file", b.keys_file},   {"keys_bytes", b.keys_bytes},
            {"tables", std::move(tables)}};
}

/// Reads the JSON fields of a baseline, naming file and field in every complaint.
class baseline_reader {
public:
    explicit baseline_reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw std::runtime_error(fmt::format("baseline {}: {}: {}", file_, where, what));
    }

    template <typename T>
    T get(const nlohmann::json& j, const std::string& key, const std::string& where) const {
        const auto it = j.find(key);
        if (it == j.end()) fail(where, fmt::format("no field '{}'", key));
        try {
            return it->get<T>();
        } catch (const nlohmann::json::exception&) {
            const auto shown = it->dump();
            fail(where + "." + key, fmt::format("unexpected value {}{}", shown.substr(0, 40),
                                                shown.size() > 40 ? "…" : ""));
        }
    }

    template <typename T>
    std::vector<T> array(const nlohmann::json& j, const std::string& key, std::size_t size,
                         const std::string& where) const {
        auto values = get<std::vector<T>>(j, key, where);
        if (values.size() != size)
            fail(where + "." + key,
                 fmt::format("{} entries where the baseline has {}", values.size(), size));
        return values;
    }

    [[nodiscard]] table_baseline table(const nlohmann::json& j, const std::string& where,
                                       unsigned buckets) const {
        if (!j.is_object()) fail(where, "not an object");
        table_baseline t;
        t.table.schema = get<std::string>(j, "schema", where);
        t.table.name = get<std::string>(j, "name", where);
        t.key = get<std::vector<std::string>>(j, "key", where);
        if (t.key.empty()) fail(where + ".key", "no key columns");
        t.column = get<std::string>(j, "column", where);
        t.rows = get<std::uint64_t>(j, "rows", where);
        if (j.contains("newest") && !j["newest"].is_null())
            t.newest = get<std::string>(j, "newest", where);
        t.counts = array<std::uint64_t>(j, "counts", buckets, where);
        t.sums = array<std::string>(j, "sums", buckets, where);
        if (j.contains("key_offsets"))
            t.key_offsets = array<std::uint64_t>(j, "key_offsets", buckets + 1, where);
        std::uint64_t total = 0;
        for (const auto c : t.counts)
            total += c;
        if (total != t.rows)
            fail(where, fmt::format("bucket counts add up to {}, not to rows {}", total, t.rows));
        return t;
    }

private:
    std::string file_;
};

/// Reads and validates a baseline JSON file; throws std::runtime_error
/// naming the file and what is wrong with it.
[[nodiscard]] inline baseline read_baseline_file(const std::filesystem::path& path) {
    // Reading a directory through a stream throws, with no file named.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::runtime_error(fmt::format("baseline {}: is a directory", path.string()));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(
            fmt::format("baseline {}: cannot open it: {}", path.string(), std::strerror(errno)));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(fmt::format("baseline {}: not a rollcheck baseline (not JSON: {})",
                                             path.string(), e.what()));
    }
    const baseline_reader r(path.string());
    if (!j.is_object() || !j.contains("format") || j["format"] != baseline_format)
        r.fail("format", "not a rollcheck baseline (no \"format\": \"rollcheck-baseline\")");
    const auto version = r.get<int>(j, "version", "version");
    if (version != baseline::format_version)
        r.fail("version", fmt::format("format version {} is not supported (this rollcheck reads "
                                      "version {})",
                                      version, baseline::format_version));
    baseline b;
    b.buckets = r.get<unsigned>(j, "buckets", "buckets");
    if (r.get<std::string>(j, "hash", "hash") != key_hash)
        r.fail("hash", fmt::format("keys hashed otherwise than {} cannot be compared", key_hash));
    if (!valid_bucket_count(b.buckets))
        r.fail("buckets", fmt::format("{} is not a power of two up to 65536", b.buckets));
    b.taken_at = r.get<std::string>(j, "taken_at", "taken_at");
    b.server = r.get<std::string>(j, "server", "server");
    b.keys_file = r.get<std::string>(j, "keys_file", "keys_file");
    b.keys_bytes = r.get<std::uint64_t>(j, "keys_bytes", "keys_bytes");
    const auto tables = r.get<nlohmann::json>(j, "tables", "tables");
    if (!tables.is_array() || tables.empty()) r.fail("tables", "no tables");
    for (std::size_t i = 0; i < tables.size(); ++i)
        b.tables.push_back(r.table(tables[i], fmt::format("tables[{}]", i), b.buckets));
    return b;
}

/// One key as a line of the key file: each column's text, tab-separated,
/// escaped as COPY's text format does (`\N` for NULL).
[[nodiscard]] inline std::string encode_key(const pqxx::row& row, pqxx::row::size_type first) {
    std::string line;
    for (auto i = first; i < row.size(); ++i) {
        if (i > first) line += '\t';
        if (row[i].is_null()) {
            line += "\\N";
            continue;
        }
        for (const char* c = row[i].c_str(); *c != '\0'; ++c) {
            switch (*c) {
            case '\\':
                line += "\\\\";
                break;
            case '\t':
                line += "\\t";
                break;
            case '\n':
                line += "\\n";
                break;
            case '\r':
                line += "\\r";
                break;
            default:
                line += *c;
            }
        }
    }
    return line;
}

/// The column values of a key-file line (nullopt for NULL).
[[nodiscard]] inline std::vector<std::optional<std::string>> decode_key(const std::string& line) {
    std::vector<std::optional<std::string>> values(1, std::string());
    // COPY writes NULL as a whole field; text after it (a damaged file) is
    // kept as text, "\N" included, rather than written into no string.
    const auto append = [&](char c) {
        if (!values.back()) values.back() = std::string("\\N");
        *values.back() += c;
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\t') {
            values.emplace_back(std::string());
        } else if (c == '\\' && i + 1 < line.size()) {
            const char e = line[++i];
            if (e == 'N')
                values.back() = std::nullopt;
            else
                append(e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e);
        } else {
            append(c);
        }
    }
    return values;
}

/// The key file of a baseline, read one bucket at a time.
class key_file {
public:
    key_file(const std::filesystem::path& path, std::uint64_t expected_bytes)
        : path_(path.string()), in_(path, std::ios::binary) {
        if (!in_)
            throw std::runtime_error(fmt::format("key file {}: cannot open it: {} (it is "
                                                 "written with the baseline and names lost keys)",
                                                 path_, std::strerror(errno)));
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        std::string header(std::char_traits<char>::length(keys_header), '\0');
        in_.read(header.data(), static_cast<std::streamsize>(header.size()));
        if (ec || size != expected_bytes || header != keys_header)
            throw std::runtime_error(
                fmt::format("key file {}: does not belong to this baseline ({} bytes, the baseline "
                            "recorded {})",
                            path_, ec ? 0 : size, expected_bytes));
    }

    /// The lines of keys between two offsets; throws when there are not `count` of them.
    [[nodiscard]] std::vector<std::string> bucket(std::uint64_t begin, std::uint64_t end,
                                                  std::uint64_t count) {
        std::string text(end - begin, '\0');
        in_.seekg(static_cast<std::streamoff>(begin));
        in_.read(text.data(), static_cast<std::streamsize>(text.size()));
        std::vector<std::string> lines;
        for (std::size_t at = 0; at < text.size();) {
            const auto nl = text.find('\n', at);
            if (nl == std::string::npos) break;
            lines.push_back(text.substr(at, nl - at));
            at = nl + 1;
        }
        if (!in_ || lines.size() != count)
            throw std::runtime_error(
                fmt::format("key file {}: bytes {}..{} hold {} keys where the baseline counted "
                            "{}: the file does not match the baseline",
                            path_, begin, end, lines.size(), count));
        return lines;
    }

private:
    std::string path_;
    std::ifstream in_;
};

} // namespace detail
} // namespace rollcheck
