# Flags for the targets this project builds itself (tests, benchmarks, the
# command line, examples), never pushed onto a consumer of rollcheck::rollcheck.
add_library(rollcheck_own_flags INTERFACE)
target_compile_options(rollcheck_own_flags INTERFACE -Wall -Wextra -Wpedantic)
if(ROLLCHECK_WERROR)
  target_compile_options(rollcheck_own_flags INTERFACE -Werror)
endif()
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
