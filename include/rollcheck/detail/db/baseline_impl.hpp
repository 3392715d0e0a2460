/// \file detail/db/baseline_impl.hpp
/// Definitions of baseline.hpp, included at its end: one file per verifier.
#pragma once

#include "baseline_compare.hpp"
#include "baseline_file_check.hpp"
#include "baseline_take.hpp"
