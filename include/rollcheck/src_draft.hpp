/// \file src_draft.hpp
/// Separate compilation of the plan drafter (plan_draft.hpp), which links
/// cmark-gfm and libpg_query: see src.hpp. Not part of src.hpp, so that a
/// program that drafts no plan links neither.
#pragma once

#ifndef ROLLCHECK_SEPARATE_COMPILATION
#error                                                                                             \
    "rollcheck/src_draft.hpp is for separate compilation: define ROLLCHECK_SEPARATE_COMPILATION in every unit"
#endif

#include "detail/draft/draft_impl.hpp"
