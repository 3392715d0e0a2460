// Phase 6 (AI enrichment services): enrichment is gone and the monolith
// calls the AI agents directly again.
#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("core/enrichment/ removed and not importable", "[phase6][P1]") {
    CHECK_VERIFIED(check_absent(removed({"core/enrichment"})));
    CHECK_VERIFIED(check_imports(importing({"core.enrichment"})));
}

TEST_CASE("batch_opportunity_scoring.py identical to HEAD (after phase 6)", "[phase6][P1]") {
    REQUIRE_VERIFIED(check_restored(as_in_head({"scripts/core/batch_opportunity_scoring.py"})));
}

TEST_CASE("AI analysis works: scripts/testing/test_ai_services.py passes", "[phase6][P1]") {
    REQUIRE_VERIFIED(check_command(python_run({"scripts/testing/test_ai_services.py"})));
}
