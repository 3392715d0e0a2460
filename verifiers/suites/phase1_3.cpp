// Phase 1-3 (foundation, agents, utilities): the new modules are removed and
// the old system works.
#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("new modules removed: core/pipeline, core/fetchers, core/enrichment, core/agents, "
          "core/quality_filters, tests/test_*_new.py",
          "[phase1-3][P2]") {
    REQUIRE_VERIFIED(
        check_absent(removed({"core/pipeline", "core/fetchers", "core/enrichment", "core/agents",
                              "core/quality_filters", "tests/test_*_new.py"})));
}

TEST_CASE("removed modules no longer import and the old system's modules do", "[phase1-3][P2]") {
    const std::vector<std::string> removed = {"core.pipeline", "core.fetchers", "core.enrichment",
                                              "core.agents", "core.quality_filters"};
    REQUIRE_VERIFIED(check_imports(importing(removed)));
}

TEST_CASE("the old system's tests pass: pytest tests/ -v", "[phase1-3][P1]") {
    REQUIRE_VERIFIED(
        check_command(python_run({"-m", "pytest", "tests/", "-v"}, std::chrono::minutes(10))));
}
