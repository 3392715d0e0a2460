/// \file rollcheck.hpp
/// Every public header of rollcheck, for convenience. Including only the
/// headers a program uses compiles faster.
#pragma once

#include "backup.hpp"
#include "baseline.hpp"
#include "command.hpp"
#include "cron.hpp"
#include "duplicates.hpp"
#include "files.hpp"
#include "freshness.hpp"
#include "imports.hpp"
#include "log_scan.hpp"
#include "net.hpp"
#include "postgres.hpp"
#include "processes.hpp"
#include "result.hpp"
