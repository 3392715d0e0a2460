/// \file detail/suite/setup.hpp
/// The start of a suite run: its plan, target, rollback time and waivers
/// loaded, the project entered, and the run's deadline.
#pragma once

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../../plan.hpp"
#include "../../stop.hpp"
#include "../../suite.hpp"
#include "../../waiver.hpp"
#include "finish.hpp"
#include "plan_cases.hpp"

namespace rollcheck::detail {

/// Every fault of `reading`, under a first line naming the file's role.
template <typename Reading>
[[nodiscard]] std::string faults_of(const Reading& reading, const std::string& what) {
    std::string text = what + " cannot be used:";
    for (const auto& e : reading.errors)
        text += "\n  " + e.text();
    return text;
}

/// Loads the waivers of `file` (none when empty); an error names each fault.
inline std::string load_run_waivers(const std::filesystem::path& file) {
    if (file.empty()) return {};
    auto reading = load_waivers(file);
    if (!reading.ok()) return faults_of(reading, fmt::format("waiver file {}", file.string()));
    state().waivers = std::move(reading.waivers);
    return {};
}

/// Loads the plan the run follows: `--plan`, else the target's `[rollback]
/// plan`, else `fallback` (none for a suite of one's own); an error says
/// what is wrong with it.
inline std::string load_run_plan(const std::filesystem::path& asked, const std::string& target_file,
                                 const std::filesystem::path& fallback) {
    auto file = asked;
    if (file.empty() && !target_file.empty()) file = plan_named_by_target(target_file);
    if (file.empty()) file = fallback;
    if (file.empty()) return {};
    auto reading = load_plan(file);
    if (!reading.ok()) return faults_of(reading, fmt::format("plan file {}", file.string()));
    const auto& followed = current_plan().followed = std::move(*reading.value);
    auto& record = state().record;
    for (const auto& row : followed->matrix)
        record.matrix.push_back({row.severity, row.action, row.approval});
    for (const auto& item : followed->after_checklist)
        record.checklist.push_back({item.text, item.proof, item.kinds});
    return {};
}

/// Loads the target and the rollback time; an error says what is wrong.
inline std::string prepare_run(const std::string& target_file, const std::string& since_text,
                               const std::string& waiver_file, bool wait) {
    auto& s = state();
    if (target_file.empty())
        return "no target: give --target FILE, the system to verify (see docs/target.md; "
               "scripts/rehearse --keep leaves one in its sandbox)";
    const auto& followed = current_plan().followed;
    auto reading = load_target(target_file, followed ? followed->facts() : target_plan_facts{});
    if (!reading.ok()) return faults_of(reading, fmt::format("target file {}", target_file));
    s.loaded = std::move(*reading.value);
    s.since = s.loaded->since;
    if (!since_text.empty()) {
        std::string why;
        s.since = parse_time(since_text, why);
        if (!s.since) return "--since " + why;
    }
    s.record.target_summary = describe_target(*s.loaded);
    s.record.since = s.since;
    s.record.recovery_targets = s.loaded->recovery_targets;
    s.wait = s.record.waited = wait || s.loaded->wait;
    if (s.wait && !s.since)
        s.record.notes.push_back("--wait without --since (nor [rollback] since): the recovery "
                                 "deadlines count from the run's start");
    return load_run_waivers(waiver_file.empty() ? s.loaded->waivers
                                                : std::filesystem::path(waiver_file));
}

/// While alive, this process works in the project: its root is the working
/// directory, so a check's relative paths (`cwd = "."`) mean the same from
/// wherever the suite was started, and the project's environment is set.
/// Entered once for all the test cases, before any check starts: the checks
/// that run at once all see the same directory and environment.
class in_project {
public:
    explicit in_project(const target& t) : back_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (back_ < 0 || ::chdir(t.project_root.c_str()) != 0)
            error_ = fmt::format("cannot work in the project root {}: {}", t.project_root.string(),
                                 std::strerror(errno));
        for (const auto& [name, value] : t.environment) {
            const char* old = std::getenv(name.c_str());
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            ::setenv(name.c_str(), value.c_str(), 1);
        }
    }
    ~in_project() {
        for (const auto& [name, value] : saved_)
            value ? (void)::setenv(name.c_str(), value->c_str(), 1)
                  : (void)::unsetenv(name.c_str());
        if (back_ >= 0) {
            [[maybe_unused]] const int back = ::fchdir(back_);
            ::close(back_);
        }
    }
    /// Why the project root could not be entered; empty when it was.
    [[nodiscard]] const std::string& error() const { return error_; }
    in_project(const in_project&) = delete;
    in_project& operator=(const in_project&) = delete;

private:
    int back_;
    std::string error_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

/// While alive, stops the run as a signal would once `span` has passed
/// (`--deadline`): a CI step then ends with its reports before the job's own
/// timeout kills it without any.
class run_deadline {
public:
    run_deadline(std::chrono::milliseconds span, const std::string& shown) {
        if (span.count() <= 0) return;
        thread_ = std::thread([this, span, shown] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!ended_.wait_for(lock, span, [this] { return over_; }))
                request_stop(fmt::format("its deadline ({})", shown));
        });
    }
    ~run_deadline() {
        if (!thread_.joinable()) return;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            over_ = true;
        }
        ended_.notify_one();
        thread_.join();
    }
    run_deadline(const run_deadline&) = delete;
    run_deadline& operator=(const run_deadline&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable ended_;
    bool over_ = false;
    std::thread thread_;
};

} // namespace rollcheck::detail
