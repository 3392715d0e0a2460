/// \file detail/cron/cron_impl.hpp
/// Definitions of cron.hpp, included at its end: one file per role.
#pragma once

#include "cron_lint_expect.hpp"
#include "cron_read.hpp"
#include "cron_snapshot_diff.hpp"
