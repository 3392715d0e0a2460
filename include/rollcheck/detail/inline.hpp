/// \file detail/inline.hpp
/// ROLLCHECK_INLINE marks rollcheck's functions that are defined out of line,
/// in the `detail/` files a public header includes at its end. Header-only
/// (the default) they are `inline`. With ROLLCHECK_SEPARATE_COMPILATION
/// defined in every unit, the public headers only declare them and the one
/// unit that includes <rollcheck/src.hpp> defines them all, once: a program of
/// many units then compiles each verifier once rather than in every unit.
#pragma once

#ifdef ROLLCHECK_SEPARATE_COMPILATION
#define ROLLCHECK_INLINE
#else
#define ROLLCHECK_INLINE inline
#endif
