/// \file detail/notify/notify_impl.hpp
/// Definitions of notify.hpp, included at its end. HTTP goes through
/// libcurl: TLS with the system's certificate store, proxies from the
/// environment, and one deadline for the whole exchange.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include <curl/curl.h>
#include <fmt/format.h>

#include "../../command.hpp"
#include "../../notify.hpp"
#include "../report/tally.hpp"
#include "../report/text.hpp"

namespace rollcheck {

namespace detail {

/// Cases named in a notice, at most: the rest are counted.
inline constexpr std::size_t notice_cases = 10;

/// The cases that failed or erred, worst first as the reports order them.
inline std::vector<const case_record*> failing_cases(const run_record& run) {
    std::vector<const case_record*> out;
    for (const auto* c : in_plan_order(run.cases))
        if (c->worst() >= verdict::fail && !c->waived_by) out.push_back(c);
    return out;
}

inline std::string notice_case_line(const case_record& c) {
    return fmt::format("{} {} phase {}: {}", upper_text(c.standing()),
                       c.severity.empty() ? "unrated" : c.severity, c.phase.empty() ? "-" : c.phase,
                       c.name);
}

/// The hex colours both Slack and Mattermost read as the attachment's border.
inline const char* notice_colour(verdict v) {
    switch (v) {
    case verdict::pass:
    case verdict::skip:
        return "#2e7d32";
    case verdict::warn:
        return "#f9a825";
    case verdict::fail:
    case verdict::error:
        break;
    }
    return "#c62828";
}

inline std::string notice_subject(const run_record& run) {
    return fmt::format("rollcheck {}: {}", run.suite, upper(run.worst()));
}

inline std::string notice_action(const run_record& run) {
    const int rank = worst_failing_rank(run.cases);
    return rank < 0 ? std::string("verified: no action")
                    : fmt::format("worst failing severity {}", matrix_action(run.matrix, rank));
}

/// What the webhook answered: the first 300 bytes of its body.
struct webhook_answer {
    std::string body;
    static std::size_t keep(char* data, std::size_t size, std::size_t n, void* self) {
        auto& body = static_cast<webhook_answer*>(self)->body;
        body.append(data, std::min(size * n, body.size() < 300 ? 300 - body.size() : 0));
        return size * n;
    }
};

/// curl's own words, without the URL's path or query should it quote them.
inline std::string scrubbed(std::string text, const std::string& url, const std::string& origin) {
    for (const auto& secret : {url, url.substr(std::min(url.size(), origin.size()))}) {
        if (secret.empty() || secret == "/") continue;
        for (std::size_t at; (at = text.find(secret)) != std::string::npos;)
            text.replace(at, secret.size(), "…");
    }
    return text;
}

/// `text`'s last non-blank line, cleaned and cut for a report.
inline std::string last_line(const std::string& text) {
    std::string line;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        const auto candidate = text.substr(start, end - start);
        if (candidate.find_first_not_of(" \t\r") != std::string::npos) line = candidate;
        start = end + 1;
    }
    for (auto& c : line)
        if (c == '\r' || c == '\t') c = ' ';
    return cut_text(clean_text(line), 300);
}

inline void curl_global() {
    static const CURLcode once = curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)once;
}

} // namespace detail

ROLLCHECK_INLINE std::string notice_text(const run_record& run) {
    std::string text = fmt::format("rollcheck {}{}: {}", run.suite,
                                   run.hostname.empty() ? std::string() : " on " + run.hostname,
                                   closing_line(run));
    const auto failing = detail::failing_cases(run);
    for (std::size_t i = 0; i < failing.size() && i < detail::notice_cases; ++i)
        text += "\n- " + detail::notice_case_line(*failing[i]);
    if (failing.size() > detail::notice_cases)
        text += fmt::format("\n- … {} more", failing.size() - detail::notice_cases);
    return text + "\n";
}

