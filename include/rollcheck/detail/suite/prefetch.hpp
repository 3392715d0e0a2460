/// \file detail/suite/prefetch.hpp
/// A phase's independent checks run at once: before the test cases run, the
/// plan's checks that read the system without running its code start on a
/// few threads, at most `db_budget` of them holding a database connection
/// at a time. Each test case, still in the plan's order, then asserts its
/// check's result, waiting for it if it is not in yet. A check that runs the
/// project's code (a command, its imports) runs in its own test case, alone:
/// two such jobs at once could meet in the same files or tables.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../../commands.hpp"
#include "../../stop.hpp"
#include "plan_cases.hpp"

namespace rollcheck::detail {

/// How many checks run at once, and how many of them may hold a database
/// connection.
struct concurrency {
    std::size_t jobs = 0;      ///< 0: the cores, plus the database budget
    std::size_t db_budget = 2; ///< checks that query the database at once
};

/// Whether the check may run beside others: it reads the system and runs
/// none of the project's code.
[[nodiscard]] inline bool runs_alongside(const bound_check& b) {
    static const std::set<std::string> own_code = {"run", "py.imports", "files.removed"};
    return b.unresolved.empty() && b.skipped.empty() && own_code.count(b.check->kind) == 0;
}

/// The results of the checks started ahead of their test cases.
class prefetched_checks {
public:
    /// Starts the checks of `indices` (into current_plan().checks), in order.
    prefetched_checks(std::vector<std::size_t> indices, concurrency limits)
        : queue_(std::move(indices)), db_budget_(std::max<std::size_t>(1, limits.db_budget)) {
        for (const auto i : queue_) {
            auto promise = std::make_shared<std::promise<check_result>>();
            results_.emplace(i, promise->get_future());
            promises_.emplace(i, std::move(promise));
        }
        std::size_t workers = limits.jobs;
        if (workers == 0)
            workers = std::max<std::size_t>(1, std::thread::hardware_concurrency()) + db_budget_;
        workers = std::min(workers, queue_.size());
        const auto& checks = current_plan().checks;
        for (std::size_t w = 0; w < workers; ++w)
            threads_.emplace_back([this, &checks] { work(checks); });
    }

    ~prefetched_checks() {
        for (auto& t : threads_)
            t.join();
    }
    prefetched_checks(const prefetched_checks&) = delete;
    prefetched_checks& operator=(const prefetched_checks&) = delete;

    /// The result of check `index` when it was started ahead, once only: a
    /// re-run under --wait runs the check again.
    std::optional<check_result> take(std::size_t index) {
        std::future<check_result> f;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            const auto found = results_.find(index);
            if (found == results_.end()) return std::nullopt;
            f = std::move(found->second);
            results_.erase(found);
        }
        return f.get();
    }

private:
    void work(const std::vector<bound_check>& checks) {
        for (;;) {
            std::size_t index = 0;
            bool database = false;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                // The next check that can start: one that needs no connection,
                // or one that does while the budget has room.
                std::vector<std::size_t>::iterator next;
                db_free_.wait(lock, [&] {
                    next = std::find_if(queue_.begin(), queue_.end(), [&](std::size_t i) {
                        return !queries_database(checks[i]) || in_db_ < db_budget_;
                    });
                    return queue_.empty() || next != queue_.end();
                });
                if (queue_.empty()) return;
                index = *next;
                queue_.erase(next);
                database = queries_database(checks[index]);
                if (database) ++in_db_;
            }
            auto promise = promises_.at(index);
            promise->set_value(run(checks[index]));
            if (database) {
                const std::lock_guard<std::mutex> lock(mutex_);
                --in_db_;
            }
            db_free_.notify_all();
        }
    }

    static check_result run(const bound_check& b) {
        if (stop_requested())
            return check_result::error("rollcheck.stop",
                                       "not run: the run was interrupted by " + stop_reason());
        try {
            return cli::run_declared_check(b.check->kind, b.arguments, b.check->where);
        } catch (const std::exception& e) {
            return check_result::error(b.check->kind, e.what());
        }
    }

    std::mutex mutex_;
    std::condition_variable db_free_;
    std::vector<std::size_t> queue_;
    std::size_t in_db_ = 0;
    std::size_t db_budget_ = 1;
    std::map<std::size_t, std::shared_ptr<std::promise<check_result>>> promises_;
    std::map<std::size_t, std::future<check_result>> results_;
    std::vector<std::thread> threads_;
};

/// The checks started ahead in this run, if any.
inline std::unique_ptr<prefetched_checks>& prefetched() {
    static std::unique_ptr<prefetched_checks> checks;
    return checks;
}

/// Check `index`'s result: the one started ahead, else the check run now.
inline check_result plan_check_result(std::size_t index) {
    if (auto& ahead = prefetched())
        if (auto r = ahead->take(index)) return std::move(*r);
    const auto& b = current_plan().checks.at(index);
    return cli::run_declared_check(b.check->kind, b.arguments, b.check->where);
}

} // namespace rollcheck::detail
