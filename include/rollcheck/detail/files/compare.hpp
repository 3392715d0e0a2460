/// \file detail/files/compare.hpp
/// Comparing a file with its reference: SHA-1 content hashes (git's blob ids
/// for git, plain SHA-1 for an archive) and, for text, the first differing line.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include <boost/uuid/detail/sha1.hpp>
#include <fmt/format.h>

#include "../../wording.hpp"

namespace rollcheck::detail {

inline std::string hex_digest(boost::uuids::detail::sha1& hash) {
    boost::uuids::detail::sha1::digest_type digest;
    hash.get_digest(digest);
    std::string hex;
    for (const unsigned int word : digest)
        hex += fmt::format("{:08x}", word);
    return hex;
}

/// git's object id of a blob holding `content` (what `git hash-object` prints).
inline std::string git_blob_id(std::string_view content) {
    boost::uuids::detail::sha1 hash;
    const auto header = fmt::format("blob {}", content.size());
    hash.process_bytes(header.data(), header.size() + 1); // with its terminating NUL
    hash.process_bytes(content.data(), content.size());
    return hex_digest(hash);
}

/// SHA-1 of a regular file's content, or nothing with `error` saying why.
inline std::optional<std::string> file_sha1(const std::filesystem::path& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    boost::uuids::detail::sha1 hash;
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        hash.process_bytes(buffer, static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    return hex_digest(hash);
}

/// Up to `limit` bytes of a file, or nothing with `error` saying why.
inline std::optional<std::string> read_head(const std::filesystem::path& path, std::size_t limit,
                                            std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    std::string content(limit, '\0');
    in.read(content.data(), static_cast<std::streamsize>(limit));
    content.resize(static_cast<std::size_t>(in.gcount()));
    return content;
}

/// Why a path cannot be compared as a file ("is a directory", "is a FIFO"), empty when it can.
inline std::string not_a_regular_file(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    switch (fs::symlink_status(path, ec).type()) {
    case fs::file_type::regular:
        return {};
    case fs::file_type::not_found:
        return "missing";
    case fs::file_type::directory:
        return "is a directory, not a file";
    case fs::file_type::symlink:
        return "is a symbolic link, not a file";
    case fs::file_type::fifo:
        return "is a FIFO, not a file";
    default:
        return "is not a regular file";
    }
}

inline bool looks_binary(std::string_view text) {
    return text.substr(0, 8000).find('\0') != std::string_view::npos;
}

/// "line 12: 'x = 1' here, 'x = 2' in the reference", for text; a size note for binary.
inline std::string first_difference(std::string_view actual, std::string_view reference) {
    if (looks_binary(actual) || looks_binary(reference))
        return fmt::format("binary content differs ({} here, {} in the reference)",
                           counted(actual.size(), "byte"), reference.size());
    const auto clip = [](std::string_view line) {
        return line.size() > 120 ? std::string(line.substr(0, 120)) + "…" : std::string(line);
    };
    std::size_t line_no = 1;
    while (true) {
        const auto a_end = std::min(actual.find('\n'), actual.size());
        const auto b_end = std::min(reference.find('\n'), reference.size());
        const auto a = actual.substr(0, a_end), b = reference.substr(0, b_end);
        if (actual.empty() && reference.empty())
            return fmt::format("line {}: the lines are equal; a final newline differs",
                               line_no - 1);
        if (actual.empty() && !reference.empty())
            return fmt::format("line {}: the file ends here; the reference goes on with '{}'",
                               line_no, clip(b));
        if (reference.empty() && !actual.empty())
            return fmt::format("line {}: '{}' is past the end of the reference", line_no, clip(a));
        if (a != b)
            return fmt::format("line {}: '{}' here, '{}' in the reference", line_no, clip(a),
                               clip(b));
        actual.remove_prefix(std::min(a_end + 1, actual.size()));
        reference.remove_prefix(std::min(b_end + 1, reference.size()));
        ++line_no;
    }
}

} // namespace rollcheck::detail
