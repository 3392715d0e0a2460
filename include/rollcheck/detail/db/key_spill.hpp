/// \file detail/db/key_spill.hpp
/// Keys set aside by bucket on disk, for take and compare to read back
/// bucket by bucket without holding a table's keys in memory.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../unique_fd.hpp"

namespace rollcheck::detail {

/// Keys spilled to temporary files by bucket range (one file per 1/256 of
/// the buckets), then read back bucket by bucket, one file in memory at a
/// time. Each file is unlinked as soon as it is open, so a run that is
/// killed leaves none behind.
///
/// A spilled key is one byte, its bucket within its file (a file holds at
/// most 256 buckets), then the key's line. Each file is written through a
/// buffer of its own.
class key_spill {
public:
    key_spill(const std::string& prefix, unsigned buckets)
        : buckets_(buckets), parts_(std::min(buckets, 256U)) {
        while ((buckets >> shift_) > parts_)
            ++shift_;
        for (unsigned p = 0; p < parts_; ++p) {
            paths_.push_back(prefix + fmt::format(".part{}", p));
            fds_.emplace_back(
                ::open(paths_.back().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
            if (fds_.back().get() < 0) fail("cannot write", p);
            ::unlink(paths_.back().c_str());
        }
        buffers_.resize(parts_);
    }

    void add(unsigned bucket, const std::string& line) {
        const unsigned part = bucket >> shift_;
        auto& buffer = buffers_[part];
        buffer += static_cast<char>(bucket & ((1U << shift_) - 1));
        buffer += line;
        buffer += '\n';
        if (buffer.size() >= flush_bytes) flush(part);
    }

    /// Calls `each(bucket, keys)` for every bucket in order, `keys` one per line.
    template <typename Each>
    void for_each_bucket(Each&& each) {
        const unsigned per_part = 1U << shift_;
        std::vector<std::string> grouped(per_part);
        std::string data;
        for (unsigned p = 0; p < parts_; ++p) {
            read_back(p, data);
            for (auto& g : grouped)
                g.clear();
            for (std::size_t at = 0; at < data.size();) {
                const auto end = data.find('\n', at + 1);
                if (end == std::string::npos)
                    throw std::runtime_error(fmt::format("{}: cut short", paths_[p].string()));
                grouped[static_cast<unsigned char>(data[at])].append(data, at + 1, end - at);
                at = end + 1;
            }
            for (unsigned i = 0; i < per_part && p * per_part + i < buckets_; ++i)
                each(p * per_part + i, grouped[i]);
        }
    }

private:
    static constexpr std::size_t flush_bytes = 16 * 1024;

    [[noreturn]] void fail(const char* what, unsigned part) const {
        const int error = errno;
        throw std::runtime_error(
            fmt::format("{} {}: {}", what, paths_[part].string(), std::strerror(error)));
    }

    void flush(unsigned part) {
        auto& buffer = buffers_[part];
        for (std::size_t done = 0; done < buffer.size();) {
            const auto n = ::write(fds_[part].get(), buffer.data() + done, buffer.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("writing", part);
            done += static_cast<std::size_t>(n);
        }
        buffer.clear();
    }

    /// The whole of part `part`, which is then closed.
    void read_back(unsigned part, std::string& data) {
        flush(part);
        data.clear();
        if (::lseek(fds_[part].get(), 0, SEEK_SET) != 0) fail("reading", part);
        char block[64 * 1024];
        for (;;) {
            const auto n = ::read(fds_[part].get(), block, sizeof block);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("reading", part);
            if (n == 0) break;
            data.append(block, static_cast<std::size_t>(n));
        }
        fds_[part].reset();
    }

    unsigned buckets_;
    unsigned parts_;
    unsigned shift_ = 0;                       ///< a bucket's part: bucket >> shift_
    std::vector<std::filesystem::path> paths_; ///< as they were named, for messages
    std::vector<unique_fd> fds_;
    std::vector<std::string> buffers_;
};

} // namespace rollcheck::detail
