/// \file detail/progress_impl.hpp
/// Definitions of progress.hpp, included at its end.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../progress.hpp"
#include "../wording.hpp"

namespace rollcheck {

namespace detail {

/// The installed sink; `progress_wanted` spares the lock when there is none.
struct progress_registry {
    std::mutex mutex;
    std::shared_ptr<const progress_sink> sink;
    std::atomic<bool> wanted{false};
};

inline progress_registry& progress_slot() {
    static progress_registry registry;
    return registry;
}

inline std::shared_ptr<const progress_sink> installed_progress_sink() {
    auto& slot = progress_slot();
    if (!slot.wanted.load(std::memory_order_acquire)) return nullptr;
    const std::lock_guard<std::mutex> lock(slot.mutex);
    return slot.sink;
}

inline std::shared_ptr<const progress_sink>
exchange_progress_sink(std::shared_ptr<const progress_sink> sink) {
    auto& slot = progress_slot();
    const std::lock_guard<std::mutex> lock(slot.mutex);
    slot.wanted.store(sink != nullptr, std::memory_order_release);
    std::swap(slot.sink, sink);
    return sink;
}

/// "61.4 MiB" or "1,204,311 rows" or "3".
inline std::string progress_amount(progress_unit unit, std::uint64_t n) {
    switch (unit) {
    case progress_unit::bytes:
        return describe_bytes(n);
    case progress_unit::rows:
        return counted(static_cast<std::size_t>(n), "row");
    case progress_unit::none:
        break;
    }
    return std::to_string(n);
}

} // namespace detail

inline progress_scope::progress_scope(progress_sink sink)
    : previous_(detail::exchange_progress_sink(
          sink ? std::make_shared<const progress_sink>(std::move(sink)) : nullptr)) {}

inline progress_scope::~progress_scope() {
    (void)detail::exchange_progress_sink(std::move(previous_));
}

inline progress_meter::progress_meter(std::string task, std::string subject, progress_unit unit,
                                      std::uint64_t total)
    : sink_(detail::installed_progress_sink()), task_(std::move(task)),
      subject_(std::move(subject)), unit_(unit), total_(total),
      start_(std::chrono::steady_clock::now()), next_(start_) {}

inline progress_meter::~progress_meter() {
    if (sink_ != nullptr && emitted_) {
        try {
            emit(std::chrono::steady_clock::now(), true);
        } catch (...) { // a sink's fault must not end the program from a destructor
        }
    }
}

inline void progress_meter::flush() {
    if (sink_ != nullptr) emit(std::chrono::steady_clock::now(), false);
}

inline void progress_meter::emit(std::chrono::steady_clock::time_point now, bool finished) {
    next_ = now + std::chrono::milliseconds(100);
    emitted_ = true;
    progress_event e;
    e.task = task_;
    e.subject = subject_;
    e.unit = unit_;
    e.done = done_;
    e.total = total_;
    e.elapsed = now - start_;
    e.note = note_;
    e.finished = finished;
    (*sink_)(e);
}

inline terminal_progress::terminal_progress(int fd, std::chrono::milliseconds after,
                                            std::chrono::milliseconds every)
    : fd_(fd), after_(after), every_(every) {}

inline terminal_progress::~terminal_progress() {
    clear();
}

inline bool terminal_progress::is_terminal(int fd) noexcept {
    return ::isatty(fd) == 1;
}

inline std::string terminal_progress::describe(const progress_event& e) {
    std::string text(e.task);
    if (!e.subject.empty()) text += fmt::format(": {}", e.subject);
    const double seconds = std::chrono::duration<double>(e.elapsed).count();
    if (e.unit != progress_unit::none) {
        text += ": " + detail::progress_amount(e.unit, e.done);
        if (e.total > 0)
            text += fmt::format(" of {} ({}%)", detail::progress_amount(e.unit, e.total),
                                std::min<std::uint64_t>(100, e.done * 100 / e.total));
        if (seconds > 0.05) {
            const auto rate = static_cast<std::uint64_t>(std::llround(e.done / seconds));
            text += ", " + detail::progress_amount(e.unit, rate) + "/s";
        }
    }
    if (!e.note.empty()) text += fmt::format(" — {}", e.note);
    return text +
           fmt::format(" [{}]", describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    e.elapsed)));
}

inline void terminal_progress::operator()(const progress_event& e) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (e.finished) {
        if (shown_) write_line({});
        shown_ = false;
        next_ = {};
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (e.elapsed < after_ || now < next_) return;
    next_ = now + every_;
    write_line(describe(e));
    shown_ = true;
}

inline void terminal_progress::clear() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (shown_) write_line({});
    shown_ = false;
}

inline void terminal_progress::write_line(const std::string& text) {
    // One line, never wrapped: a wrapped line could not be rewritten with "\r".
    std::size_t width = 80;
    struct winsize size {};
    if (::ioctl(fd_, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) width = size.ws_col;
    std::string line = "\r";
    std::size_t columns = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) == 0x80) { // a UTF-8 continuation byte takes no column
            line += text[i];
            continue;
        }
        if (columns + 1 >= width) break;
        line += c < 0x20 ? ' ' : text[i];
        ++columns;
    }
    line += "\x1b[K"; // erase the rest of the old line
    for (std::size_t off = 0; off < line.size();) {
        const auto n = ::write(fd_, line.data() + off, line.size() - off);
        if (n <= 0) return; // a terminal that went away: progress is not worth an error
        off += static_cast<std::size_t>(n);
    }
}

} // namespace rollcheck
