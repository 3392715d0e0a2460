// What the PostgreSQL benchmarks run by db-bench share: the DSN of the
// cluster the script started, timed program runs, and the table of figures.
#pragma once

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rollcheck/command.hpp>

namespace bench {

using clock_type = std::chrono::steady_clock;

inline rollcheck::command_outcome
run(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::minutes(10)) {
    rollcheck::command_spec spec;
    spec.argv = std::move(argv);
    spec.timeout = timeout;
    return rollcheck::run_command(spec);
}

/// The DSN of the cluster benchmarks/db/db-bench started (pg-fixture's pg.env):
/// started outside, because a process run_command starts leaves nothing behind.
inline std::string fixture_dsn(const std::string& state) {
    std::map<std::string, std::string> vars;
    std::ifstream env(state + "/pg.env");
    for (std::string line; std::getline(env, line);)
        if (const auto eq = line.find('='); eq != std::string::npos)
            vars[line.substr(0, eq)] = line.substr(eq + 1);
    if (vars.count("PGHOST") == 0 || vars.count("PGPORT") == 0)
        throw std::runtime_error(state + "/pg.env: no server; run benchmarks/db/db-bench");
    return fmt::format("host={} port={} user=postgres dbname=postgres", vars["PGHOST"],
                       vars["PGPORT"]);
}

/// Reads `--flag value` pairs, each handed to its setter; an unknown flag or
/// a flag without a value throws, naming the flags there are.
inline void
parse_flags(int argc, char** argv,
            const std::map<std::string, std::function<void(const std::string&)>>& setters) {
    std::vector<std::string> names;
    for (const auto& [name, set] : setters)
        names.push_back(name);
    for (int i = 1; i < argc; i += 2) {
        const auto setter = setters.find(argv[i]);
        if (setter == setters.end() || i + 1 == argc)
            throw std::invalid_argument(fmt::format("{} {}: the options are {}", argv[i],
                                                    i + 1 == argc ? "without a value" : "unknown",
                                                    fmt::join(names, ", ")));
        setter->second(argv[i + 1]);
    }
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

inline double ms_since(clock_type::time_point start) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

/// Wall time of a program run, in ms; throws when it did not exit as expected.
inline double timed_run(const std::vector<std::string>& argv, int expected_status) {
    const auto start = clock_type::now();
    const auto r = run(argv);
    const double ms = ms_since(start);
    if (r.status != rollcheck::command_status::exited || r.exit_code != expected_status)
        throw std::runtime_error(fmt::format("{}: {}\n{}", argv[0], r.describe(), r.err.text()));
    return ms;
}

struct figure {
    std::string what;
    std::vector<double> ms;
};

inline void print_figures(const std::vector<figure>& figures) {
    fmt::print("\n| measured | median ms | runs (ms) |\n|---|---:|---|\n");
    for (const auto& f : figures) {
        std::vector<std::string> runs;
        for (const double ms : f.ms)
            runs.push_back(fmt::format("{:.1f}", ms));
        fmt::print("| {} | {:.1f} | {} |\n", f.what, median(f.ms), fmt::join(runs, ", "));
    }
}

} // namespace bench
