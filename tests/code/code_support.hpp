// Shared by the code verifiers' tests.
#pragma once

#include <string>

#include "process_mark.hpp"
#include "test_support.hpp"

namespace rollcheck_test {

/// Debian's interpreter, named explicitly: PATH may find another one.
inline const std::string python = "/usr/bin/python3";

} // namespace rollcheck_test
