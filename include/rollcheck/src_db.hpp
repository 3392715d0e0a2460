/// \file src_db.hpp
/// Separate compilation of the PostgreSQL checks (they link libpqxx and libpq): see src.hpp.
#pragma once

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#error                                                                                             \
    "rollcheck/src_db.hpp is for separate compilation: define ROLLCHECK_SEPARATE_COMPILATION in every unit"
#endif

// Each includes the implementations whose internals it uses.
#include "detail/db/backup_impl.hpp"
#include "detail/db/backup_restore_impl.hpp"
#include "detail/db/baseline_impl.hpp"
#include "detail/db/duplicates_impl.hpp"
#include "detail/db/freshness_impl.hpp"
#include "detail/db/postgres_impl.hpp"
