// What a suite pays for following a plan before its first check: reading
// the plan file, reading the target with the plan's defaults, and binding
// every check to the target's values. Beside it, the peer: reading the same
// target without a plan, as the suites did when the runbook was compiled in.
//
//   build/test/benchmarks/plans/plan_load_bench PLAN TARGET [RUNS]
//
// Prints the median and the slowest of RUNS (default 200) of each step.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rollcheck/plan.hpp>
#include <rollcheck/target.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

/// The median and the slowest of `runs` timings of `step`, in milliseconds.
std::pair<double, double> timed(int runs, const std::function<void()>& step) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        const auto start = clock_type::now();
        step();
        ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.back()};
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        fmt::print(stderr, "usage: plan_load_bench PLAN TARGET [RUNS]\n");
        return 2;
    }
    const std::string plan_file = argv[1], target_file = argv[2];
    const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 200;
    const auto plan = rollcheck::load_plan(plan_file);
    if (!plan.ok()) {
        for (const auto& e : plan.errors)
            fmt::print(stderr, "{}\n", e.text());
        return 2;
    }
    const auto facts = plan.value->facts();
    const auto target = rollcheck::load_target(target_file, facts);
    if (!target.ok()) {
        for (const auto& e : target.errors)
            fmt::print(stderr, "{}\n", e.text());
        return 2;
    }
    std::size_t kept = 0;
    const auto plan_step =
        timed(runs, [&] { kept += rollcheck::load_plan(plan_file).value->checks.size(); });
    const auto target_step = timed(
        runs, [&] { kept += rollcheck::load_target(target_file, facts).value->checks.size() + 1; });
    const auto bind_step = timed(runs, [&] {
        for (const auto& check : plan.value->checks)
            kept += rollcheck::bind_check(check, *target.value, {}).arguments.size();
    });
    const auto peer =
        timed(runs, [&] { kept += rollcheck::load_target(target_file).errors.size() + 1; });
    fmt::print("{} checks in {} phases; {} runs (sum {})\n", plan.value->checks.size(),
               plan.value->phases.size(), runs, kept);
    fmt::print("| step | median | slowest |\n|---|---:|---:|\n");
    const auto row = [](const char* what, std::pair<double, double> t) {
        fmt::print("| {} | {:.2f} ms | {:.2f} ms |\n", what, t.first, t.second);
    };
    row("read the plan", plan_step);
    row("read the target with the plan's defaults", target_step);
    row("bind every check to the target", bind_step);
    row("the three, together", {plan_step.first + target_step.first + bind_step.first,
                                plan_step.second + target_step.second + bind_step.second});
    row("peer: read the target without a plan", peer);
    return 0;
}
