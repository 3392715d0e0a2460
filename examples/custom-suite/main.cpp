// The suite's main: loads --target, runs the test cases and the target's
// [[check]] tables, writes --report DIR and exits with the worst verdict.
#include <rollcheck/suite_main.hpp>
