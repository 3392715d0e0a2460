/// \file detail/logs/source.hpp
/// Where log bytes come from: files, globs, rotated siblings, gzip and
/// stdin, all read through pread in bounded blocks. (Not mmap: a log
/// truncated while mapped kills the reader with SIGBUS; pread just comes
/// back short, which is reported.)
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <zlib.h>

#include "../../progress.hpp"
#include "../unique_fd.hpp"
#include "text.hpp"

namespace rollcheck::detail {

/// One log to read, as resolved from the command line.
struct log_input {
    std::string name; ///< as reported: the path, or "(stdin)"
    bool from_stdin = false;
};

/// Rotated siblings of `file` (`file.1`, `file.2.gz`, …), oldest first.
[[nodiscard]] inline std::vector<std::string> rotated_siblings(const std::string& file) {
    namespace fs = std::filesystem;
    const fs::path path(file);
    const auto dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string base = path.filename().string() + ".";
    std::vector<std::pair<unsigned long, std::string>> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(base, 0) != 0) continue;
        std::string suffix = name.substr(base.size());
        if (suffix.size() > 3 && suffix.compare(suffix.size() - 3, 3, ".gz") == 0)
            suffix.resize(suffix.size() - 3);
        if (suffix.empty() || suffix.size() > 6 ||
            suffix.find_first_not_of("0123456789") != std::string::npos)
            continue;
        found.emplace_back(std::stoul(suffix), (path.parent_path() / name).string());
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> names;
    for (auto& f : found)
        names.push_back(std::move(f.second));
    return names;
}

/// `path` as a pattern resolve_inputs takes for that one file: glob
/// characters escaped (glob(3) then reads the backslashes), and "-"
/// (stdin) made a path.
[[nodiscard]] inline std::string literal_log_path(const std::string& path) {
    if (path == "-") return "./-";
    if (path.find_first_of("*?[") == std::string::npos) return path;
    std::string out;
    for (const char c : path) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

/// Expands globs ("-" is stdin) and, when asked, adds rotated siblings
/// before each file. Returns what is wrong, or "".
[[nodiscard]] inline std::string resolve_inputs(const std::vector<std::string>& patterns,
                                                bool rotated, std::vector<log_input>& out) {
    if (patterns.empty()) return "no log file given";
    for (const auto& pattern : patterns) {
        if (pattern == "-") {
            out.push_back({"(stdin)", true});
            continue;
        }
        std::vector<std::string> files;
        if (pattern.find_first_of("*?[") == std::string::npos) {
            files.push_back(pattern);
        } else {
            glob_t g{};
            const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
            for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i)
                files.emplace_back(g.gl_pathv[i]);
            ::globfree(&g);
            if (files.empty()) return fmt::format("no file matches '{}'", pattern);
        }
        for (const auto& file : files) {
            if (rotated)
                for (auto& sibling : rotated_siblings(file))
                    out.push_back({std::move(sibling), false});
            out.push_back({file, false});
        }
    }
    return {};
}

/// An unnamed temporary file: where gzip and stdin are unpacked so that
/// they are read like any file, in bounded memory.
inline unique_fd anonymous_temp_file() {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = fmt::format("{}/rollcheck-log.XXXXXX", dir && *dir ? dir : "/tmp");
    unique_fd fd(::mkstemp(pattern.data()));
    if (fd.get() < 0)
        throw std::runtime_error(fmt::format("cannot create a temporary file in {}: {}",
                                             dir && *dir ? dir : "/tmp", std::strerror(errno)));
    ::unlink(pattern.c_str());
    return fd;
}

inline void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::runtime_error(
                fmt::format("cannot write a temporary file: {}", std::strerror(errno)));
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

/// zlib's last error on `gz`, without the file name zlib puts in front.
inline std::string gzip_error(gzFile gz, const std::string& name, int& code) {
    std::string message = ::gzerror(gz, &code);
    if (message.rfind(name + ": ", 0) == 0) message.erase(0, name.size() + 2);
    return message;
}

/// Decompresses `name` into a temporary file, or says why it cannot.
inline unique_fd gunzip_to_temp(const std::string& name, std::string& why) {
    gzFile gz = ::gzopen(name.c_str(), "rb");
    if (gz == nullptr) {
        why = fmt::format("{}: cannot open: {}", name, std::strerror(errno));
        return {};
    }
    unique_fd out = anonymous_temp_file();
    std::vector<char> buffer(1 << 20);
    std::uint64_t total = 0;
    progress_meter meter("logs.scan", name + ": unpacking", progress_unit::bytes);
    for (;;) {
        const int n = ::gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()));
        if (n < 0 || (n == 0 && !::gzeof(gz))) {
            int code = 0;
            why = fmt::format("{}: corrupt gzip data after {} uncompressed bytes: {}", name, total,
                              gzip_error(gz, name, code));
            ::gzclose_r(gz);
            return {};
        }
        if (n == 0) break;
        write_all(out.get(), buffer.data(), static_cast<std::size_t>(n));
        total += static_cast<std::uint64_t>(n);
        meter.update(total);
    }
    // zlib treats a stream cut short as "maybe still being written": only
    // the final state says the data ended inside a gzip member.
    int code = Z_OK;
    const std::string message = gzip_error(gz, name, code);
    if (::gzclose_r(gz) == Z_BUF_ERROR || code != Z_OK) {
        why = fmt::format("{}: corrupt gzip data after {} uncompressed bytes: {}", name, total,
                          code != Z_OK ? message : "unexpected end of file");
        return {};
    }
    return out;
}

