// Fuzz target: a runbook drafted into a plan: nothing thrown, and whatever
// it drafts is a plan that loads.
#include <cstdint>
#include <cstdlib>

#include <rollcheck/plan.hpp>
#include <rollcheck/plan_draft.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck;
    const auto draft = draft_plan(rollcheck_fuzz::text_of(data, size), "RUNBOOK.md");
    for (const auto* notes : {&draft.todos, &draft.warnings, &draft.notes})
        for (const auto& n : *notes)
            (void)n.text();
    if (!draft.ok()) return 0;
    // A draft that does not load is the drafter's bug: make it a finding.
    if (!parse_plan(draft.toml, "draft.toml").ok()) std::abort();
    return 0;
}
