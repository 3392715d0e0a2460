# The Debian package: `scripts/package` (or `cpack -G DEB` in a build tree)
# turns the install rules into rollcheck_VERSION_ARCH.deb. Included when
# ROLLCHECK_INSTALL and ROLLCHECK_BUILD_VERIFIERS are both on.
#
# What goes where (docs/install.md says why):
#   /usr/bin/rollcheck                          the command line
#   /usr/libexec/rollcheck/rollcheck-db         its `db` commands, which `rollcheck db` runs
#   /usr/lib/rollcheck/bin/rollcheck-suite      the suite, off PATH, and a link to it for
#                                               each program the default plan names: the
#                                               name selects the phase, so it cannot take a prefix
#   /usr/share/rollcheck/plans                  the plans (the default one among them)
#   /usr/include/rollcheck, /usr/share/rollcheck/cmake   the library and its CMake package
#   /usr/share/doc/rollcheck/examples           the example projects and target files
#   /usr/share/man/man1                         rollcheck.1, rollcheck-suite.1
#   /usr/share/bash-completion/completions/rollcheck

set(ROLLCHECK_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/rollcheck)

# Man pages, from each program's --help (help2man), gzipped as Debian wants
# them (-n: no name or time stamp inside, so the package builds the same twice).
find_program(ROLLCHECK_HELP2MAN help2man)
find_program(ROLLCHECK_GZIP gzip)
if(ROLLCHECK_HELP2MAN AND ROLLCHECK_GZIP)
  set(man_dir ${PROJECT_BINARY_DIR}/man)
  set(man_pages)
  # rollcheck_man(TARGET PAGE NAME): PAGE.1.gz from TARGET's --help.
  function(rollcheck_man target page name)
    set(page_file ${man_dir}/${page}.1.gz)
    add_custom_command(OUTPUT ${page_file}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
      COMMAND ${ROLLCHECK_HELP2MAN} --no-info --section=1 --name=${name}
              --version-string=${PROJECT_VERSION} --output=${man_dir}/${page}.1 $<TARGET_FILE:${target}>
      COMMAND ${ROLLCHECK_GZIP} -9nf ${man_dir}/${page}.1
      DEPENDS ${target}
      COMMENT "Generating the man page ${page}(1)" VERBATIM)
    set(man_pages ${man_pages} ${page_file} PARENT_SCOPE)
  endfunction()
  rollcheck_man(rollcheck_cli rollcheck "prove that a rollback or a deploy left a system healthy")
  rollcheck_man(rollcheck_suite rollcheck-suite "rollcheck's suites: a plan's phases as Catch2 test cases")
  add_custom_target(rollcheck_man ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man or gzip not found: no man pages (scripts/install-deps installs help2man)")
endif()

install(TARGETS rollcheck_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS rollcheck_db RUNTIME DESTINATION ${ROLLCHECK_DB_PROGRAM_DIR})
install(TARGETS rollcheck_suite RUNTIME DESTINATION ${ROLLCHECK_SUITE_DIR})
install(FILES ${ROLLCHECK_PLAN_FILES} DESTINATION ${ROLLCHECK_PLAN_DIR})
# The links to the suite, made by the installed suite from the installed plan.
install(CODE "execute_process(COMMAND \${CMAKE_COMMAND}
  -DSUITE=\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${ROLLCHECK_SUITE_DIR}/rollcheck-suite
  -P ${PROJECT_SOURCE_DIR}/cmake/plan-programs.cmake COMMAND_ERROR_IS_FATAL ANY)")
install(FILES packaging/rollcheck.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME rollcheck)
install(DIRECTORY examples/consumer examples/custom-suite examples/targets examples/ci examples/plans
                  examples/ansible
        DESTINATION ${ROLLCHECK_DOC_DIR}/examples)
install(FILES packaging/copyright DESTINATION ${ROLLCHECK_DOC_DIR})
# What lintian says that does not apply to a package outside Debian's archive.
install(FILES packaging/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME rollcheck)

# The package's Maintainer and the changelog's signature: a release sets the
# address that answers for it.
set(ROLLCHECK_PACKAGE_CONTACT "rollcheck maintainers <rollcheck@example.org>"
    CACHE STRING "Maintainer of the Debian package: Name <address>")

# Debian's changelog, gzipped without name or time stamp (lintian checks both).
set(changelog ${PROJECT_BINARY_DIR}/packaging/changelog.Debian)
configure_file(packaging/changelog.Debian.in ${changelog} @ONLY)
execute_process(COMMAND ${ROLLCHECK_GZIP} -9nf ${changelog} RESULT_VARIABLE gzip_status)
if(NOT gzip_status EQUAL 0)
  message(FATAL_ERROR "could not gzip ${changelog}")
endif()
install(FILES ${changelog}.gz DESTINATION ${ROLLCHECK_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rollcheck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "prove that a rollback or a deploy left a system healthy")
set(CPACK_PACKAGE_CONTACT "${ROLLCHECK_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost.localdomain/rollcheck")
# The synopsis is the summary above; CPack indents these lines and turns the
# empty one into Debian's " ." paragraph break.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "rollcheck verifies a system after a rollback: a PostgreSQL table without
duplicates and with recent writes, a backup and a baseline, the crontab and
the job's log, processes, files, ports and HTTP endpoints. Each check exits
0 (pass), 1 (fail) or 2 (could not verify).

This package holds the rollcheck command; rollcheck-suite, which checks a
system against a rollback plan written as TOML and writes JUnit, JSON,
Markdown and Prometheus reports for CI gates, under /usr/lib/rollcheck/bin
with a program for each phase of the default plan; the plans, under
/usr/share/rollcheck/plans; and the header-only C++17 library with its
CMake package, to build suites of one's own.")
# The programs' shared libraries, found by dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Recommended, not required (the command and the suites need none of them,
# and `apt-get install --no-install-recommends` leaves them out):
# - what the suites run: pg_restore for the backup checks, python3 for the
#   plan's import and test checks, crontab for the installed crontab;
# - libsystemd0, which the journal source loads when a journal is read
#   (dlopen: dpkg-shlibdeps cannot see it);
# - the headers are a header-only library: building against them takes the
#   -dev packages of cmake/dependencies.cmake, plus Catch2 and CLI11 for a
#   suite of one's own, and a compiler and CMake.
set(recommends postgresql-client python3 cron libsystemd0 ${ROLLCHECK_DEBIAN_PACKAGES} catch2 libcli11-dev
    cmake g++)
list(REMOVE_DUPLICATES recommends)
list(JOIN recommends ", " recommends)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "${recommends}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
