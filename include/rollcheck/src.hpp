/// \file src.hpp
/// Separate compilation. Header-only, every unit that calls a verifier
/// compiles it (and libpqxx's, nlohmann/json's, Vectorscan's templates
/// behind it). A program of many units can compile them once instead: define
/// ROLLCHECK_SEPARATE_COMPILATION in every unit, so that the public headers
/// only declare rollcheck's functions, and include this header in exactly
/// one unit, which defines them all.
///
/// This header is the three below together. Given one unit each, in a
/// static library, a program links only the parts it calls: one that never
/// connects to PostgreSQL or posts a webhook then need not load libpq or
/// libcurl (with `-Wl,--as-needed`, and `--gc-sections` over units compiled
/// with `-ffunction-sections`). Loading them, with their TLS, Kerberos and
/// LDAP libraries, was most of the 25 ms the command line took to start.
/// - src_db.hpp: the PostgreSQL checks (libpqxx, libpq);
/// - src_notify.hpp: notifications (libcurl);
/// - src_core.hpp: everything else.
///
/// The installed CMake package has this as `rollcheck::compiled`, which
/// rollcheck's own tests, suites and command line link too; a project built
/// without it can do the same:
///
/// ```cmake
/// set(units)
/// foreach(part core db notify)
///   file(WRITE ${CMAKE_BINARY_DIR}/rollcheck_${part}.cpp "#include <rollcheck/src_${part}.hpp>\n")
///   list(APPEND units ${CMAKE_BINARY_DIR}/rollcheck_${part}.cpp)
/// endforeach()
/// add_library(rollcheck_src STATIC ${units})
/// target_compile_definitions(rollcheck_src PUBLIC ROLLCHECK_SEPARATE_COMPILATION)
/// target_link_libraries(rollcheck_src PUBLIC rollcheck::rollcheck)
/// # then link rollcheck_src, not rollcheck::rollcheck, into every program
/// ```
///
/// catch.hpp, suite.hpp, suite_main.hpp and commands.hpp stay header-only
/// either way: each is meant for one unit of a program.
#pragma once

#include "src_core.hpp"
#include "src_db.hpp"
#include "src_notify.hpp"
