/// \file src_core.hpp
/// Separate compilation of everything but the PostgreSQL checks and notifications: see src.hpp.
#pragma once

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#error                                                                                             \
    "rollcheck/src_core.hpp is for separate compilation: define ROLLCHECK_SEPARATE_COMPILATION in every unit"
#endif

// Each includes the implementations whose internals it uses.
#include "detail/containers/containers_impl.hpp"
#include "detail/converge_impl.hpp"
#include "detail/cron/cron_impl.hpp"
#include "detail/cron/cron_ran_impl.hpp"
#include "detail/cron/cron_schedule_impl.hpp"
#include "detail/cron/crontab_impl.hpp"
#include "detail/db/names_impl.hpp"
#include "detail/files/files_impl.hpp"
#include "detail/jobs/job_ran_impl.hpp"
#include "detail/logs/log_scan_impl.hpp"
#include "detail/net/net_impl.hpp"
#include "detail/plan/plan_impl.hpp"
#include "detail/process/command_impl.hpp"
#include "detail/process/processes_impl.hpp"
#include "detail/python/imports_impl.hpp"
#include "detail/report/fleet_impl.hpp"
#include "detail/report/report_impl.hpp"
#include "detail/suite/waiver_impl.hpp"
#include "detail/target/target_impl.hpp"
#include "detail/time_impl.hpp"
