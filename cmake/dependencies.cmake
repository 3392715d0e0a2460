# The one list of the libraries rollcheck::rollcheck links, each with the
# Debian 12 packages that provide it. The build includes this file, and so
# does the installed rollcheckConfig.cmake (as rollcheckDependencies.cmake),
# so a consumer finds exactly what the build found; the test deps.one_list
# holds scripts/install-deps and the README to the DEBIAN packages named here.
#
# ROLLCHECK_DEPENDENCY_MODE: unset when building rollcheck (a missing library
# fails the configure), "config" in the installed package (a missing library
# makes rollcheck not found, with the reason), "list" to collect
# ROLLCHECK_DEBIAN_PACKAGES without finding anything.
#
# DRAFT marks a library that plan_draft.hpp alone needs (`rollcheck plan
# draft`): it goes to ROLLCHECK_DRAFT_LINK_DEPENDENCIES, which the programs
# and tests that draft plans link, not rollcheck::rollcheck, so that nothing
# else pays for it; the installed package does not look for it.

# rollcheck_dependency(PKG_CONFIG <module> PREFIX <prefix> [HEADERS] [DRAFT] DEBIAN <package>...)
# rollcheck_dependency(PACKAGE <name> [VERSION <min>] [COMPONENTS <c>...]
#                      TARGETS <target>... [DRAFT] DEBIAN <package>...)
# rollcheck_dependency(LIBRARY <name> HEADER <file> PREFIX <prefix> [DRAFT] DEBIAN <package>...):
#                      a library with neither pkg-config nor CMake files, found by its
#                      names; its target is Rollcheck::<prefix>
function(rollcheck_dependency)
  cmake_parse_arguments(PARSE_ARGV 0 dep "HEADERS;DRAFT" "PKG_CONFIG;PREFIX;PACKAGE;VERSION;LIBRARY;HEADER"
    "COMPONENTS;TARGETS;DEBIAN")
  if(dep_PKG_CONFIG)
    set(what "${dep_PKG_CONFIG} (pkg-config)")
    set(dep_TARGETS PkgConfig::${dep_PREFIX})
  elseif(dep_LIBRARY)
    set(what "lib${dep_LIBRARY} (${dep_HEADER})")
    set(dep_TARGETS Rollcheck::${dep_PREFIX})
  else()
    set(what ${dep_PACKAGE})
    if(dep_VERSION)
      string(APPEND what " ${dep_VERSION} or newer")
    endif()
    if(dep_COMPONENTS)
      list(JOIN dep_COMPONENTS ", " components)
      string(APPEND what " (with ${components})")
    endif()
  endif()
  if(NOT dep_DEBIAN OR NOT dep_TARGETS)
    message(FATAL_ERROR "rollcheck_dependency(${ARGV}): needs DEBIAN and TARGETS (or PKG_CONFIG and PREFIX)")
  endif()
  set(ROLLCHECK_DEBIAN_PACKAGES ${ROLLCHECK_DEBIAN_PACKAGES} ${dep_DEBIAN} PARENT_SCOPE)
  if(dep_DRAFT)
    set(ROLLCHECK_DRAFT_LINK_DEPENDENCIES ${ROLLCHECK_DRAFT_LINK_DEPENDENCIES} ${dep_TARGETS}
        PARENT_SCOPE)
  else()
    set(ROLLCHECK_LINK_DEPENDENCIES ${ROLLCHECK_LINK_DEPENDENCIES} ${dep_TARGETS} PARENT_SCOPE)
  endif()
  if(ROLLCHECK_DEPENDENCY_MODE STREQUAL "list" OR
     (dep_DRAFT AND ROLLCHECK_DEPENDENCY_MODE STREQUAL "config"))
    return()
  endif()

  # Never REQUIRED: the failure below names the Debian package, which
  # find_package's own message cannot.
  set(quiet)
  if(ROLLCHECK_DEPENDENCY_MODE STREQUAL "config" AND rollcheck_FIND_QUIETLY)
    set(quiet QUIET)
  endif()
  if(dep_PKG_CONFIG)
    find_package(PkgConfig ${quiet})
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(${dep_PREFIX} ${quiet} IMPORTED_TARGET ${dep_PKG_CONFIG})
    endif()
    set(found ${${dep_PREFIX}_FOUND})
  elseif(dep_LIBRARY)
    find_library(${dep_PREFIX}_LIBRARY NAMES ${dep_LIBRARY})
    find_path(${dep_PREFIX}_INCLUDE_DIR NAMES ${dep_HEADER})
    set(found FALSE)
    if(${dep_PREFIX}_LIBRARY AND ${dep_PREFIX}_INCLUDE_DIR)
      set(found TRUE)
      if(NOT TARGET Rollcheck::${dep_PREFIX})
        add_library(Rollcheck::${dep_PREFIX} UNKNOWN IMPORTED)
        set_target_properties(Rollcheck::${dep_PREFIX} PROPERTIES
          IMPORTED_LOCATION ${${dep_PREFIX}_LIBRARY}
          INTERFACE_INCLUDE_DIRECTORIES ${${dep_PREFIX}_INCLUDE_DIR})
      endif()
    endif()
  else()
    if(dep_COMPONENTS)
      set(dep_COMPONENTS COMPONENTS ${dep_COMPONENTS})
    endif()
    find_package(${dep_PACKAGE} ${dep_VERSION} ${quiet} ${dep_COMPONENTS})
    set(found ${${dep_PACKAGE}_FOUND})
  endif()
  if(found)
    if(dep_HEADERS)
      # Its headers only: the library is loaded at run time (dlopen).
      set_target_properties(${dep_TARGETS} PROPERTIES INTERFACE_LINK_LIBRARIES ""
        INTERFACE_LINK_OPTIONS "" INTERFACE_LINK_DIRECTORIES "")
    endif()
    return()
  endif()

  list(JOIN dep_DEBIAN " " packages)
  set(why "rollcheck needs ${what}, not found: on Debian 12, install ${packages}")
  if(ROLLCHECK_DEPENDENCY_MODE STREQUAL "config")
    set(rollcheck_FOUND FALSE PARENT_SCOPE)
    if(rollcheck_NOT_FOUND_MESSAGE)
      string(PREPEND why "${rollcheck_NOT_FOUND_MESSAGE}\n")
    endif()
    set(rollcheck_NOT_FOUND_MESSAGE "${why}" PARENT_SCOPE)
  else()
    # SEND_ERROR, so that one configure reports every missing library.
    message(SEND_ERROR "${why} (scripts/install-deps installs them all)")
  endif()
