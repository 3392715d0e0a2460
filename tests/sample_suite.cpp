// A suite whose results are fixed by construction, for catch_glue_test to run:
// one failing check with evidence, one passing, one warning.
#include <rollcheck/catch.hpp>

#include "catch_options.hpp"

namespace {

rollcheck::check_result duplicated_keys() {
    auto r = rollcheck::check_result::fail(
        "db.duplicates", "2 duplicated submission_id values in public.opportunities_unified");
    r.evidence.add({"submission_id=t3_abc: 3 rows", {{"key", {"t3_abc"}}, {"count", 3}}});
    r.evidence.add({"submission_id=t3_def: 2 rows", {{"key", {"t3_def"}}, {"count", 2}}});
    return r;
}

} // namespace

TEST_CASE("duplicates are found", "[data]") {
    REQUIRE_VERIFIED(duplicated_keys());
}

TEST_CASE("the schedule is restored", "[cron]") {
    REQUIRE_VERIFIED(rollcheck::check_result::pass("cron.expect", "0 2 * * * is scheduled"));
}

TEST_CASE("the backup is recent enough", "[backup]") {
    REQUIRE_VERIFIED(rollcheck::check_result::warn("db.backup", "backup is 26 hours old"));
}

TEST_CASE("the target file is passed through", "[target]") {
    const auto& target = rollcheck_test::options().target;
    REQUIRE(target.has_value());
    REQUIRE(target->filename() == "target.toml");
}
