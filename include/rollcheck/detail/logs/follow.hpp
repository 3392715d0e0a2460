/// \file detail/logs/follow.hpp
/// Following logs for a bounded window, as `tail -F` would, through both
/// kinds of rotation: rename-and-create (the old file is drained to its end
/// while the writer may still hold it) and copytruncate (the lines between
/// the last read and the truncation are read from the copy, `FILE.1`).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scanner.hpp"
#include "source.hpp"
#include "state.hpp"

namespace rollcheck::detail {

/// One descriptor being read: the file as opened, how far it was read.
struct followed_descriptor {
    unique_fd fd;
    std::uint64_t inode = 0;
    std::uint64_t offset = 0; ///< next unread byte, always a line start
    std::uint64_t fingerprint = 0, fingerprint_length = 0;
    log_cursor cursor;
    const scan_context* read_as = nullptr; ///< as text or as JSON lines, once known

    /// Where reading stands, to go back to when a read is undone.
    struct read_position {
        std::uint64_t offset, fingerprint, fingerprint_length;
        log_cursor cursor;
        const scan_context* read_as;
    };
    [[nodiscard]] read_position where() const {
        return {offset, fingerprint, fingerprint_length, cursor, read_as};
    }
    void restore(const read_position& p) {
        offset = p.offset;
        fingerprint = p.fingerprint;
        fingerprint_length = p.fingerprint_length;
        cursor = p.cursor;
        read_as = p.read_as;
    }
};

class log_follower {
public:
    log_follower(const scan_contexts& contexts, scan_tally& tally)
        : contexts_(contexts), tally_(tally) {}

    /// Opens `path` at its end (lines already there are not this window's).
    /// Returns what is wrong, or "".
    [[nodiscard]] std::string watch(const std::string& path) {
        auto d = open_descriptor(path);
        if (!d) return fmt::format("{}: cannot open: {}", path, std::strerror(errno));
        struct stat st {};
        ::fstat(d->fd.get(), &st);
        block_reader reader(d->fd.get(), path, 0, static_cast<std::uint64_t>(st.st_size));
        d->offset = reader.line_start(static_cast<std::uint64_t>(st.st_size));
        files_.push_back({path, std::move(*d), {}});
        return {};
    }

    /// Reads what is new in every file; call until the window ends.
    void poll() {
        for (auto& f : files_) {
            for (auto& old : f.renamed)
                drain(old);
            drain_current(f);
            follow_rename(f);
        }
    }

    [[nodiscard]] const nlohmann::json& rotations() const noexcept { return rotations_; }

private:
    struct followed_file {
        std::string path;
        followed_descriptor current;
        std::vector<followed_descriptor> renamed; ///< rotated away, drained to the window's end
    };

    static std::unique_ptr<followed_descriptor> open_descriptor(const std::string& path) {
        unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st {};
        if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return nullptr;
        auto d = std::make_unique<followed_descriptor>();
        d->inode = static_cast<std::uint64_t>(st.st_ino);
        d->cursor.name = path;
        d->cursor.fd = fd.get();
        d->fd = std::move(fd);
        return d;
    }

    static std::uint64_t size_of(int fd) {
        struct stat st {};
        return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    }

    /// Fingerprint of the first bytes, over `length` of them (0 when shorter).
    static std::uint64_t head_fingerprint(int fd, std::uint64_t length) {
        std::string head(static_cast<std::size_t>(length), '\0');
        const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
        return n == static_cast<ssize_t>(length) ? fingerprint(head) : 0;
    }

    /// Scans the complete lines of `d` from its offset up to `size`.
    void scan_to(followed_descriptor& d, std::uint64_t size) {
        if (size <= d.offset) return;
        block_reader reader(d.fd.get(), d.cursor.name, 0, size);
        const std::uint64_t end = reader.line_start(size); // a partial last line waits
        if (end <= d.offset) return;
        // Text or JSON lines is decided on the file's first line, once whole.
        if (d.read_as == nullptr) d.read_as = &contexts_.for_log(reader);
        region_scan(*d.read_as, d.cursor, tally_, d.offset, end).run();
        d.offset = end;
        if (d.fingerprint_length < fingerprint_bytes) {
            d.fingerprint_length = std::min<std::uint64_t>(fingerprint_bytes, end);
            d.fingerprint = head_fingerprint(d.fd.get(), d.fingerprint_length);
        }
    }

