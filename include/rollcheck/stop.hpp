/// \file stop.hpp
/// The stop path of a run. CI stops jobs with SIGTERM (SIGINT, then SIGTERM
/// on GitHub Actions) and SIGKILL after a grace period; an operator presses
/// Ctrl-C. A stopped run must still tell what it found and leave nothing
/// behind, so the programs (the suites, `rollcheck`, `rollcheck-db`) install
/// the stop path first thing in main, and every wait of the library looks at
/// the stop token: a command's process tree is killed, a query is cancelled
/// on the server, a scan, a follow, a back-off or a notice ends early.
///
/// ```cpp
/// #include <rollcheck/stop.hpp>
///
/// int main() {
///     rollcheck::install_stop_signals(); // before any thread is started
///     while (!rollcheck::stop_requested())
///         if (!rollcheck::sleep_unless_stopped(std::chrono::seconds(1))) break;
///     return rollcheck::stop_requested() ? rollcheck::stop_exit_status() : 0;
/// }
/// ```
///
/// The library installs nothing on its own: a program that does not call
/// install_stop_signals() keeps the default actions of the signals.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace rollcheck {

/// Takes SIGTERM, SIGINT and SIGHUP on a thread of their own: the first
/// requests a stop, a second ends the program at once (status 128+signal)
/// after killing the process groups and removing the scratch directories
/// still registered. Call it in main before any thread starts: the signals
/// are blocked in every thread, so that no handler (Catch2's included) sees
/// them, and every child the library starts unblocks them again. It also
/// removes the scratch directories that rollcheck runs killed by SIGKILL left.
inline void install_stop_signals();

/// Requests a stop for a reason other than a signal: "its deadline (--deadline 30s)".
inline void request_stop(const std::string& reason);

/// Whether a stop was requested (by a signal or request_stop()).
[[nodiscard]] inline bool stop_requested() noexcept;

/// Why the run stopped: "SIGTERM", "its deadline (--deadline 30s)"; empty when it did not.
[[nodiscard]] inline std::string stop_reason();

/// When the stop was requested (steady clock); meaningful once stop_requested().
[[nodiscard]] inline std::chrono::steady_clock::time_point stop_time() noexcept;

/// The exit status of a stopped run: 128+signal (143 for SIGTERM, 130 for
/// SIGINT, 129 for SIGHUP), as a shell reports a program the signal killed;
/// 2 for a stop without a signal (a deadline). Never 0.
[[nodiscard]] inline int stop_exit_status() noexcept;

/// A descriptor that becomes readable when a stop is requested (for poll()).
[[nodiscard]] inline int stop_fd() noexcept;

/// Sleeps for `span` or until a stop; false when the stop ended the sleep.
inline bool sleep_unless_stopped(std::chrono::steady_clock::duration span);

} // namespace rollcheck

// The definitions, apart so that this file reads as the API.
#include "detail/stop_impl.hpp"
