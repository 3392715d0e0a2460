# Installs the headers and a CMake package, so that an outside project can
# find_package(rollcheck CONFIG REQUIRED) and link rollcheck::rollcheck.
include(CMakePackageConfigHelpers)

set(ROLLCHECK_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/rollcheck/cmake)

install(DIRECTORY include/rollcheck TYPE INCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/include/rollcheck/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rollcheck)
install(TARGETS rollcheck EXPORT rollcheckTargets)
install(EXPORT rollcheckTargets NAMESPACE rollcheck:: DESTINATION ${ROLLCHECK_CMAKE_DIR})

configure_package_config_file(cmake/rollcheckConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rollcheckConfig.cmake
  INSTALL_DESTINATION ${ROLLCHECK_CMAKE_DIR})
# A header-only package fits any architecture: without ARCH_INDEPENDENT a
# 32-bit consumer would reject the package built on a 64-bit machine.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rollcheckConfigVersion.cmake
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/rollcheckConfig.cmake ${PROJECT_BINARY_DIR}/rollcheckConfigVersion.cmake
  DESTINATION ${ROLLCHECK_CMAKE_DIR})
install(FILES cmake/dependencies.cmake DESTINATION ${ROLLCHECK_CMAKE_DIR} RENAME rollcheckDependencies.cmake)
