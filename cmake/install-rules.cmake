# Installs the headers, the compiled form and a CMake package, so that an
# outside project can find_package(rollcheck CONFIG REQUIRED) and link
# rollcheck::rollcheck (header-only) or rollcheck::compiled.
include(CMakePackageConfigHelpers)

set(ROLLCHECK_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/rollcheck/cmake)

install(DIRECTORY include/rollcheck TYPE INCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/include/rollcheck/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rollcheck)
install(TARGETS rollcheck rollcheck_compiled EXPORT rollcheckTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT rollcheckTargets NAMESPACE rollcheck:: DESTINATION ${ROLLCHECK_CMAKE_DIR})

configure_package_config_file(cmake/rollcheckConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rollcheckConfig.cmake
  INSTALL_DESTINATION ${ROLLCHECK_CMAKE_DIR})
# Not ARCH_INDEPENDENT, as a header-only package would be: rollcheck::compiled
# is a library of this machine's architecture, which a 32-bit consumer must
# not find in a 64-bit package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rollcheckConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rollcheckConfig.cmake ${PROJECT_BINARY_DIR}/rollcheckConfigVersion.cmake
  DESTINATION ${ROLLCHECK_CMAKE_DIR})
install(FILES cmake/dependencies.cmake DESTINATION ${ROLLCHECK_CMAKE_DIR} RENAME rollcheckDependencies.cmake)
