/// \file detail/read_file.hpp
/// Reading what the cron verifiers read: whole files with the reason they
/// cannot be read.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <sys/stat.h>

#include <fmt/format.h>

namespace rollcheck::detail {

/// The whole of `path`, or nothing with `error` saying why ("no such file",
/// "is a directory", "Permission denied", "Not a directory", larger than
/// `limit` …). A regular file larger than `limit` is refused by its size,
/// unread: a crontab of a gigabyte costs neither the time nor the memory
/// (16 MiB is some hundred thousand entries, far beyond any real crontab).
[[nodiscard]] inline std::optional<std::string> read_whole_file(const std::filesystem::path& path,
                                                                std::string& error,
                                                                std::uintmax_t limit = 16u << 20) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        error = fmt::format("cannot read '{}': is a directory", path.string());
        return std::nullopt;
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno));
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uintmax_t>(st.st_size) > limit) {
        std::fclose(f);
        error = fmt::format("cannot read '{}': {} bytes, more than the {} this reads",
                            path.string(), static_cast<std::uintmax_t>(st.st_size), limit);
        return std::nullopt;
    }
    std::string data;
    char buffer[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
        data.append(buffer, n);
        if (data.size() > limit) {
            std::fclose(f);
            error = fmt::format("cannot read '{}': larger than {} bytes", path.string(), limit);
            return std::nullopt;
        }
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) {
        error = fmt::format("cannot read '{}': {}", path.string(), std::strerror(err));
        return std::nullopt;
    }
    return data;
}

} // namespace rollcheck::detail
