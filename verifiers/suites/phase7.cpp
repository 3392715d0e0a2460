// Phase 7 (storage layer): a backup (restored too, when the target asks) and
// a baseline taken before the rollback; after it, no duplicated key and no
// row lost.
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

// Asked for by the target ([backup] restore_check = true): a restore takes
// minutes on a large archive, and a throwaway cluster needs PostgreSQL's
// server programs where the suite runs. Its time is the floor of Phase 7's
// recovery time.
TEST_CASE("backup restores: opportunities_unified comes back with rows and no duplicated "
          "submission_id",
          "[phase7][P1][before][db]") {
    if (!system().restore_check) {
        REQUIRE_VERIFIED(check_result::skip("db.backup-restore",
                                            "the target does not ask for a restore of the backup: "
                                            "[backup] restore_check = true does"));
        return;
    }
    backup_restore_spec spec;
    spec.archive = system().backup;
    spec.tables = {{system().table, {system().key}}};
    spec.scratch_dsn = system().restore_scratch_dsn;
    spec.bindir = system().postgres_bindir;
    REQUIRE_VERIFIED(check_backup_restore(spec));
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
    CHECK_VERIFIED(check_absent(removed({"core/storage"})));
    CHECK_VERIFIED(check_imports(importing({"core.storage"})));
}

TEST_CASE("scripts/ identical to HEAD", "[phase7][P1]") {
    REQUIRE_VERIFIED(check_restored(as_in_head({"scripts"})));
}

TEST_CASE("no duplicated submission_id in opportunities_unified (after phase 7)",
          "[phase7][P0][db]") {
    REQUIRE_VERIFIED(check_duplicates(unique_key()));
}

TEST_CASE("no row of opportunities_unified lost against the baseline (after phase 7)",
          "[phase7][P0][db]") {
    REQUIRE_VERIFIED(compare_baseline(nothing_lost()));
}
