/// \file detail/suite/registration.hpp
/// The test cases a suite run registers beside its compiled ones: the
/// plan's checks of the selected phases and the target's [[check]] tables;
/// the checks started ahead; the listing options. Only runner.hpp includes
/// it: Catch2's registry lives in the runner's translation unit.
#pragma once

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../../commands.hpp"
#include "../../suite.hpp"
#include "plan_cases.hpp"
#include "prefetch.hpp"
#include "setup.hpp"

namespace rollcheck::detail {

/// A target file's [[check]], run as a test case of its own.
class declared_invoker : public Catch::ITestInvoker {
public:
    explicit declared_invoker(declared_check check) : check_(std::move(check)) {}
    void invoke() const override {
        REQUIRE_VERIFIED(cli::run_declared_check(check_.kind, check_.arguments, check_.where));
    }

private:
    declared_check check_;
};

/// A plan's check, run as a test case of its own.
class plan_invoker : public Catch::ITestInvoker {
public:
    explicit plan_invoker(std::size_t index) : index_(index) {}
    void invoke() const override {
        const auto& b = current_plan().checks.at(index_);
        auto& s = state();
        if (s.current) s.current->id = b.check->id;
        for (const auto& note : b.fallbacks)
            if (std::find(s.record.notes.begin(), s.record.notes.end(), note) ==
                s.record.notes.end())
                s.record.notes.push_back(note);
        if (!b.skipped.empty()) {
            REQUIRE_VERIFIED(check_result::skip(b.check->kind, b.skipped));
        } else if (!b.unresolved.empty()) {
            REQUIRE_VERIFIED(check_result::error(b.check->kind, b.unresolved));
        } else {
            REQUIRE_VERIFIED(plan_check_result(index_));
        }
    }

private:
    std::size_t index_;
};

/// A waiver of this run's phases must name one of its checks, by name or by
/// the plan's id: a misspelt one would otherwise waive nothing, silently.
inline std::string check_waiver_names(const std::string& name) {
    const auto& tests = Catch::getRegistryHub().getTestCaseRegistry().getAllTests();
    const auto& checks = current_plan().checks;
    std::string errors;
    for (const auto& w : state().waivers) {
        if (!phase_selected(w.phase)) continue;
        const bool known = std::any_of(tests.begin(), tests.end(),
                                       [&](const auto& t) {
                                           return t.name == w.check && phase_of(t.tags) == w.phase;
                                       }) ||
                           std::any_of(checks.begin(), checks.end(), [&](const auto& b) {
                               return b.check->id == w.check && b.check->phase == w.phase;
                           });
        if (!known)
            errors += fmt::format("\n  {}: no check named '{}' in phase {} of {}", w.where, w.check,
                                  w.phase, name);
    }
    return errors.empty() ? errors : "waiver file cannot be used:" + errors;
}

/// The plan's checks of the selected phases, in the plan's order.
inline void register_plan_checks() {
    const auto& checks = current_plan().checks;
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const auto& b = checks[i];
        Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
            new plan_invoker(i), "", Catch::NameAndTags{b.name, tags_of(b)},
            Catch::SourceLineInfo(current_plan().followed->file.c_str(), line_of(b.check->where))));
    }
}

/// The target's [[check]] tables of the selected phases.
inline void register_declared_checks() {
    const auto& t = *state().loaded;
    for (const auto& check : t.checks) {
        if (!phase_selected(check.phase)) continue;
        Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
            new declared_invoker(check), "",
            Catch::NameAndTags{check.name,
                               fmt::format("[phase{}][{}][declared]", check.phase, check.severity)},
            Catch::SourceLineInfo(t.file.c_str(), 1)));
    }
}

/// Follows the plan: selects its phases, binds its checks to the target and
/// validates them, then registers them; an error says what is wrong.
inline std::string follow_plan(const std::string& program, const std::vector<std::string>& asked) {
    auto& run = current_plan();
    if (!run.followed) {
        if (!asked.empty()) return "--phase needs a plan: give --plan FILE";
        return {};
    }
    if (auto why = select_phases(program, asked); !why.empty()) return why;
    run_values values;
    values.rollback_started = state().since;
    values.started = state().record.started;
    bind_plan_checks(*state().loaded, values);
    const auto faults = validate_plan_checks();
    if (!faults.empty()) {
        std::string text = fmt::format("plan file {} cannot be used:", run.followed->file.string());
        for (const auto& f : faults)
            text += "\n  " + f;
        return text;
    }
    register_plan_checks();
    return {};
}

/// The plan's checks that the run's test specs select and that may run
/// beside others, started ahead on their threads.
inline void start_checks_ahead(Catch::Session& session, concurrency limits) {
    const auto& config = session.config();
    // An order asked for (--order lex, rand) is the order checks run in: a
    // check that changes the system (a target's command) then comes first.
    if (config.runOrder() != Catch::RunTests::InDeclarationOrder) return;
    std::map<std::string, std::size_t> by_name;
    const auto& checks = current_plan().checks;
    for (std::size_t i = 0; i < checks.size(); ++i)
        by_name.emplace(checks[i].name, i);
    std::vector<std::size_t> ahead;
    for (const auto& test :
         Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config)) {
        const auto found = by_name.find(test.name);
        if (found != by_name.end() && runs_alongside(checks[found->second]))
            ahead.push_back(found->second);
    }
    std::sort(ahead.begin(), ahead.end());
    if (limits.jobs != 1 && ahead.size() > 1)
        prefetched() = std::make_unique<prefetched_checks>(std::move(ahead), limits);
}

/// What the listing options need to know of the run.
struct listing_request {
    std::string plan_file, target_file, since_text;
    std::vector<std::string> phases;
};

/// `--list-programs`, `--list-tests` and the like: the plan's checks are
/// listed as a run would name them, with the target's values, or the plan's
/// defaults when no target is given.
inline int list_plan(Catch::Session& session, const std::string& name, const listing_request& asked,
                     const std::filesystem::path& default_plan, bool programs) {
    auto why = load_run_plan(asked.plan_file, asked.target_file, default_plan);
    const auto& followed = current_plan().followed;
    if (why.empty() && programs && !followed) why = "no plan: give --plan FILE";
    if (why.empty() && programs) {
        if (!followed->program.empty()) std::cout << followed->program << '\n';
        for (const auto& phase : followed->phases)
            if (!phase.program.empty()) std::cout << phase.program << '\n';
        return 0;
    }
    if (why.empty() && !asked.target_file.empty())
        why = prepare_run(asked.target_file, asked.since_text, "", false);
    else if (why.empty())
        state().loaded = parse_target("", "the plan's defaults",
                                      followed ? followed->facts() : target_plan_facts{})
                             .value;
    if (why.empty() && !state().loaded) why = "the plan's [defaults] cannot be read";
    if (why.empty()) why = follow_plan(name, asked.phases);
    if (!why.empty()) {
        std::cerr << "error: " << why << '\n';
        return 2;
    }
    register_declared_checks();
    // Catch2 returns the number of what it listed; a listing that worked is a 0.
    return session.run() < 0 ? 2 : 0;
}

} // namespace rollcheck::detail
