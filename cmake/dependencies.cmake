# The libraries rollcheck's headers use, found the same way here and in the
# installed rollcheckConfig.cmake (cmake/rollcheckConfig.cmake.in mirrors this).
include(GNUInstallDirs)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ROLLCHECK_PQXX REQUIRED IMPORTED_TARGET libpqxx)
# libpq itself: postgres.hpp parses connection strings with PQconninfoParse.
pkg_check_modules(ROLLCHECK_PQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(ROLLCHECK_RE2 REQUIRED IMPORTED_TARGET re2)
# The log scanner: Vectorscan for its hot path, zlib for rotated .gz logs.
pkg_check_modules(ROLLCHECK_HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(ROLLCHECK_ZLIB REQUIRED IMPORTED_TARGET zlib)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(Threads REQUIRED)

set(ROLLCHECK_LINK_DEPENDENCIES
  PkgConfig::ROLLCHECK_PQXX PkgConfig::ROLLCHECK_PQ PkgConfig::ROLLCHECK_RE2
  PkgConfig::ROLLCHECK_HS PkgConfig::ROLLCHECK_ZLIB fmt::fmt nlohmann_json::nlohmann_json
  Boost::headers Boost::filesystem Threads::Threads)
