// A mark that every process a test starts inherits, to prove afterwards
// that none was left behind.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include <rollcheck/detail/process/proc.hpp>

#include "test_support.hpp"

namespace rollcheck_test {

/// Puts a fresh mark into this process's environment, inherited by every
/// process started from now on, and finds the live ones that carry it.
class process_mark {
public:
    process_mark() : value_(unique_name("mark")) { ::setenv(variable, value_.c_str(), 1); }
    ~process_mark() { ::unsetenv(variable); }
    process_mark(const process_mark&) = delete;
    process_mark& operator=(const process_mark&) = delete;

    /// Live processes other than this one whose environment holds the mark.
    [[nodiscard]] std::vector<pid_t> marked_processes() const {
        const std::string needle = std::string(variable) + "=" + value_;
        std::vector<pid_t> found;
        for (const pid_t pid : rollcheck::detail::list_pids()) {
            if (pid == ::getpid()) continue;
            const std::string env = rollcheck::detail::read_proc_file(pid, "environ");
            const auto s = rollcheck::detail::read_proc_stat(pid);
            if (s && s->state != 'Z' && env.find(needle + '\0') != std::string::npos)
                found.push_back(pid);
        }
        return found;
    }

private:
    static constexpr const char* variable = "ROLLCHECK_TEST_MARK";
    std::string value_;
};

} // namespace rollcheck_test
