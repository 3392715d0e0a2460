/// \file src.hpp
/// Separate compilation. Header-only, every unit that calls a verifier
/// compiles it (and libpqxx's, Boost.Process's, Vectorscan's templates behind
/// it). A program of many units can compile them once instead: define
/// ROLLCHECK_SEPARATE_COMPILATION in every unit, so that the public headers
/// only declare rollcheck's functions, and include this header in exactly
/// one unit, which defines them all. rollcheck's own tests, suites and
/// command line are built this way:
///
/// ```cmake
/// file(WRITE ${CMAKE_BINARY_DIR}/rollcheck_src.cpp "#include <rollcheck/src.hpp>\n")
/// add_library(rollcheck_src STATIC ${CMAKE_BINARY_DIR}/rollcheck_src.cpp)
/// target_compile_definitions(rollcheck_src PUBLIC ROLLCHECK_SEPARATE_COMPILATION)
/// target_link_libraries(rollcheck_src PUBLIC rollcheck::rollcheck)
/// # then link rollcheck_src, not rollcheck::rollcheck, into every program
/// ```
///
/// catch.hpp, suite.hpp, suite_main.hpp and commands.hpp stay header-only
/// either way: each is meant for one unit of a program.
#pragma once

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#error                                                                                             \
    "rollcheck/src.hpp is for separate compilation: define ROLLCHECK_SEPARATE_COMPILATION in every unit"
#endif

// Each includes the implementations whose internals it uses.
#include "detail/converge_impl.hpp"
#include "detail/cron/cron_impl.hpp"
#include "detail/cron/cron_ran_impl.hpp"
#include "detail/cron/cron_schedule_impl.hpp"
#include "detail/cron/crontab_impl.hpp"
#include "detail/db/backup_impl.hpp"
#include "detail/db/backup_restore_impl.hpp"
#include "detail/db/baseline_impl.hpp"
#include "detail/db/duplicates_impl.hpp"
#include "detail/db/freshness_impl.hpp"
#include "detail/db/postgres_impl.hpp"
#include "detail/files/files_impl.hpp"
#include "detail/logs/log_scan_impl.hpp"
#include "detail/net/net_impl.hpp"
#include "detail/notify/notify_impl.hpp"
#include "detail/process/command_impl.hpp"
#include "detail/process/processes_impl.hpp"
#include "detail/python/imports_impl.hpp"
#include "detail/report/fleet_impl.hpp"
#include "detail/report/report_impl.hpp"
#include "detail/suite/waiver_impl.hpp"
#include "detail/target/target_impl.hpp"
#include "detail/time_impl.hpp"
