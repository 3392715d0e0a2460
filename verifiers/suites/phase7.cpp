// Phase 7 (storage layer): a backup and a baseline taken before the
// rollback; after it, no duplicated key and no row lost.
#include <rollcheck/backup.hpp>

#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("backup verified: holds opportunities_unified's data, taken before the rollback",
          "[phase7][P0][before]") {
    backup_spec spec;
    spec.archive = system().backup;
    spec.tables = {system().table};
    spec.taken_before = suite::rollback_started();
    REQUIRE_VERIFIED(check_backup(spec));
}

TEST_CASE("baseline recorded: holds opportunities_unified, taken before the rollback",
          "[phase7][P0][before]") {
    baseline_file_spec spec;
    spec.baseline = system().baseline;
    spec.tables = {system().table};
    spec.taken_before = suite::rollback_started();
    REQUIRE_VERIFIED(check_baseline_file(spec));
}

TEST_CASE("core/storage/ removed", "[phase7][P1]") {
    REQUIRE_VERIFIED(check_absent(removed({"core/storage"})));
}

TEST_CASE("scripts/ identical to HEAD", "[phase7][P1]") {
    REQUIRE_VERIFIED(check_restored(as_in_head({"scripts"})));
}

TEST_CASE("no duplicated submission_id in opportunities_unified (after phase 7)", "[phase7][P0]") {
    REQUIRE_VERIFIED(check_duplicates(unique_key()));
}

TEST_CASE("no row of opportunities_unified lost against the baseline (after phase 7)",
          "[phase7][P0]") {
    REQUIRE_VERIFIED(compare_baseline(nothing_lost()));
}
