// Phase 4-5 (fetchers, deduplication): the monoliths are as in HEAD, the
// extracted modules are gone, the batch job runs and no key is duplicated.
#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("batch_opportunity_scoring.py and dlt_trust_pipeline.py identical to HEAD",
          "[phase4-5][P1]") {
    REQUIRE_VERIFIED(check_restored(as_in_head(
        {"scripts/core/batch_opportunity_scoring.py", "scripts/dlt/dlt_trust_pipeline.py"})));
}

TEST_CASE("core/fetchers/database_fetcher.py and core/deduplication/ removed and not importable",
          "[phase4-5][P1]") {
    CHECK_VERIFIED(
        check_absent(removed({"core/fetchers/database_fetcher.py", "core/deduplication"})));
    CHECK_VERIFIED(
        check_imports(importing({"core.fetchers.database_fetcher", "core.deduplication"})));
}

TEST_CASE("batch_opportunity_scoring.py --limit 10 succeeds", "[phase4-5][P1]") {
    REQUIRE_VERIFIED(
        check_command(python_run({"scripts/core/batch_opportunity_scoring.py", "--limit", "10"})));
}

TEST_CASE("no duplicated submission_id in opportunities_unified (after phase 4-5)",
          "[phase4-5][P0][db]") {
    REQUIRE_VERIFIED(check_duplicates(unique_key()));
}
