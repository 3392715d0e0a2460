/// \file detail/atomic_file.hpp
/// Files rollcheck writes (baselines, scan state, cron snapshots) appear
/// whole or not at all: written under a temporary name beside the target,
/// flushed to disk, then renamed over it. A crash or a full disk leaves the
/// previous file, never half of a new one.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace rollcheck::detail {

/// A name beside `target` no other writer, thread or process, will pick.
[[nodiscard]] inline std::filesystem::path temporary_beside(const std::filesystem::path& target) {
    static std::atomic<unsigned> serial{0};
    return target.string() + fmt::format(".tmp-{}-{}", ::getpid(), serial++);
}

/// Flushes `path`'s data to disk, so the rename that follows publishes it whole.
[[nodiscard]] inline bool sync_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

/// A file written under a temporary name and renamed into place on commit().
/// Throws std::runtime_error naming the file when it cannot be written.
class atomic_file {
public:
    explicit atomic_file(std::filesystem::path target)
        : target_(std::move(target)), temporary_(temporary_beside(target_)),
          out_(temporary_, std::ios::binary | std::ios::trunc) {
        if (!out_)
            throw std::runtime_error(
                fmt::format("cannot write {}: {}", temporary_.string(), std::strerror(errno)));
    }
    ~atomic_file() {
        if (!committed_) std::remove(temporary_.c_str());
    }
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    std::ofstream& stream() { return out_; }
    [[nodiscard]] std::uint64_t position() { return static_cast<std::uint64_t>(out_.tellp()); }

    void commit() {
        out_.close();
        if (!out_ || !sync_file(temporary_))
            throw std::runtime_error(
                fmt::format("writing {} failed: {}", temporary_.string(), std::strerror(errno)));
        std::error_code ec;
        std::filesystem::rename(temporary_, target_, ec);
        if (ec)
            throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", temporary_.string(),
                                                 target_.string(), ec.message()));
        committed_ = true;
    }

private:
    std::filesystem::path target_;
    std::filesystem::path temporary_;
    std::ofstream out_;
    bool committed_ = false;
};

/// Writes `content` to `target` atomically; returns what went wrong, or "".
[[nodiscard]] inline std::string write_file_atomically(const std::filesystem::path& target,
                                                       std::string_view content) {
    try {
        atomic_file file(target);
        file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
        file.commit();
        return {};
    } catch (const std::runtime_error& e) {
        return e.what();
    }
}

} // namespace rollcheck::detail
