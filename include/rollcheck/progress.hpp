/// \file progress.hpp
/// Progress of long work: a log scan, a baseline or compare, a restore
/// check, a check re-run until it is verified. The library never writes it
/// anywhere by itself: a verifier reports to the sink a program installed,
/// and with none installed (the default) reporting costs one atomic load
/// per task. The command line and the suites install `terminal_progress`
/// when stderr is a terminal and `--quiet` was not given.
///
/// ```cpp
/// const auto terminal = std::make_shared<rollcheck::terminal_progress>(2); // stderr
/// const rollcheck::progress_scope shown(
///     [terminal](const rollcheck::progress_event& e) { (*terminal)(e); });
/// rollcheck::log_scan_spec spec;
/// spec.files = {"logs/nightly_export.log"};
/// spec.rules.errors = {"ERROR|CRITICAL|Traceback"};
/// const auto r = rollcheck::check_log_scan(spec); // a line on stderr after a second
/// ```
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace rollcheck {

/// What a task counts.
enum class progress_unit { none, bytes, rows };

/// One report of a task's progress. The views last for the call only.
struct progress_event {
    std::string_view
        task; ///< "logs.scan", "db.baseline", "db.compare", "db.backup-restore", "wait"
    std::string_view subject; ///< what it works on now: a file, a table, a stage, a check's name
    progress_unit unit = progress_unit::none;
    std::uint64_t done = 0;                        ///< units done so far in the whole task
    std::uint64_t total = 0;                       ///< units the task will do; 0: not known
    std::chrono::steady_clock::duration elapsed{}; ///< since the task began
    std::string_view note; ///< more to say: a waiting check's last verdict and time left
    bool finished = false; ///< the task's last event
};

/// Receives progress; called from the thread doing the work, possibly from
/// several threads at once.
using progress_sink = std::function<void(const progress_event&)>;

/// Installs `sink` for the whole process while the scope lives, and puts
/// back the one before it when it ends.
class progress_scope {
public:
    explicit progress_scope(progress_sink sink);
    ~progress_scope();
    progress_scope(const progress_scope&) = delete;
    progress_scope& operator=(const progress_scope&) = delete;

private:
    std::shared_ptr<const progress_sink> previous_;
};

/// The reporting side, held by a verifier for one task: it passes at most
/// ten events a second to the sink installed when it was made, and a
/// finished event when it is destroyed (if it passed any).
class progress_meter {
public:
    progress_meter(std::string task, std::string subject, progress_unit unit,
                   std::uint64_t total = 0);
    ~progress_meter();
    progress_meter(const progress_meter&) = delete;
    progress_meter& operator=(const progress_meter&) = delete;

    /// Whether a sink listens: callers may skip work only progress needs.
    [[nodiscard]] bool active() const noexcept { return sink_ != nullptr; }
    void subject(std::string text) { subject_ = std::move(text); }
    void total(std::uint64_t units) { total_ = units; }
    void note(std::string text) { note_ = std::move(text); }
    /// `units` done so far; reported when the last report is old enough.
    void update(std::uint64_t units) {
        done_ = units;
        if (sink_ == nullptr) return;
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_) emit(now, false);
    }
    void add(std::uint64_t units) { update(done_ + units); }
    /// Reports now, whatever the time since the last report.
    void flush();

private:
    void emit(std::chrono::steady_clock::time_point now, bool finished);

    std::shared_ptr<const progress_sink> sink_;
    std::string task_, subject_, note_;
    progress_unit unit_;
    std::uint64_t done_ = 0, total_ = 0;
    std::chrono::steady_clock::time_point start_, next_;
    bool emitted_ = false;
};

/// Renders progress as one line on a terminal, rewritten in place with
/// "\r" and cleared when the task ends: a task shows nothing until it has
/// run for `after`, then at most one update every `every`. Thread-safe.
class terminal_progress {
public:
    explicit terminal_progress(int fd,
                               std::chrono::milliseconds after = std::chrono::milliseconds(1000),
                               std::chrono::milliseconds every = std::chrono::milliseconds(250));
    ~terminal_progress();
    terminal_progress(const terminal_progress&) = delete;
    terminal_progress& operator=(const terminal_progress&) = delete;

    void operator()(const progress_event& e);
    /// Clears the line, if one is shown.
    void clear();
    /// Whether `fd` is a terminal (progress is for people watching one).
    [[nodiscard]] static bool is_terminal(int fd) noexcept;
    /// The line `e` shows: "logs.scan: app.log: 61.4 MiB of 1.0 GiB (6%), 412 MiB/s".
    [[nodiscard]] static std::string describe(const progress_event& e);

private:
    void write_line(const std::string& text);

    std::mutex mutex_;
    int fd_;
    std::chrono::milliseconds after_, every_;
    std::chrono::steady_clock::time_point next_{};
    bool shown_ = false;
};

} // namespace rollcheck

// The definitions, apart so that this file reads as the API.
#include "detail/progress_impl.hpp"