inline unique_fd stdin_to_temp() {
    unique_fd out = anonymous_temp_file();
    std::vector<char> buffer(1 << 20);
    progress_meter meter("logs.scan", "(stdin): reading", progress_unit::bytes);
    for (;;) {
        const ssize_t n = ::read(0, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::runtime_error(fmt::format("cannot read stdin: {}", std::strerror(errno)));
        if (n == 0) break;
        write_all(out.get(), buffer.data(), static_cast<std::size_t>(n));
        meter.add(static_cast<std::uint64_t>(n));
    }
    return out;
}

/// An open log: a descriptor to pread, its size when opened and identity.
struct open_log {
    std::string name;
    unique_fd fd;
    std::uint64_t size = 0;
    std::uint64_t device = 0, inode = 0; ///< of the file as named (the .gz itself)
    bool unpacked = false;               ///< gzip or stdin, read from a temporary copy
};

[[nodiscard]] inline bool starts_with_gzip_magic(int fd) {
    unsigned char magic[2] = {0, 0};
    return ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/// Opens `input` for reading; returns what is wrong, or "".
[[nodiscard]] inline std::string open_input(const log_input& input, open_log& out) {
    out.name = input.name;
    if (input.from_stdin) {
        out.fd = stdin_to_temp();
        out.unpacked = true;
    } else {
        // O_NONBLOCK: a FIFO given by mistake must not block the open.
        out.fd = unique_fd(::open(input.name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        if (out.fd.get() < 0)
            return fmt::format("{}: cannot open: {}", input.name, std::strerror(errno));
        struct stat st {};
        if (::fstat(out.fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
            return fmt::format("{}: not a regular file", input.name);
        ::fcntl(out.fd.get(), F_SETFL, 0);
        out.device = static_cast<std::uint64_t>(st.st_dev);
        out.inode = static_cast<std::uint64_t>(st.st_ino);
        if (starts_with_gzip_magic(out.fd.get())) {
            std::string why;
            out.fd = gunzip_to_temp(input.name, why);
            if (!why.empty()) return why;
            out.unpacked = true;
        }
    }
    struct stat st {};
    if (::fstat(out.fd.get(), &st) != 0)
        return fmt::format("{}: cannot stat: {}", input.name, std::strerror(errno));
    out.size = static_cast<std::uint64_t>(st.st_size);
    // A scan reads front to back (or two halves, each front to back): a
    // cold file is read ahead further. Only a hint; failing it costs nothing.
    ::posix_fadvise(out.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    return {};
}

/// A file that came up shorter than its size said, while it was read:
/// truncated or rewritten in place. Following treats it as copytruncate;
/// a one-off scan reports it.
struct file_shrank : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Reads a region of a log in blocks and gives random access around them:
/// the current and the previous block are in memory, anything else is
/// read on demand (line starts, evidence text). Random access looks ahead
/// up to `readable_end`: the first half of a split scan reads the
/// exception of a traceback from the second half.
class block_reader {
public:
    static constexpr std::size_t block_size = 256 * 1024;

    block_reader(int fd, std::string name, std::uint64_t begin, std::uint64_t end)
        : block_reader(fd, std::move(name), begin, end, end) {}
    block_reader(int fd, std::string name, std::uint64_t begin, std::uint64_t end,
                 std::uint64_t readable_end)
        : fd_(fd), name_(std::move(name)), next_(begin), end_(end),
          readable_end_(std::max(end, readable_end)) {
        current_.reserve(block_size);
        previous_.reserve(block_size);
        scratch_.reserve(block_size);
    }

    /// Reads the next block; false at the end of the region.
    bool advance() {
        if (next_ >= end_) return false;
        std::swap(previous_, current_);
        previous_offset_ = current_offset_;
        current_offset_ = next_;
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(block_size, end_ - next_));
        current_.resize(want);
        read_exactly(current_.data(), want, next_);
        next_ += want;
        return true;
    }

    [[nodiscard]] std::string_view block() const { return {current_.data(), current_.size()}; }
    [[nodiscard]] std::uint64_t block_offset() const noexcept { return current_offset_; }
    [[nodiscard]] std::uint64_t end() const noexcept { return end_; }
    [[nodiscard]] std::uint64_t readable_end() const noexcept { return readable_end_; }

    /// Up to `max` bytes ending at `pos`, as many as are at hand contiguously.
    [[nodiscard]] std::string_view before(std::uint64_t pos, std::size_t max) {
        for (const auto* b : {&current_, &previous_}) {
            const std::uint64_t off = b == &current_ ? current_offset_ : previous_offset_;
            if (!b->empty() && pos > off && pos <= off + b->size()) {
                const auto len = std::min<std::uint64_t>(max, pos - off);
                return {b->data() + (pos - off - len), static_cast<std::size_t>(len)};
            }
        }
        const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(max, pos));
        return read_aside(pos - len, len);
    }

    /// Up to `max` bytes from `pos` (fewer at the readable end).
    [[nodiscard]] std::string_view from(std::uint64_t pos, std::size_t max) {
        max = static_cast<std::size_t>(
            std::min<std::uint64_t>(max, readable_end_ > pos ? readable_end_ - pos : 0));
        for (const auto* b : {&current_, &previous_}) {
            const std::uint64_t off = b == &current_ ? current_offset_ : previous_offset_;
            if (!b->empty() && pos >= off && pos < off + b->size())
                return {b->data() + (pos - off), std::min<std::size_t>(max, off + b->size() - pos)};
        }
        return read_aside(pos, max);
    }

    /// Exactly [pos, pos + len): a view at hand, or a copy read for it.
    [[nodiscard]] std::string_view span(std::uint64_t pos, std::size_t len) {
        for (const auto* b : {&current_, &previous_}) {
            const std::uint64_t off = b == &current_ ? current_offset_ : previous_offset_;
            if (pos >= off && pos + len <= off + b->size()) return {b->data() + (pos - off), len};
        }
        return read_aside(pos, len);
    }

    /// Start of the line holding the byte before `pos` (or `pos` itself at 0).
    [[nodiscard]] std::uint64_t line_start(std::uint64_t pos) {
        while (pos > 0) {
            const auto v = before(pos, 64 * 1024);
            if (const void* nl = ::memrchr(v.data(), '\n', v.size()))
                return pos - v.size() +
                       static_cast<std::uint64_t>(static_cast<const char*>(nl) - v.data()) + 1;
            pos -= v.size();
        }
        return 0;
    }

    /// Offset of the '\n' ending the line that holds `pos`, or the readable end.
    [[nodiscard]] std::uint64_t line_end(std::uint64_t pos) {
        while (pos < readable_end_) {
            const auto v = from(pos, 64 * 1024);
            if (const void* nl = std::memchr(v.data(), '\n', v.size()))
                return pos + static_cast<std::uint64_t>(static_cast<const char*>(nl) - v.data());
            pos += v.size();
        }
        return readable_end_;
    }

    /// Newlines in [from, to).
    [[nodiscard]] std::uint64_t newlines(std::uint64_t begin, std::uint64_t to) {
        std::uint64_t n = 0;
        while (begin < to) {
            const auto v = from(
                begin, static_cast<std::size_t>(std::min<std::uint64_t>(to - begin, block_size)));
            if (v.empty()) break;
            n += count_newlines(v.data(), v.size());
            begin += v.size();
        }
        return n;
    }

    /// Reads `len` bytes at `offset` into `out`; a short read means the
    /// file shrank under us, which is reported, never guessed around.
    void read_exactly(char* out, std::size_t len, std::uint64_t offset) const {
        std::size_t done = 0;
        while (done < len) {
            const ssize_t n =
                ::pread(fd_, out + done, len - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw std::runtime_error(fmt::format("{}: read error at byte {}: {}", name_,
                                                     offset + done, std::strerror(errno)));
            if (n == 0)
                throw file_shrank(fmt::format(
                    "{} shrank to {} bytes while it was read (truncated or rewritten in place); "
                    "nothing after that point was checked",
                    name_, offset + done));
            done += static_cast<std::size_t>(n);
        }
    }

private:
    /// [pos, pos + len) read into the scratch buffer, which only grows:
    /// growing a vector zeroes the new part, and fresh pages cost a fault
    /// each. Counting newlines for a line number reads a block at a time,
    /// so the buffer stays a block long unless a long line asks for more.
    std::string_view read_aside(std::uint64_t pos, std::size_t len) {
        if (scratch_.size() < len) scratch_.resize(len);
        read_exactly(scratch_.data(), len, pos);
        return {scratch_.data(), len};
    }

    int fd_;
    std::string name_;
    std::uint64_t next_;
    std::uint64_t end_;
    std::uint64_t readable_end_;
    std::vector<char> current_, previous_, scratch_;
    std::uint64_t current_offset_ = 0, previous_offset_ = 0;
};

} // namespace rollcheck::detail
