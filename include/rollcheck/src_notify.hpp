/// \file src_notify.hpp
/// Separate compilation of notifications (they link libcurl): see src.hpp.
#pragma once

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#error                                                                                             \
    "rollcheck/src_notify.hpp is for separate compilation: define ROLLCHECK_SEPARATE_COMPILATION in every unit"
#endif

// Each includes the implementations whose internals it uses.
#include "detail/notify/notify_impl.hpp"