ROLLCHECK_INLINE nlohmann::ordered_json notice_payload(const run_record& run) {
    const auto counts = detail::count_cases(run.cases);
    const auto field = [](const std::string& title, const std::string& value, bool short_field) {
        return nlohmann::ordered_json{{"title", title}, {"value", value}, {"short", short_field}};
    };
    auto fields = nlohmann::ordered_json::array();
    fields.push_back(field("Verdict", detail::upper(run.worst()), true));
    fields.push_back(field("Exit status", std::to_string(run_exit_status(run)), true));
    fields.push_back(field("Action", detail::notice_action(run), false));
    fields.push_back(field(
        "Checks", fmt::format("{}: {}", counts.total, detail::describe_counts(counts)), false));
    std::string failing;
    for (const auto* c : detail::failing_cases(run))
        failing += (failing.empty() ? "" : "\n") + detail::notice_case_line(*c);
    if (!failing.empty()) fields.push_back(field("Failing", failing, false));
    const std::string text = notice_text(run);
    return {
        {"text", text},
        {"attachments", nlohmann::ordered_json::array(
                            {{{"fallback", detail::notice_subject(run)},
                              {"color", detail::notice_colour(run.worst())},
                              {"title", detail::notice_subject(run)},
                              {"fields", std::move(fields)},
                              {"footer", fmt::format("{} · {} · finished {}", run.suite,
                                                     run.hostname, format_utc(run.finished))}}})}};
}

ROLLCHECK_INLINE std::string url_origin(const std::string& url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return "(not a URL)";
    const auto authority_start = scheme_end + 3;
    auto authority =
        url.substr(authority_start, url.find_first_of("/?#", authority_start) - authority_start);
    if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    return url.substr(0, authority_start) + authority;
}

ROLLCHECK_INLINE notice_record post_notice(const std::string& url, const run_record& run,
                                           std::chrono::milliseconds timeout) {
    notice_record n;
    n.channel = "webhook";
    n.destination = url_origin(url);
    const auto done = [&](std::string outcome, bool sent) {
        n.outcome = detail::scrubbed(std::move(outcome), url, n.destination);
        n.sent = sent;
        n.at = std::chrono::system_clock::now();
        return n;
    };
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        return done("not an http:// or https:// URL", false);
    detail::curl_global();
    const std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return done("libcurl could not start", false);
    const std::string body =
        notice_payload(run).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"), &curl_slist_free_all);
    detail::webhook_answer answer;
    char error[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(
        h, CURLOPT_TIMEOUT_MS,
        static_cast<long>(std::max<long long>(1, static_cast<long long>(timeout.count()))));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); // no SIGALRM in a program with threads
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "rollcheck");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &detail::webhook_answer::keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        return done(fmt::format("{}{}", curl_easy_strerror(rc),
                                error[0] != '\0' ? std::string(": ") + error : std::string()),
                    false);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    std::string outcome = fmt::format("HTTP {}", status);
    const std::string said = detail::last_line(answer.body);
    const bool sent = status >= 200 && status < 300;
    if (!sent && !said.empty()) outcome += ": " + said;
    return done(std::move(outcome), sent);
}

ROLLCHECK_INLINE notice_record pipe_notice(const std::string& command, const run_record& run,
                                           std::chrono::milliseconds timeout) {
    notice_record n;
    n.channel = "command";
    // The program's name only: the rest of a command line may hold an address or a token.
    n.destination = command.substr(0, command.find_first_of(" \t\n"));
    auto spec = command_spec::shell(command);
    spec.input = notice_text(run);
    spec.timeout = timeout;
    spec.environment = {{"ROLLCHECK_SUBJECT", detail::notice_subject(run)},
                        {"ROLLCHECK_SUITE", run.suite},
                        {"ROLLCHECK_VERDICT", std::string(to_string(run.worst()))},
                        {"ROLLCHECK_EXIT_STATUS", std::to_string(run_exit_status(run))}};
    const auto outcome = run_command(spec);
    n.sent = outcome.succeeded();
    n.outcome = outcome.describe();
    if (!n.sent)
        if (const auto said = detail::last_line(outcome.err.text()); !said.empty())
            n.outcome += ": " + said;
    n.at = std::chrono::system_clock::now();
    return n;
}

ROLLCHECK_INLINE std::vector<notice_record> send_notices(const notify_spec& spec,
                                                         const run_record& run) {
    std::vector<notice_record> out;
    if (!spec.url.empty()) out.push_back(post_notice(spec.url, run, spec.timeout));
    if (!spec.command.empty()) out.push_back(pipe_notice(spec.command, run, spec.timeout));
    return out;
}

} // namespace rollcheck
