// The one translation unit that holds Catch2's runner and rollcheck's main.
#include <rollcheck/catch_main.hpp>
