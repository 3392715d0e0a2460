// The one translation unit of Catch2's runner and the suites' main, shared
// by every phase suite.
#include <rollcheck/suite_main.hpp>
