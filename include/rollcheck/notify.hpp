/// \file notify.hpp
/// The team told of a run's verdict: the closing line, the decision
/// matrix's action for the worst failing severity and the counts, posted to
/// an incoming webhook (the JSON Slack and Mattermost accept: a top-level
/// "text" and one attachment with fields) or piped to a command (`mail -s …`).
/// A notice that cannot go out is recorded as such; it never changes the
/// run's verdict. A webhook URL often holds a secret token in its path:
/// nothing here shows more of it than scheme://host[:port].
///
/// ```cpp
/// rollcheck::run_record run; // filled by a suite's listener
/// rollcheck::notify_spec spec;
/// spec.command = "mail -s \"$ROLLCHECK_SUBJECT\" team@example.com";
/// spec.timeout = std::chrono::seconds(10);
/// run.notices = rollcheck::send_notices(spec, run); // write_reports records them
/// ```
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detail/inline.hpp"
#include "report.hpp"

namespace rollcheck {

/// Where a run's notice goes.
struct notify_spec {
    /// An incoming webhook, http or https; empty: none.
    std::string url;
    /// A shell command (`/bin/sh -c`) that reads the notice on stdin; empty: none.
    /// Its environment holds ROLLCHECK_SUBJECT ("rollcheck verify-storage: FAIL"),
    /// ROLLCHECK_SUITE, ROLLCHECK_VERDICT and ROLLCHECK_EXIT_STATUS.
    std::string command;
    /// Deadline of each notice: the whole HTTP exchange, or the command's run.
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

/// The notice as text: the closing line, then the cases that failed.
[[nodiscard]] ROLLCHECK_INLINE std::string notice_text(const run_record& run);

/// The notice as an incoming webhook's JSON: "text", and an attachment
/// whose fields hold the verdict, the action and the counts.
[[nodiscard]] ROLLCHECK_INLINE nlohmann::ordered_json notice_payload(const run_record& run);

/// "https://hooks.example.com": the scheme, host and port of `url`, without
/// user, path, query or fragment; "(not a URL)" when it has no "://".
[[nodiscard]] ROLLCHECK_INLINE std::string url_origin(const std::string& url);

/// Posts notice_payload(run) to `url` within `timeout`; sent on a 2xx answer.
/// Redirects are not followed. Never throws.
[[nodiscard]] ROLLCHECK_INLINE notice_record post_notice(const std::string& url,
                                                         const run_record& run,
                                                         std::chrono::milliseconds timeout);

/// Pipes notice_text(run) to `/bin/sh -c command` within `timeout`; sent
/// when it exits 0. Never throws.
[[nodiscard]] ROLLCHECK_INLINE notice_record pipe_notice(const std::string& command,
                                                         const run_record& run,
                                                         std::chrono::milliseconds timeout);

/// Every notice `spec` asks for (the webhook first), each with its outcome.
[[nodiscard]] ROLLCHECK_INLINE std::vector<notice_record> send_notices(const notify_spec& spec,
                                                                       const run_record& run);

} // namespace rollcheck

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#include "detail/notify/notify_impl.hpp"
#endif
