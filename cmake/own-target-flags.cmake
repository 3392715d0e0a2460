# Flags for the targets this project builds itself (tests, benchmarks, the
# command line, examples), never pushed onto a consumer of rollcheck::rollcheck.
add_library(rollcheck_own_flags INTERFACE)
target_compile_options(rollcheck_own_flags INTERFACE -Wall -Wextra -Wpedantic -Werror)
if(ROLLCHECK_SANITIZE)
  target_compile_options(rollcheck_own_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(rollcheck_own_flags INTERFACE -fsanitize=address,undefined)
endif()
