/// \file rollcheck.hpp
/// Every public header of rollcheck, for convenience. Including only the
/// headers a program uses compiles faster.
#pragma once

#include "command.hpp"
#include "duplicates.hpp"
#include "files.hpp"
#include "freshness.hpp"
#include "imports.hpp"
#include "postgres.hpp"
#include "processes.hpp"
#include "result.hpp"
