// Import checks of 30 modules: one interpreter for the whole list (what
// check_imports does) side by side with one interpreter per module. Prints
// the figures that BENCHMARKS.md quotes; exits 1 when one interpreter is not
// at least 5 times faster.
//
//   imports_bench [INTERPRETER] [ROUNDS]    (default: /usr/bin/python3, 7 rounds)
//
// The modules are written to a fresh temporary directory: a package tree
// shaped like a pipeline's, each module importing a few standard modules.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <rollcheck/imports.hpp>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr int module_count = 30;

/// pipeline/stage_NN.py, each with the imports and definitions of a small module.
std::vector<std::string> write_modules(const fs::path& root) {
    const char* stdlib[] = {"json",     "re",      "dataclasses", "typing",  "collections",
                            "datetime", "pathlib", "logging",     "hashlib", "itertools"};
    fs::create_directories(root / "pipeline");
    std::ofstream(root / "pipeline/__init__.py") << "";
    std::vector<std::string> names;
    for (int i = 0; i < module_count; ++i) {
        std::ofstream out(root / fmt::format("pipeline/stage_{:02}.py", i));
        out << fmt::format("import {}\nimport {}\n\n", stdlib[i % 10], stdlib[(i + 3) % 10]);
        out << fmt::format("LIMIT = {}\n\n\ndef score(row):\n    return len(str(row)) * LIMIT\n",
                           i);
        names.push_back(fmt::format("pipeline.stage_{:02}", i));
    }
    return names;
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Runs `checks` once and returns the seconds it took; stops the program when a check fails.
double timed(const std::vector<rollcheck::import_spec>& checks) {
    const auto start = clock_type::now();
    for (const auto& spec : checks) {
        const auto r = rollcheck::check_imports(spec);
        if (!r.passed()) {
            fmt::print(stderr, "{}\n", r);
            std::exit(2);
        }
    }
    return seconds_since(start);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const std::string interpreter = argc > 1 ? argv[1] : "/usr/bin/python3";
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
    std::string dir = (fs::temp_directory_path() / "rollcheck-imports-bench.XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return 2;
    const auto names = write_modules(dir);

    rollcheck::import_spec all;
    all.interpreter = interpreter;
    all.working_directory = dir;
    all.must_import = names;
    std::vector<rollcheck::import_spec> each;
    for (const auto& name : names) {
        auto one = all;
        one.must_import = {name};
        each.push_back(one);
    }

    std::vector<double> together, apart;
    for (int round = 0; round < rounds; ++round) {
        together.push_back(timed({all}));
        apart.push_back(timed(each));
    }
    fs::remove_all(dir);

    const double one = median(together), per_module = median(apart);
    fmt::print("interpreter: {}\n", interpreter);
    fmt::print("{} modules, median of {} rounds\n", module_count, rounds);
    fmt::print("  one interpreter for all modules:  {:8.1f} ms\n", one * 1000);
    fmt::print("  one interpreter per module:       {:8.1f} ms\n", per_module * 1000);
    fmt::print("  speed-up: {:.1f}x (required: at least 5x)\n", per_module / one);
    return per_module / one >= 5.0 ? 0 : 1;
}
