/// \file detail/logs/state.hpp
/// The resume state of the log scanner: for each log read, where the last
/// run stopped and a fingerprint of its first bytes, so that the next run
/// reads only what is new and notices rotation or truncation in between.
/// A log is recognised by its first bytes, not its name: after a rename
/// (app.log → app.log.1) or compression (→ app.log.2.gz) it is still found.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../atomic_file.hpp"
#include "source.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// Bytes fingerprinted at the start of a log.
inline constexpr std::size_t fingerprint_bytes = 256;

struct log_state_entry {
    std::string path;
    std::uint64_t inode = 0;
    std::uint64_t offset = 0; ///< the next run starts here (a line start)
    std::uint64_t fingerprint = 0;
    std::uint64_t fingerprint_length = 0;
    std::uint64_t counted_to = 0, lines_before = 0; ///< line numbering checkpoint
};

/// Reads the state file; a missing file is a first run (no entries).
/// Returns what is wrong, or "".
[[nodiscard]] inline std::string load_log_state(const std::filesystem::path& file,
                                                std::vector<log_state_entry>& out) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return {};
    // Reading a directory through a stream throws, with no file named.
    if (std::filesystem::is_directory(file, ec))
        return fmt::format("state file {}: is a directory", file.string());
    std::ifstream in(file);
    if (!in)
        return fmt::format("state file {}: cannot read: {}", file.string(), std::strerror(errno));
    try {
        const auto doc = nlohmann::json::parse(in);
        for (const auto& e : doc.at("logs"))
            out.push_back({e.at("path").get<std::string>(), e.at("inode").get<std::uint64_t>(),
                           e.at("offset").get<std::uint64_t>(),
                           e.at("fingerprint").get<std::uint64_t>(),
                           e.at("fingerprint_length").get<std::uint64_t>(),
                           e.at("counted_to").get<std::uint64_t>(),
                           e.at("lines_before").get<std::uint64_t>()});
    } catch (const nlohmann::json::exception& e) {
        return fmt::format("state file {}: not a rollcheck log state: {}", file.string(), e.what());
    }
    return {};
}

/// Writes the state atomically (a temporary file renamed over it).
[[nodiscard]] inline std::string save_log_state(const std::filesystem::path& file,
                                                const std::vector<log_state_entry>& entries) {
    auto logs = nlohmann::json::array();
    for (const auto& e : entries)
        logs.push_back({{"path", e.path},
                        {"inode", e.inode},
                        {"offset", e.offset},
                        {"fingerprint", e.fingerprint},
                        {"fingerprint_length", e.fingerprint_length},
                        {"counted_to", e.counted_to},
                        {"lines_before", e.lines_before}});
    const auto failed = write_file_atomically(file, nlohmann::json{{"logs", logs}}.dump(2) + "\n");
    if (!failed.empty()) return fmt::format("state file {}: {}", file.string(), failed);
    return {};
}

/// Fingerprint of the first `length` bytes of an open log.
[[nodiscard]] inline std::uint64_t fingerprint_of(const open_log& log, std::uint64_t length) {
    std::string head(static_cast<std::size_t>(length), '\0');
    block_reader(log.fd.get(), log.name, 0, log.size).read_exactly(head.data(), head.size(), 0);
    return fingerprint(head);
}

/// Where to start reading `log` given the last run, and what was noticed.
struct resume_point {
    std::uint64_t offset = 0;
    std::uint64_t counted_to = 0, lines_before = 0;
    std::string note;
};

[[nodiscard]] inline resume_point resume_from(const std::vector<log_state_entry>& entries,
                                              const open_log& log) {
    const log_state_entry* same_path = nullptr;
    for (const auto& e : entries) {
        if (e.path == log.name) same_path = &e;
        if (e.fingerprint_length == 0 || e.fingerprint_length > log.size) continue;
        if (e.fingerprint_length < 64 && e.path != log.name) continue; // too short to recognise
        if (fingerprint_of(log, e.fingerprint_length) != e.fingerprint) continue;
        if (e.offset > log.size)
            return {
                0, 0, 0,
                fmt::format("shorter than at the last run ({} < {} bytes): truncated; read from "
                            "the start",
                            log.size, e.offset)};
        const std::string where = e.path == log.name ? "" : fmt::format(" (it was {})", e.path);
        return {e.offset, e.counted_to, e.lines_before,
                fmt::format("continued from byte {}{}", e.offset, where)};
    }
    if (same_path == nullptr) return {0, 0, 0, "not seen by the last run: read from the start"};
    // Not told apart by inode: a rotated file's inode is often reused at once.
    return {0, 0, 0,
            "rotated, truncated or rewritten since the last run (its first bytes "
            "differ): read from the start"};
}

} // namespace rollcheck::detail
