# Flags for the targets this project builds itself (tests, benchmarks, the
# command line, examples), never pushed onto a consumer of rollcheck::rollcheck.
add_library(rollcheck_own_flags INTERFACE)
target_compile_options(rollcheck_own_flags INTERFACE -Wall -Wextra -Wpedantic -Werror)
# lld links a test in a fifth of the time GNU ld takes (0.6 s against 3.1 s,
# with its debug information), and the test suite links some sixty programs
# in each of scripts/test's two builds. scripts/install-deps installs it.
include(CheckLinkerFlag)
check_linker_flag(CXX -fuse-ld=lld ROLLCHECK_HAVE_LLD)
if(ROLLCHECK_HAVE_LLD)
  target_link_options(rollcheck_own_flags INTERFACE -fuse-ld=lld)
endif()
if(ROLLCHECK_SANITIZE)
  target_compile_options(rollcheck_own_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(rollcheck_own_flags INTERFACE -fsanitize=address,undefined)
endif()

# rollcheck_compiled: rollcheck's functions compiled once, for the programs
# this project builds, which link it in place of rollcheck::rollcheck: each
# of their units then compiles its own code only. One unit per part
# (rollcheck/src.hpp says why): a program links the parts it calls. The
# header-only form is what the header checks (each header alone), the
# examples and the package tests build.
set(rollcheck_compiled_units)
foreach(part core db notify)
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/rollcheck_compiled_${part}.cpp
    CONTENT "#include <rollcheck/src_${part}.hpp>\n")
  list(APPEND rollcheck_compiled_units ${PROJECT_BINARY_DIR}/rollcheck_compiled_${part}.cpp)
endforeach()
add_library(rollcheck_compiled STATIC ${rollcheck_compiled_units})
target_compile_definitions(rollcheck_compiled PUBLIC ROLLCHECK_SEPARATE_COMPILATION)
target_link_libraries(rollcheck_compiled PUBLIC rollcheck::rollcheck rollcheck_own_flags)
# A program linked with --gc-sections (the command line) drops what it does not call.
target_compile_options(rollcheck_compiled PRIVATE -ffunction-sections -fdata-sections)

# The plan drafter (plan_draft.hpp) compiled once, apart: it alone links
# cmark-gfm and libpg_query, so only what drafts plans (the `rollcheck`
# program, its tests) links it.
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/rollcheck_compiled_draft.cpp
  CONTENT "#include <rollcheck/src_draft.hpp>\n")
add_library(rollcheck_draft_compiled STATIC ${PROJECT_BINARY_DIR}/rollcheck_compiled_draft.cpp)
target_link_libraries(rollcheck_draft_compiled PUBLIC rollcheck_compiled
  ${ROLLCHECK_DRAFT_LINK_DEPENDENCIES})
target_compile_options(rollcheck_draft_compiled PRIVATE -ffunction-sections -fdata-sections)