endfunction()

rollcheck_dependency(PKG_CONFIG libpqxx PREFIX ROLLCHECK_PQXX DEBIAN libpqxx-dev)
# libpq itself: postgres.hpp parses connection strings with PQconninfoParse.
rollcheck_dependency(PKG_CONFIG libpq PREFIX ROLLCHECK_PQ DEBIAN libpq-dev)
rollcheck_dependency(PKG_CONFIG re2 PREFIX ROLLCHECK_RE2 DEBIAN libre2-dev)
# The log scanner: Vectorscan for its hot path, zlib for rotated .gz logs.
rollcheck_dependency(PKG_CONFIG libhs PREFIX ROLLCHECK_HS DEBIAN libvectorscan-dev)
rollcheck_dependency(PKG_CONFIG zlib PREFIX ROLLCHECK_ZLIB DEBIAN zlib1g-dev)
# The systemd journal as a log source (sd-journal), for the log scanner and
# cron's record. The calls are loaded with dlopen when a journal is first
# read (detail/logs/libsystemd.hpp): only its header is used at build time,
# and no program loads libsystemd to scan log files.
rollcheck_dependency(PKG_CONFIG libsystemd PREFIX ROLLCHECK_SYSTEMD HEADERS DEBIAN libsystemd-dev)
# 9: the oldest fmt the code is built and tested with (Debian 12 ships 9.1).
rollcheck_dependency(PACKAGE fmt VERSION 9 TARGETS fmt::fmt DEBIAN libfmt-dev)
rollcheck_dependency(PACKAGE nlohmann_json VERSION 3.10 TARGETS nlohmann_json::nlohmann_json
  DEBIAN nlohmann-json3-dev)
# Boost: headers only (UUID's SHA-1 compares files; the tests' servers use Asio).
rollcheck_dependency(PACKAGE Boost VERSION 1.74 TARGETS Boost::headers DEBIAN libboost-dev)
# Target files (target.hpp) are TOML. Debian's toml++ is a compiled library
# (its package adds TOML_HEADER_ONLY=0), so the parser is linked, not
# compiled into every unit that reads a target; upstream's install is
# header-only under the same package and target name.
rollcheck_dependency(PACKAGE tomlplusplus VERSION 3 TARGETS tomlplusplus::tomlplusplus
  DEBIAN libtomlplusplus-dev)
# Notices to webhooks (notify.hpp): HTTPS with the system's certificates, proxies.
rollcheck_dependency(PKG_CONFIG libcurl PREFIX ROLLCHECK_CURL DEBIAN libcurl4-openssl-dev)
rollcheck_dependency(PACKAGE Threads TARGETS Threads::Threads DEBIAN libc6-dev)
# `rollcheck plan draft` (plan_draft.hpp) reads a runbook with a real Markdown
# parser, GitHub's tables and task lists included (cmark-gfm: its pkg-config
# file names both libraries), and its SQL with PostgreSQL's own parser
# (libpg_query, which is not libpq: it has no dependency but libc). Loading
# both costs a program some 0.4 ms of CPU at start (perf stat of an empty
# program linked with and without them), against the 8 ms `rollcheck` takes.
rollcheck_dependency(PKG_CONFIG libcmark-gfm PREFIX ROLLCHECK_CMARK DRAFT
  DEBIAN libcmark-gfm-dev libcmark-gfm-extensions-dev)
rollcheck_dependency(LIBRARY pg_query HEADER pg_query.h PREFIX ROLLCHECK_PG_QUERY DRAFT
  DEBIAN libpg-query-dev)
