// Shared by the code verifiers' tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <rollcheck/command.hpp>

#include "process_mark.hpp"
#include "test_support.hpp"

namespace rollcheck_test {

/// Debian's interpreter, named explicitly: PATH may find another one.
inline const std::string python = "/usr/bin/python3";

/// A real process whose command line carries `token`, running (through
/// run_command, on a thread) until it is stopped or destroyed.
class worker {
public:
    worker(const temp_dir& dir, const std::string& token,
           std::chrono::milliseconds start_after = std::chrono::milliseconds(0))
        : stop_file_(dir / unique_name("stop")) {
        // Python rather than a shell loop: a shell forks copies of itself,
        // which would briefly match the token too.
        thread_ = std::thread([this, token, start_after] {
            std::this_thread::sleep_for(start_after);
            rollcheck::command_spec spec;
            spec.argv = {python, "-c",
                         "import os, sys, time; [time.sleep(0.02) for _ in iter(lambda: "
                         "os.path.exists(sys.argv[1]), True)]",
                         stop_file_.string(), token};
            spec.timeout = std::chrono::seconds(30);
            (void)rollcheck::run_command(spec);
        });
    }
    ~worker() {
        stop();
        thread_.join();
    }
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    void stop() const { std::ofstream(stop_file_).put('x'); }

private:
    std::filesystem::path stop_file_;
    std::thread thread_;
};

#ifdef CODE_FIXTURES
/// A copy of tests/code/fixtures/checkout, a tree shaped like a real
/// checkout: a shim that re-exports from a new package, scripts that put the
/// root on sys.path, a vendored package one module adds to sys.path.
struct checkout {
    temp_dir dir;
    checkout() {
        std::filesystem::copy(CODE_FIXTURES "/checkout", dir.path(),
                              std::filesystem::copy_options::recursive);
    }
    /// The rollback: the package the shim core/lead_extractor.py re-exports from, removed.
    void roll_back() const { std::filesystem::remove_all(dir / "core/enrichment"); }
};
#endif

} // namespace rollcheck_test
