# rollcheck::compiled: rollcheck's functions compiled once, a static library
# to link in place of rollcheck::rollcheck: each unit of a program then
# compiles its own code only, not every verifier it calls (and libpqxx's,
# nlohmann/json's, Vectorscan's templates behind them). The programs this
# project builds link it, and the installed package exports it for a
# consumer of many units. One unit per part (rollcheck/src.hpp says why): a
# program links the parts it calls. The header-only form is what the header
# checks (each header alone) and the examples build; the package test
# builds examples/consumer both ways.
set(rollcheck_compiled_units)
foreach(part core db notify)
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/rollcheck_compiled_${part}.cpp
    CONTENT "#include <rollcheck/src_${part}.hpp>\n")
  list(APPEND rollcheck_compiled_units ${PROJECT_BINARY_DIR}/rollcheck_compiled_${part}.cpp)
endforeach()
add_library(rollcheck_compiled STATIC ${rollcheck_compiled_units})
add_library(rollcheck::compiled ALIAS rollcheck_compiled)
set_target_properties(rollcheck_compiled PROPERTIES EXPORT_NAME compiled)
# A project that adds rollcheck as a subdirectory builds it only if it links it.
if(NOT ROLLCHECK_INSTALL AND NOT ROLLCHECK_TOP_LEVEL)
  set_target_properties(rollcheck_compiled PROPERTIES EXCLUDE_FROM_ALL ON)
endif()
# PUBLIC: a unit that sees the definitions too would define them twice.
target_compile_definitions(rollcheck_compiled PUBLIC ROLLCHECK_SEPARATE_COMPILATION)
target_link_libraries(rollcheck_compiled PUBLIC rollcheck::rollcheck)
if(TARGET rollcheck_own_flags)
  # Our programs get their flags through it; a consumer of the package does not.
  target_link_libraries(rollcheck_compiled PUBLIC $<BUILD_INTERFACE:rollcheck_own_flags>)
endif()
# A program linked with --gc-sections (the command line) drops what it does not call.
target_compile_options(rollcheck_compiled PRIVATE -ffunction-sections -fdata-sections)

# The plan drafter (plan_draft.hpp) compiled once, apart: it alone links
# cmark-gfm and libpg_query, so only what drafts plans (the `rollcheck`
# program, its tests) links it. Not exported: the package's consumers check
# systems, they do not draft plans.
if(TARGET rollcheck_own_flags)
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/rollcheck_compiled_draft.cpp
    CONTENT "#include <rollcheck/src_draft.hpp>\n")
  add_library(rollcheck_draft_compiled STATIC ${PROJECT_BINARY_DIR}/rollcheck_compiled_draft.cpp)
  target_link_libraries(rollcheck_draft_compiled PUBLIC rollcheck_compiled
    ${ROLLCHECK_DRAFT_LINK_DEPENDENCIES})
  target_compile_options(rollcheck_draft_compiled PRIVATE -ffunction-sections -fdata-sections)
endif()
