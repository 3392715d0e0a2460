// Phase 8 (unified orchestrator): the orchestrator is gone and both
// monoliths run as they did.
#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("core/pipeline/orchestrator.py removed", "[phase8][P0]") {
    CHECK_VERIFIED(check_absent(removed({"core/pipeline/orchestrator.py"})));
    CHECK_VERIFIED(check_imports(importing({"core.pipeline.orchestrator"})));
}

TEST_CASE("both monoliths identical to HEAD", "[phase8][P0]") {
    REQUIRE_VERIFIED(check_restored(as_in_head(
        {"scripts/core/batch_opportunity_scoring.py", "scripts/dlt/dlt_trust_pipeline.py"})));
}

TEST_CASE("batch_opportunity_scoring.py runs", "[phase8][P0]") {
    REQUIRE_VERIFIED(check_command(python_run({"scripts/core/batch_opportunity_scoring.py"})));
}

TEST_CASE("dlt_trust_pipeline.py runs", "[phase8][P0]") {
    REQUIRE_VERIFIED(check_command(python_run({"scripts/dlt/dlt_trust_pipeline.py"})));
}

TEST_CASE("both monoliths verified: scripts/testing/verify_monoliths.py passes", "[phase8][P0]") {
    REQUIRE_VERIFIED(check_command(python_run({"scripts/testing/verify_monoliths.py"})));
}
