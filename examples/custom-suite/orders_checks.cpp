// The orders service's own rollback checks, beside those its target file
// declares. Each test case is one item of the rollback's checklist.
#include <rollcheck/files.hpp>
#include <rollcheck/suite.hpp>

TEST_CASE("the new export code is gone after the rollback", "[phase:orders][P1]") {
    rollcheck::absent_spec spec;
    spec.root = rollcheck::suite::current_target().project_root;
    spec.paths = {"exports/v2", "exports/**/*_v2.py"};
    REQUIRE_VERIFIED(rollcheck::check_absent(spec));
}
