/// \file rollcheck.hpp
/// Every verifier header of rollcheck, for convenience. Including only the
/// headers a program uses compiles faster. The Catch2 glue (catch.hpp, and
/// catch_main.hpp, which defines main) is not here: only suites include it.
#pragma once

// Not target.hpp or waiver.hpp either: toml++ would weigh on every unit; programs
// reading targets or waivers include them.

#include "backup.hpp"
#include "baseline.hpp"
#include "command.hpp"
#include "containers.hpp"
#include "converge.hpp"
#include "cron.hpp"
#include "cron_ran.hpp"
#include "cron_schedule.hpp"
#include "crontab.hpp"
#include "duplicates.hpp"
#include "files.hpp"
#include "fleet.hpp"
#include "freshness.hpp"
#include "imports.hpp"
#include "job_ran.hpp"
#include "log_format.hpp"
#include "log_scan.hpp"
#include "net.hpp"
#include "notify.hpp"
#include "postgres.hpp"
#include "processes.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "result.hpp"
#include "time.hpp"
#include "wording.hpp"