    void drain(followed_descriptor& d) { scan_to(d, size_of(d.fd.get())); }

    /// Reads the file as opened; a file now shorter than what was read, or
    /// with other first bytes, was truncated: its copy holds the rest.
    void drain_current(followed_file& f) {
        auto& d = f.current;
        const std::uint64_t size = size_of(d.fd.get());
        const bool truncated =
            size < d.offset ||
            (d.fingerprint_length > 0 &&
             head_fingerprint(d.fd.get(), d.fingerprint_length) != d.fingerprint);
        if (truncated || !scan_unless_truncated(d, size)) {
            restart_after_truncation(f);
            scan_to(d, size_of(d.fd.get()));
        }
    }

    /// Scans `d` up to `size`; when the file is truncated while it is read
    /// (between the size and the read: a short read, or other first bytes
    /// after it), the scan is undone and false returned, so that the copy
    /// can be read from the same place.
    bool scan_unless_truncated(followed_descriptor& d, std::uint64_t size) {
        const scan_tally tally_before = tally_;
        const auto before = d.where();
        try {
            scan_to(d, size);
            if (before.fingerprint_length == 0 ||
                head_fingerprint(d.fd.get(), before.fingerprint_length) == before.fingerprint)
                return true;
        } catch (const file_shrank&) {
            // undone below, as for other first bytes
        }
        tally_ = tally_before;
        d.restore(before);
        return false;
    }

    void restart_after_truncation(followed_file& f) {
        auto& d = f.current;
        read_truncated_copy(f);
        d.offset = 0;
        d.fingerprint_length = 0;
        d.read_as = nullptr; // text or JSON lines: decided again on its new first line
        d.cursor = log_cursor{};
        d.cursor.name = f.path;
        d.cursor.fd = d.fd.get();
    }

    void read_truncated_copy(followed_file& f) {
        const std::string copy_path = f.path + ".1";
        auto copy = open_descriptor(copy_path);
        nlohmann::json note = {
            {"file", f.path}, {"kind", "copytruncate"}, {"at_byte", f.current.offset}};
        if (copy && f.current.fingerprint_length > 0 &&
            head_fingerprint(copy->fd.get(), f.current.fingerprint_length) ==
                f.current.fingerprint) {
            copy->offset = f.current.offset;
            copy->cursor.counted_to = f.current.cursor.counted_to;
            copy->cursor.lines_before = f.current.cursor.lines_before;
            drain(*copy);
            note["rest_read_from"] = copy_path;
        } else {
            note["lost"] = fmt::format("no copy of the truncated file at {}: lines written after "
                                       "byte {} before the truncation were not read",
                                       copy_path, f.current.offset);
        }
        rotations_.push_back(std::move(note));
    }

    /// A different file at the path now: the old one was renamed away.
    void follow_rename(followed_file& f) {
        struct stat st {};
        if (::stat(f.path.c_str(), &st) != 0 ||
            static_cast<std::uint64_t>(st.st_ino) == f.current.inode)
            return;
        auto fresh = open_descriptor(f.path);
        if (!fresh) return; // between the rename and the create: next poll
        rotations_.push_back({{"file", f.path}, {"kind", "rename"}, {"at_byte", f.current.offset}});
        f.current.cursor.name = renamed_name(f.path, f.current.inode);
        f.renamed.push_back(std::move(f.current));
        f.current = std::move(*fresh);
        drain_current(f);
    }

    static std::string renamed_name(const std::string& path, std::uint64_t inode) {
        struct stat st {};
        const std::string sibling = path + ".1";
        if (::stat(sibling.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) == inode)
            return sibling;
        return path + " (renamed away)";
    }

    scan_contexts contexts_;
    scan_tally& tally_;
    std::vector<followed_file> files_;
    nlohmann::json rotations_ = nlohmann::json::array();
};

} // namespace rollcheck::detail
