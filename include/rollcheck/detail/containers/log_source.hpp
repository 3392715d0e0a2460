/// \file detail/containers/log_source.hpp
/// A container's log as a log file for the scan: its json-file where the
/// daemon keeps one this process can read, else the API's logs endpoint,
/// written as the json-file would be (`{"log":…,"stream":…,"time":…}` lines)
/// to an unlinked temporary file, so that the scan reads both alike: times,
/// tracebacks, every feature.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../containers.hpp"
#include "../logs/source.hpp"
#include "queries.hpp"

namespace rollcheck::detail {

/// Turns the logs endpoint's body into json-file lines. Without a TTY the
/// body is multiplexed: frames of an 8-byte header (stream 1 stdout, 2
/// stderr; then a big-endian 32-bit length) and that many bytes. With a TTY
/// it is the terminal's bytes as they came. Each line starts with its
/// RFC 3339 time (timestamps=1).
class log_demultiplexer {
public:
    log_demultiplexer(int fd, bool tty) : fd_(fd), tty_(tty) {}

    void feed(std::string_view bytes) {
        if (tty_) {
            add(1, bytes);
            return;
        }
        while (!bytes.empty()) {
            if (header_.size() < 8) {
                const auto take = std::min<std::size_t>(8 - header_.size(), bytes.size());
                header_.append(bytes.substr(0, take));
                bytes.remove_prefix(take);
                if (header_.size() < 8) return;
                const auto* h = reinterpret_cast<const unsigned char*>(header_.data());
                remaining_ = (std::uint32_t{h[4]} << 24) | (std::uint32_t{h[5]} << 16) |
                             (std::uint32_t{h[6]} << 8) | std::uint32_t{h[7]};
                frame_stream_ = h[0] == 2 ? 2 : 1;
            }
            const auto take = std::min<std::size_t>(remaining_, bytes.size());
            add(frame_stream_, bytes.substr(0, take));
            bytes.remove_prefix(take);
            remaining_ -= static_cast<std::uint32_t>(take);
            if (remaining_ == 0) header_.clear();
        }
    }

    /// Writes what is left: unfinished lines, and the buffer.
    void finish() {
        for (int s : {1, 2})
            if (!pending_[s].empty()) write_line(s, pending_[s]);
        write_all(fd_, out_.data(), out_.size());
        out_.clear();
    }

private:
    void add(int stream, std::string_view bytes) {
        auto& pending = pending_[stream];
        for (std::size_t nl; (nl = bytes.find('\n')) != std::string_view::npos;) {
            pending.append(bytes.substr(0, nl));
            write_line(stream, pending);
            pending.clear();
            bytes.remove_prefix(nl + 1);
        }
        pending.append(bytes);
    }

    void write_line(int stream, std::string& line) {
        if (!line.empty() && line.back() == '\r') line.pop_back(); // a TTY's line end
        const auto space = line.find(' ');
        const auto time = space == std::string::npos ? std::string() : line.substr(0, space);
        const auto message = space == std::string::npos ? line : line.substr(space + 1);
        out_ += nlohmann::json{
            {"log", message + "\n"},
            {"stream", stream == 2 ? "stderr" : "stdout"},
            {"time",
             time}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out_ += '\n';
        if (out_.size() >= 256 * 1024) {
            write_all(fd_, out_.data(), out_.size());
            out_.clear();
        }
    }

    int fd_;
    bool tty_;
    std::string out_; ///< lines not yet written
    std::string header_;
    std::uint32_t remaining_ = 0;
    int frame_stream_ = 1;
    std::string pending_[3];
};

/// `text` with every `from` replaced by `to`.
[[nodiscard]] inline std::string replace_all(std::string text, const std::string& from,
                                             const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

/// The scan's result with the file it read named as the container: the
/// scan names its files, and the file is the daemon's or a copy of ours.
[[nodiscard]] inline check_result renamed(check_result r, const std::string& file,
                                          const std::string& container) {
    const auto name = "container " + container;
    r.summary = replace_all(r.summary, file, name);
    if (r.totals.contains("files") && r.totals["files"].is_array())
        for (auto& f : r.totals["files"])
            if (f.is_object() && f.value("file", "") == file) f["file"] = name;
    bounded_evidence evidence(r.evidence.limit());
    for (auto item : r.evidence.items()) {
        item.text = replace_all(item.text, file, name);
        if (item.data.contains("file")) item.data["file"] = name;
        evidence.add(std::move(item));
    }
    evidence.count_more(r.evidence.total() - r.evidence.items().size());
    r.evidence = std::move(evidence);
    r.totals["container"] = container;
    return r;
}

/// Scans `spec.container`'s log through `client` (negotiated).
[[nodiscard]] inline check_result scan_container_log(engine_client& client,
                                                     const container_log_spec& spec) {
    constexpr const char* check = "logs.scan";
    container_info c;
    c.id = spec.container;
    c.name = spec.container;
    std::string why;
    switch (inspect_container(client, c, why)) {
    case inspected::failed:
        return check_result::error(check, why);
    case inspected::gone:
        return check_result::error(
            check, fmt::format("{}: no container '{}'", client.socket(), spec.container));
    case inspected::ok:
        break;
    }
    log_scan_spec scan = spec.scan;
    if (!spec.through_api && c.log_type == "json-file" && !c.log_path.empty() &&
        ::access(c.log_path.c_str(), R_OK) == 0) {
        scan.files = {literal_log_path(c.log_path)};
        scan.format = log_format::json;
        return renamed(check_log_scan(scan), c.log_path, spec.container);
    }
    // An unlinked file, named for the scan by its descriptor: nothing to
    // remove afterwards, whatever happens.
    const unique_fd copy = anonymous_temp_file();
    const auto file = fmt::format("/proc/self/fd/{}", copy.get());
    log_demultiplexer demux(copy.get(), c.tty);
    std::string target =
        "/containers/" + query_encode(c.id) + "/logs?stdout=1&stderr=1&timestamps=1";
    if (scan.since) {
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(scan.since->time_since_epoch())
                .count();
        target += fmt::format("&since={}.{:09}", ns / 1000000000, ns % 1000000000);
    }
    const auto answer =
        client.get_stream(target, [&](std::string_view bytes) { demux.feed(bytes); });
    if (!answer.error.empty()) return check_result::error(check, answer.error);
    if (answer.status != 200)
        return check_result::error(check,
                                   fmt::format("{}: the log of {} answered HTTP {}{}",
                                               client.socket(), spec.container, answer.status,
                                               engine_client::daemon_message(answer.body)));
    demux.finish();
    scan.files = {file};
    scan.format = log_format::json;
    scan.rotated = false;
    return renamed(check_log_scan(scan), file, spec.container);
}

} // namespace rollcheck::detail
