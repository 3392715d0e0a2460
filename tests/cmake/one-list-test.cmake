# Every Debian package of cmake/dependencies.cmake must be installed by
# scripts/install-deps and named in the README's "## Dependencies" section, so
# that the list stays the one place a library dependency is added.
# Run: cmake -DSOURCE_DIR=<rollcheck> -P one-list-test.cmake
cmake_minimum_required(VERSION 3.16)
set(ROLLCHECK_DEPENDENCY_MODE list)
include(${SOURCE_DIR}/cmake/dependencies.cmake)
if(NOT ROLLCHECK_DEBIAN_PACKAGES)
  message(FATAL_ERROR "cmake/dependencies.cmake lists no Debian package")
endif()

execute_process(COMMAND ${SOURCE_DIR}/scripts/install-deps --list
  RESULT_VARIABLE rc OUTPUT_VARIABLE installed)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scripts/install-deps --list failed (${rc})")
endif()
string(REGEX REPLACE "\n$" "" installed "${installed}")
string(REPLACE "\n" ";" installed "${installed}")

file(READ ${SOURCE_DIR}/README.md readme)
string(FIND "${readme}" "\n## Dependencies\n" start)
if(start EQUAL -1)
  message(FATAL_ERROR "README.md has no '## Dependencies' section")
endif()
string(SUBSTRING "${readme}" ${start} -1 section)
string(REGEX REPLACE "^\n## Dependencies\n(.*)" "\\1" section "${section}")
string(FIND "${section}" "\n## " end)
string(SUBSTRING "${section}" 0 ${end} section)

set(problems)
foreach(package IN LISTS ROLLCHECK_DEBIAN_PACKAGES)
  if(NOT package IN_LIST installed)
    list(APPEND problems "scripts/install-deps does not install ${package}")
  endif()
  # In backquotes: a name that is only part of a longer one does not count.
  string(FIND "${section}" "`${package}`" at)
  if(at EQUAL -1)
    list(APPEND problems "README.md's Dependencies section does not name `${package}`")
  endif()
endforeach()
if(problems)
  list(JOIN problems "\n  " problems)
  message(FATAL_ERROR "cmake/dependencies.cmake lists Debian packages that are missing elsewhere:\n  ${problems}")
endif()
list(JOIN ROLLCHECK_DEBIAN_PACKAGES " " packages)
message(STATUS "install-deps and the README name all of: ${packages}")
